"""Registry administration commands (``bsf registry add-provisional``, ``add-synonym``,
``subtypes add``), kept apart from the read-only registry commands.

They implement the conversion instructions' troubleshooting recipe (PRONOM/DROID misses ``.htm``):
a Provisional entry with the extension, the entry as a synonym of the PRONOM format in the
archive, the Provisional key in TextSubtypeHelper's subtypes — then ``bsf workbench
reidentify``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bsf.context import err_console, out_console, state
from bsfcore.errors import BsfError

subtypes_app = typer.Typer(help="TextSubtypeHelper's subtype list "
                           "(formatIdentifier.TextSubtypeHelper.subtypes).",
                           no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the administration commands to the ``bsf registry`` group."""
    app.command("add-provisional")(add_provisional)
    app.command("add-synonym")(add_synonym)
    app.add_typer(subtypes_app, name="subtypes")


def add_provisional(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Entry name, unique in the registry (e.g. HTM).")],
    ext: Annotated[list[str] | None, typer.Option(
        "--ext", help="Filename extension without the dot (repeatable).")] = None,
    synonym: Annotated[list[str] | None, typer.Option(
        "--synonym", help="Another registry's key for the same format, e.g. PRONOM:fmt/96 "
        "(repeatable).")] = None,
    mime: Annotated[str | None, typer.Option("--mime", help="MIME type.")] = None,
    description: Annotated[str | None, typer.Option(
        "--description", help="Why the entry is there (the instructions ask for it).")] = None,
    identifier: Annotated[str | None, typer.Option(
        "--identifier", help="Canonical key (default Provisional:<NAME>).")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Format version.")] = None,
    support_level: Annotated[str, typer.Option(
        "--support-level", help="unknown, known or supported.")] = "known",
    document: Annotated[Path | None, typer.Option(
        "--document", help="Registry document to edit (default: the configured "
        "formatRegistry.Provisional.document).", show_default=False)] = None,
) -> None:
    """Add an entry to the Provisional registry document, keeping its comments and entries."""
    from registries.config import load_format_config
    from workbench.registry_admin import (
        add_provisional_entry,
        provisional_document,
        provisional_format,
    )

    config = load_format_config(state(ctx).settings)
    spec = config.registries.get("Provisional")
    target = document or provisional_document(config)
    fmt = provisional_format(name, identifier=identifier, synonyms=synonym or [],
                             extensions=ext or [], mime_type=mime, description=description,
                             version=version, support_level=support_level)
    added = add_provisional_entry(target, fmt, validate=spec.validate if spec else True,
                                  schema=spec.schema if spec else None)
    err_console.print(f"added {added.key} ({', '.join(map(str, added.keys))}; extensions "
                      f"{', '.join(added.extensions) or 'none'}) to {target}")


def add_synonym(
    ctx: typer.Context,
    format_key: Annotated[str, typer.Argument(help="The format's key, e.g. PRONOM:fmt/96.")],
    synonym_key: Annotated[str, typer.Argument(help="The key to add, e.g. Provisional:HTM.")],
    move: Annotated[bool, typer.Option(
        "--move", help="Rebind the synonym if another format in the archive holds it.")]
    = False,
) -> None:
    """Add SYNONYM_KEY as an external identifier of the archive's format FORMAT_KEY."""
    from registries.loader import load_configured_registries
    from registries.model import FormatKey
    from workbench.registry_admin import add_synonym as run

    st = state(ctx)
    _, registries = load_configured_registries(st.settings)
    result = run(st.engine, FormatKey.parse(format_key), FormatKey.parse(synonym_key),
                 registries=registries, move=move)
    for note in result.notes:
        err_console.print(note)
    out_console.print(f"format #{result.format_id} {result.format_name!r}: "
                      f"{', '.join(result.keys)}")


@subtypes_app.command("add")
def subtypes_add(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Format key to promote text to, e.g. "
                                            "Provisional:HTM.")],
) -> None:
    """Add KEY to formatIdentifier.TextSubtypeHelper.subtypes in the config file (comments and
    layout kept)."""
    from registries.config import load_format_config
    from registries.model import FormatKey
    from workbench.config_edit import SUBTYPES_KEY, add_list_item

    st = state(ctx)
    path = st.settings.path
    if not path:
        raise BsfError("no configuration file to edit: pass --config FILE (or set BSF_CONFIG)")
    parsed = FormatKey.parse(key)
    config = load_format_config(st.settings)
    edit = add_list_item(path, SUBTYPES_KEY, str(parsed),
                         current=[str(k) for k in config.subtypes])
    err_console.print(edit.message)


@subtypes_app.command("list")
def subtypes_list(ctx: typer.Context) -> None:
    """Print the effective subtype list, one key per line."""
    from registries.config import load_format_config

    for key in load_format_config(state(ctx).settings).subtypes:
        out_console.print(str(key))
