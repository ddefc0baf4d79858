"""orchestration subpackage."""
