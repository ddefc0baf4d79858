"""Serving the warehouse: the questions and their SQL, checks, exports, the ERD."""
