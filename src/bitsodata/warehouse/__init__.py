"""warehouse subpackage."""
