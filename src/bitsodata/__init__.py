"""bitsodata: a spread monitor for Bitso order books and a user-activity warehouse."""

__version__ = "0.1.0"
