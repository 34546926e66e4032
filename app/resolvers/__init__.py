"""Query, mutation and subscription roots per domain, and the per-request DataLoaders."""
