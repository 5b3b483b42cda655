"""Command modules: one per group (``bsf registry ...``) or top-level command (``bsf demo``).

They are imported when their command runs, not all at start-up: ``bsf identify FILE`` must not
pay for rich tables, the database layer and nine other groups it never uses (``bsf --help``
and the tests' full ``bsf.main.app`` import them all).
"""

from __future__ import annotations

import importlib
from functools import cache

import typer

#: group name -> module whose ``app`` is the group
GROUP_MODULES: dict[str, str] = {
    "registry": "bsf.commands.registry",
    "archive": "bsf.commands.archive",
    "upgrade": "bsf.commands.upgrade",
    "workbench": "bsf.commands.workbench",
    "report": "bsf.commands.report",
    "packager": "bsf.commands.packager",
    "replicate": "bsf.commands.replicate",
    "signatures": "bsf.commands.signatures",
}

#: top-level command -> module whose ``register(app)`` adds it
COMMAND_MODULES: dict[str, str] = {
    "demo": "bsf.commands.demo",
    "doctor": "bsf.commands.doctor",
    "identify": "bsf.commands.identify",
    "cleanup": "bsf.commands.cleanup",
    "serve": "bsf.commands.serve",
}

#: commands that extend a group owned by another module: group -> (module, function)
GROUP_EXTENSIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "registry": (("bsf.commands.registry_admin", "register"),),
    "archive": (("bsf.commands.archive_delete", "register"),
                ("bsf.commands.packager", "register_archive_commands")),
}


@cache
def group(name: str) -> typer.Typer:
    """The typer app of group ``name``, with the commands other modules add to it."""
    app = importlib.import_module(GROUP_MODULES[name]).app
    assert isinstance(app, typer.Typer)
    for module, function in GROUP_EXTENSIONS.get(name, ()):
        getattr(importlib.import_module(module), function)(app)
    return app


def add_command(name: str, app: typer.Typer) -> None:
    """Add the top-level command ``name`` to ``app``."""
    importlib.import_module(COMMAND_MODULES[name]).register(app)
