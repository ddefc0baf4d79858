"""Source files: their columns declared once, the CSV record cutter, the bulk and line readers."""
