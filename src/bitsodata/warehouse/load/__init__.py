"""Loading a batch: the pipeline (read, stage, build), the entities' tables, the fast runner."""
