"""Every rule of the product: async, keyword-only functions whose first argument is the actor."""
