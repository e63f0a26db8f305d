"""The ``hkg`` command line: a thin layer that parses arguments, calls the API, renders answers."""
