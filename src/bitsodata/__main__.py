"""Allows ``python -m bitsodata``."""

from bitsodata.cli.main import main

if __name__ == "__main__":
    main()
