"""What every domain's types share: typed errors and result unions, the context and its
DataLoaders, ids, pagination, the executor and the schema extensions."""
