"""The GraphQL types: ``core/`` (what every domain shares) and one module per domain with
that domain's types, inputs and enums. ``app.api`` assembles them into the schema."""
