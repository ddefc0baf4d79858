"""Loading a batch: the pipeline, merge by natural key, scope key tables, the fast runner."""
