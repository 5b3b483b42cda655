"""Registry administration commands (``bsf registry add-provisional``, ``add-synonym``,
``subtypes add``), kept apart from the read-only registry commands."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the administration commands to the ``bsf registry`` group."""
