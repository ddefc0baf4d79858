"""lake subpackage."""
