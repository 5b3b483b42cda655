"""`bsf identify PATH...`: the standalone scanner (thin layer over formats.scan + reports.scan)."""

from __future__ import annotations

import io
from typing import Annotated

import typer

from bsf.context import state
from bsfcore.errors import BsfError


def register(app: typer.Typer) -> None:
    """Add `identify` to the top-level app."""
    app.command("identify")(identify)


def identify(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(
        help="Files or folders to identify; output names are these paths as given.")],
    recursive: Annotated[bool, typer.Option(
        "--recursive", "-r", help="Descend into subfolders (default: a folder's own files).")]
        = False,
    as_csv: Annotated[bool, typer.Option(
        "--csv", help="siegfried-compatible CSV (filename, filesize, ..., basis, warning).")]
        = False,
    as_json: Annotated[bool, typer.Option("--json", help="siegfried-compatible JSON.")] = False,
    as_droid: Annotated[bool, typer.Option("--droid", help="DROID 18-column CSV.")] = False,
    workers: Annotated[int, typer.Option(
        "--workers", "-w", min=1, help="Worker processes (output order is kept).")] = 1,
    name_from: Annotated[str | None, typer.Option(
        "--name-from", help="CSV of path,name: the original name whose extension is used "
        "(path matched exactly, else by base name, e.g. asset-store internal ids).")] = None,
    follow_symlinks: Annotated[bool, typer.Option(
        "--follow-symlinks", help="Follow symlinks that leave the scanned tree, and symlinked "
        "folders.")] = False,
) -> None:
    """Identify files like siegfried/DROID with the configured identifier stack.

    Default output: YAML in siegfried's layout, with confidence and source.
    Works without a config file (PRONOM on the default data, plus the text identifiers).
    Unreadable files get their error in the errors field and the scan goes on.
    The exit status is 1 when any path had an error.
    """

    from bsfcore import __version__
    from formats.scan import load_name_map, scan, to_record
    from formats.stack import stack_from_settings
    from reports.scan import DroidCsvWriter, SfCsvWriter, SfJsonWriter, YamlWriter

    if sum((as_csv, as_json, as_droid)) > 1:
        raise typer.BadParameter("choose at most one of --csv, --json, --droid")
    st = state(ctx)
    stack, registries = stack_from_settings(st.settings)
    names = load_name_map(name_from) if name_from else None
    details = [(name, "") for name in stack.describe()]
    details.append(("registries", "; ".join(
        f"{r.namespace}{' ' + r.version if r.version else ''}" for r in registries)))

    out = io.TextIOWrapper(typer.get_binary_stream("stdout"), encoding="utf-8", newline="",
                           write_through=True)
    writer: SfCsvWriter | SfJsonWriter | YamlWriter | DroidCsvWriter
    if as_csv:
        writer = SfCsvWriter(out)
    elif as_json:
        writer = SfJsonWriter(out, version=__version__, identifiers=details)
    elif as_droid:
        writer = DroidCsvWriter(out)
    else:
        writer = YamlWriter(out, version=__version__, identifiers=details)

    errors = files = 0
    progress = st.progress()
    try:
        writer.head()
        for result in scan(paths, stack, recursive=recursive, follow_symlinks=follow_symlinks,
                           workers=workers, names=names, progress=progress):
            writer.row(to_record(result, registries))
            files += 1
            errors += bool(result.error)
        writer.tail()
    finally:
        out.flush()
        out.detach()
    if errors:
        raise ScanHadErrors(f"{errors} of {files} paths could not be identified "
                            "(see the errors field)")


class ScanHadErrors(BsfError):
    """Some paths could not be read: the output is complete, the exit status says so."""

    exit_code = 1
