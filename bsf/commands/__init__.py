"""Command modules: one per group (``bsf registry ...``) or top-level command (``bsf demo``)."""

from __future__ import annotations

from collections.abc import Callable

import typer

from bsf.commands import (
    archive,
    archive_delete,
    cleanup,
    demo,
    doctor,
    identify,
    packager,
    registry,
    registry_admin,
    replicate,
    report,
    serve,
    upgrade,
    workbench,
)

COMMAND_GROUPS: dict[str, typer.Typer] = {
    "registry": registry.app,
    "archive": archive.app,
    "upgrade": upgrade.app,
    "workbench": workbench.app,
    "report": report.app,
    "packager": packager.app,
    "replicate": replicate.app,
}

TOP_LEVEL_COMMANDS: list[Callable[[typer.Typer], None]] = [
    demo.register,
    doctor.register,
    identify.register,
    cleanup.register,
    serve.register,
]

# Commands that extend a group owned by another module.
registry_admin.register(registry.app)
archive_delete.register(archive.app)
packager.register_archive_commands(archive.app)
