"""``bsf archive delete HANDLE`` (replication issue), kept apart from the other archive commands."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add ``delete`` to the ``bsf archive`` group."""
