"""The ``bsf`` command line: thin typer commands over the library packages."""
