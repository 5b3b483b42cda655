"""``bsf packager`` — DSpace's ``packager`` command for AIPs, with the seeds' flags exactly.

Export:   ``bsf packager -d [-a] -t AIP -e EPERSON -i HANDLE FILE``
Submit:   ``bsf packager -s [-a] [-w] -t AIP -e EPERSON -p PARENT [-p PARENT ...] FILE``
Restore:  ``bsf packager -r [-a] [-k | -f [-i HANDLE]] -t AIP -e EPERSON FILE``
plus ``-u`` (never prompt) and ``-o key=value`` (repeatable). Like DSpace's, this is one
command whose mode is chosen by flags; the work is done by :func:`packager.export.export_aip`
and :func:`packager.ingest.ingest_aip`. stdout lists what was written/ingested; warnings go
to stderr.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bsf.context import err_console, out_console, state
from packager.options import OPTION_HELP, option_error


def _options_epilog() -> str:
    lines = ["AIP options (-o KEY=VALUE, repeatable):"]
    for key, (direction, default, meaning) in sorted(OPTION_HELP.items()):
        lines.append(f"* {key} ({direction}; default {default}): {meaning}")
    return "\n\n".join(lines)


app = typer.Typer(context_settings={"help_option_names": ["-h", "--help"]})


def _fail(message: str) -> None:
    raise option_error(message)


@app.callback(invoke_without_command=True, epilog=_options_epilog())
def packager_command(
    ctx: typer.Context,
    file: Annotated[str | None, typer.Argument(
        metavar="FILE", help="AIP file to write (-d; a folder when it ends in /) or to "
        "ingest.")] = None,
    disseminate: Annotated[bool, typer.Option("-d", "--disseminate",
                                              help="Export AIPs.")] = False,
    submit: Annotated[bool, typer.Option("-s", "--submit",
                                         help="Submit: new objects, new handles (default).")]
        = False,
    restore: Annotated[bool, typer.Option("-r", "--restore",
                                          help="Restore objects as they were.")] = False,
    keep_existing: Annotated[bool, typer.Option(
        "-k", "--keep-existing", help="With -r: skip objects (and children) that exist.")]
        = False,
    force_replace: Annotated[bool, typer.Option(
        "-f", "--force-replace", help="With -r: overwrite objects that exist.")] = False,
    all_: Annotated[bool, typer.Option("-a", "--all",
                                       help="Also every child object / child AIP.")] = False,
    install: Annotated[bool, typer.Option(
        "-w", "--install", help="With -s: skip the collection's approval workflow.")] = False,
    package_type: Annotated[str | None, typer.Option("-t", "--type", metavar="TYPE",
                                                     help="Package type: AIP.")] = None,
    eperson: Annotated[str | None, typer.Option(
        "-e", "--eperson", metavar="EMAIL",
        help="EPerson doing the work: an administrator of what is ingested.")] = None,
    identifier: Annotated[str | None, typer.Option(
        "-i", "--identifier", metavar="HANDLE",
        help="-d: object to export (PREFIX/0 = the site); -r -f: object to replace.")] = None,
    parent: Annotated[list[str] | None, typer.Option(
        "-p", "--parent", metavar="HANDLE",
        help="Parent to ingest under (repeatable: the object also goes under the others).")]
        = None,
    option: Annotated[list[str] | None, typer.Option(
        "-o", "--option", metavar="KEY=VALUE", help="Packager option (repeatable; listed "
        "below).")] = None,
    no_user_interaction: Annotated[bool, typer.Option(
        "-u", "--no-user-interaction", help="Never prompt (for cron).")] = False,
) -> None:
    """Export and ingest DSpace AIPs (METS + PREMIS zips), with DSpace's flags.

    One command whose mode is chosen by DSpace's flags: -d exports the object -i names (with
    -a its whole hierarchy, beside FILE or into the folder FILE/), -s submits AIPs as new
    objects under -p, -r restores them as they were (-k keeps existing objects, -f replaces
    them). -t AIP and -e EPERSON are required, as in DSpace; every ingest, and -o
    passwords=true, needs -e to be an administrator of its target. A failed ingest changes
    nothing.

    Example:
        bsf packager -d -t AIP -e admin@myu.edu -i 123456789/2 item.zip
        bsf packager -d -a -t AIP -e admin@myu.edu -i 123456789/0 backups/
        bsf packager -r -a -f -u -t AIP -e admin@myu.edu SITE@123456789-0.zip
    """
    if ctx.invoked_subcommand is not None:
        return
    if file is None:
        typer.echo(ctx.get_help(), err=True)
        raise typer.Exit(2)
    if package_type is None or package_type.upper() != "AIP":
        _fail("-t AIP is required (bsf packages only DSpace AIPs)")
    if not eperson:
        _fail("-e EPERSON is required")
    if sum([disseminate, submit, restore]) > 1:
        _fail("choose one of -d, -s and -r")
    if (keep_existing or force_replace) and not restore:
        _fail("-k and -f need -r")
    if keep_existing and force_replace:
        _fail("-k and -f cannot be combined")
    if install and (disseminate or restore):
        _fail("-w is only for submit mode (-s)")
    if parent and disseminate:
        _fail("-p is only for ingest (-s, -r)")
    from pathlib import Path

    from archive.assetstore import AssetStore
    from packager.options import Mode

    st = state(ctx)
    store = AssetStore.from_settings(st.settings)
    if disseminate:
        from packager.export import export_aip

        if not identifier:
            _fail("-i HANDLE is required with -d")
        assert identifier is not None
        exported = export_aip(st.engine, store, identifier, file, recursive=all_, eperson=eperson,
                              options=option or [], settings=st.settings,
                              progress=st.progress())
        for pkg in exported.packages:
            out_console.print(f"{pkg.md5}  {pkg.path}", markup=False)
        if exported.skipped and not st.quiet:
            err_console.print(f"{len(exported.skipped)} item(s) not modified since updatedAfter: "
                              "not exported", markup=False)
        for warning in exported.warnings:
            err_console.print(f"warning: {warning}", markup=False, soft_wrap=True)
        return
    from packager.ingest import ingest_aip

    mode = Mode.SUBMIT
    if restore:
        mode = Mode.REPLACE if force_replace else Mode.KEEP_EXISTING if keep_existing \
            else Mode.RESTORE
    if mode is Mode.REPLACE and not no_user_interaction and sys.stdin.isatty():
        typer.confirm("Force replace overwrites existing objects with the AIPs' contents. "
                      "Continue?", abort=True, err=True)
    result = ingest_aip(st.engine, store, Path(file), mode=mode, recursive=all_,
                        parent=parent or None, identifier=identifier,
                        eperson=eperson or "", skip_workflow=install, options=option or [],
                        settings=st.settings, progress=st.progress())
    lines = [(verb, type_name, handle)
             for verb, rows in (("restored", result.restored), ("created", result.created),
                                ("replaced", result.replaced), ("kept", result.skipped),
                                ("in workflow", result.workflow))
             for type_name, handle in rows]
    for verb, type_name, handle in sorted(lines, key=lambda line: line[1] != "SITE"):
        out_console.print(f"{verb} {type_name} {handle}", markup=False)
    for warning in result.warnings:
        err_console.print(f"warning: {warning}", markup=False, soft_wrap=True)


def register_archive_commands(archive_app: typer.Typer) -> None:
    """Add ``bsf archive update-sequences`` (library: :mod:`packager.sequences`)."""

    @archive_app.command("update-sequences")
    def update_sequences_command(ctx: typer.Context) -> None:
        """Move every DSpace id sequence past the highest id in use.

        As DSpace's update-sequences.sql: each TABLE_seq goes past its table's highest id,
        and handle_seq past the highest handle suffix too. Ingests already do this; run it
        after loading rows by other means, or when an ingest reports a sequence behind the
        rows in use. SQLite keeps ids by row id: nothing to do there.

        Example:
            bsf --db postgresql://dspace@localhost/dspace archive update-sequences
        """
        from packager.sequences import update_sequences_engine

        st = state(ctx)
        values = update_sequences_engine(st.engine)
        if not values:
            err_console.print("no sequences to update: this database keeps ids by row id "
                              "(SQLite)", markup=False)
        for sequence, next_value in sorted(values.items()):
            typer.echo(f"{sequence}\t{next_value}")  # tab-separated data: no console layout
        if values:
            err_console.print(f"{len(values)} sequence(s) set past the ids in use",
                              markup=False)
