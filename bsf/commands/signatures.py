"""`bsf signatures show / update`: which PRONOM files identify, and installing newer ones.

Thin layer over :mod:`registries.pronom.inuse` and :mod:`registries.pronom.update`; the engine's
compile check (:func:`formats.signatures.check_pair`) is handed to the update so that a file
that parses but cannot be compiled is refused too. Data (``show``) goes to stdout, the update's
report to stderr.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bsf.context import err_console, out_console, state

app = typer.Typer(help="""PRONOM signature files: show the ones in use, install newer ones.

    bsf identifies with the DROID signature file and container signature file it ships (PRONOM
    data, Crown copyright, The National Archives, Open Government Licence v3), unless a newer
    pair was installed into the user data folder with update or files are configured by path
    (formatIdentifier.DROID.signatureFile, formatIdentifier.DROID.containerSignatureFile).

    Example:
        bsf signatures show
        bsf signatures update --from DROID_SignatureFile_V120.xml
    """, no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object (for machines).")]
        = False,
) -> None:
    """Name the DROID and container signature files in use: path, version, date, counts.

    One block per file (kind, file name, version, date, how many formats and signatures, and
    whether it is the shipped, the installed or a configured file), or one JSON object.

    Example:
        bsf signatures show
        bsf signatures show --json
    """
    from registries.pronom.inuse import signature_files_in_use

    info = signature_files_in_use(state(ctx).settings)
    rows = []
    for item in (info.signature, info.container):
        counted = item.counts or (0, 0)
        what = ("formats", "signatures") if item.kind == "DROID" else ("container signatures",
                                                                      "formats")
        rows.append({"kind": item.kind, "file": item.path.name, "path": str(item.path),
                     "version": item.version, "date": item.date, "origin": item.origin,
                     what[0]: counted[0], what[1]: counted[1]})
    if as_json:
        out_console.print(json.dumps({"signature": rows[0], "container": rows[1]}, indent=2),
                          markup=False, highlight=False)
        return
    for row, item in zip(rows, (info.signature, info.container), strict=True):
        counts = ", ".join(f"{row[k]} {k}" for k in row if k not in (
            "kind", "file", "path", "version", "date", "origin"))
        out_console.print(f"{item.kind} signature file: {row['file']} ({item.label}, "
                          f"{row['date'] or 'no date'}; {counts}; {row['origin']})\n"
                          f"  {row['path']}", markup=False, highlight=False)


@app.command("update")
def update(
    ctx: typer.Context,
    sources: Annotated[list[str] | None, typer.Option(
        "--from", metavar="URL|FILE",
        help="A DROID signature file, container signature file or PRONOM release notes, by "
        "URL or path (repeat for both files). Default: The National Archives' published "
        "locations (formatIdentifier.DROID.update*URL).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Install even when the offered file is not newer.")] = False,
) -> None:
    """Download newer PRONOM files and install them into the user data folder.

    Nothing is written unless the file loads as a signature file and compiles; the previous
    pair is kept beside the new one. Prints old -> new for each file. With no --from, the
    files are fetched from The National Archives' published locations.

    Example:
        bsf signatures update
        bsf signatures update --from https://example.org/V120.xml
        bsf signatures update --from V120.xml --from container.xml
    """
    from formats.signatures import check_pair
    from registries.pronom.update import update_signatures

    result = update_signatures(state(ctx).settings, sources or (), check=check_pair,
                               force=force)
    pairs = (("DROID", result.before.signature, result.after.signature),
             ("container", result.before.container, result.after.container))
    for kind, old, new in pairs:
        if old.path == new.path:
            err_console.print(f"{kind} signature file: {old.label} ({old.path.name}), "
                              "unchanged", markup=False, highlight=False)
        else:
            err_console.print(f"{kind} signature file: {old.label} ({old.path.name}) -> "
                              f"{new.label} ({new.path})", markup=False, highlight=False)
    for note in result.notes:
        err_console.print(f"note: {note}", markup=False, highlight=False)
