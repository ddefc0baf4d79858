"""alerts subpackage."""
