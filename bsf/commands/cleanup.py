"""`bsf cleanup` (thin layer over the library)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `cleanup` to the top-level app (placeholder until its issue lands)."""
