"""Query, mutation and subscription roots per domain; only ``app.api`` imports them."""
