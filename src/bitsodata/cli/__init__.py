"""The ``bitsodata`` command line: thin commands over the library."""
