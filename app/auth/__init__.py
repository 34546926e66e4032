"""The one access policy, passwords, sessions and API tokens."""
