"""`bsf packager ...` commands (thin layer over the library)."""

from __future__ import annotations

import typer

app = typer.Typer(help="packager commands.", no_args_is_help=True)
