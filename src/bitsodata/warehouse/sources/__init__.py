"""Source files: one table of source columns, the CSV record cutter, the bulk and line parsers."""
