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

subtypes_app = typer.Typer(help="""TextSubtypeHelper's subtype list, in the config file.

    formatIdentifier.TextSubtypeHelper.subtypes names the formats a generic text match is
    promoted to when the file's extension names one of them (HTML, CSS, XML ...). A
    Provisional entry for a text format (the instructions' HTM) must be added to it too.

    Example:
        bsf --config bsf-demo/bsf.cfg registry subtypes list
        bsf --config bsf-demo/bsf.cfg registry subtypes add Provisional:HTM
    """, no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the administration commands to the ``bsf registry`` group."""
    app.command("add-provisional")(add_provisional)
    app.command("add-synonym")(add_synonym)
    app.add_typer(subtypes_app, name="subtypes")


def add_provisional(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(
        metavar="NAME", help="Entry name, unique in the registry (e.g. HTM).")],
    ext: Annotated[list[str] | None, typer.Option(
        "--ext", metavar="EXT", help="Filename extension without the dot (repeatable).")]
        = None,
    synonym: Annotated[list[str] | None, typer.Option(
        "--synonym", metavar="KEY", help="Another registry's key for the same format, e.g. "
        "PRONOM:fmt/96 (repeatable).")] = None,
    mime: Annotated[str | None, typer.Option("--mime", metavar="TYPE", help="MIME type.")]
        = None,
    description: Annotated[str | None, typer.Option(
        "--description", metavar="TEXT",
        help="Why the entry is there (the instructions ask for it).")] = None,
    identifier: Annotated[str | None, typer.Option(
        "--identifier", metavar="KEY", help="Canonical key (default Provisional:NAME).")]
        = None,
    version: Annotated[str | None, typer.Option("--version", metavar="VERSION",
                                                help="Format version.")] = None,
    support_level: Annotated[str, typer.Option(
        "--support-level", metavar="LEVEL", help="unknown, known or supported.")] = "known",
    document: Annotated[Path | None, typer.Option(
        "--document", metavar="FILE", help="Registry document to edit (default: the "
        "configured formatRegistry.Provisional.document).", show_default=False)] = None,
) -> None:
    """Add an entry to the Provisional registry document.

    The entry is appended to the configured document (formatRegistry.Provisional.document, or
    --document); its comments and entries stay as they are, and the new document is validated
    before it atomically replaces the file. The packaged default is refused: copy it and
    configure the copy first (the demo folder has one).

    Example:
        bsf registry add-provisional HTM --ext htm --synonym PRONOM:fmt/96
        bsf registry add-provisional LABDATA --ext gdg --mime application/x-gadget
    """
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
    format_key: Annotated[str, typer.Argument(
        metavar="FORMAT_KEY", help="The format's key, e.g. PRONOM:fmt/96.")],
    synonym_key: Annotated[str, typer.Argument(
        metavar="SYNONYM_KEY", help="The key to add, e.g. Provisional:HTM.")],
    move: Annotated[bool, typer.Option(
        "--move", help="Rebind the synonym if another format in the archive holds it.")]
    = False,
) -> None:
    """Add SYNONYM_KEY as an external identifier of the archive's format FORMAT_KEY.

    This is the instructions' "edit the BitstreamFormat entry for PRONOM:fmt/96, add the
    external format entry Provisional:HTM". The format is cached from the registries if no
    bitstream used it yet. A synonym held by another cached format is refused unless --move.

    Example:
        bsf --config bsf.cfg registry add-synonym PRONOM:fmt/96 Provisional:HTM
    """
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
    key: Annotated[str, typer.Argument(
        metavar="KEY", help="Format key to promote text to, e.g. Provisional:HTM.")],
) -> None:
    """Add KEY to formatIdentifier.TextSubtypeHelper.subtypes in the config file.

    The file given by --config (or $BSF_CONFIG) is edited in place: comments, blank lines,
    other keys and line ends are kept. When it does not set the key yet, the effective default
    list plus KEY is written. A key already listed changes nothing.

    Example:
        bsf --config bsf-demo/bsf.cfg registry subtypes add Provisional:HTM
    """
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
    """Print the effective subtype list, one key per line.

    The list TextSubtypeHelper uses: the configured formatIdentifier.TextSubtypeHelper.subtypes
    or, when it is not set, the instructions' default list for the configured registries.

    Example:
        bsf --config bsf-demo/bsf.cfg registry subtypes list
    """
    from registries.config import load_format_config

    for key in load_format_config(state(ctx).settings).subtypes:
        out_console.print(str(key))
