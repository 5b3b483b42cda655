"""`bsf identify PATH...` (and `--compare OLD NEW`): a thin layer over formats.scan + reports."""

from __future__ import annotations

import gc
import io
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from bsf.context import CliState, skip_teardown, state
from bsfcore.errors import BsfError
from bsfcore.progress import NO_PROGRESS

if TYPE_CHECKING:
    from formats.scan_model import ScanStats


def register(app: typer.Typer) -> None:
    """Add `identify` to the top-level app."""
    app.command("identify")(identify)


def identify(
    ctx: typer.Context,
    paths: Annotated[list[str] | None, typer.Argument(
        metavar="PATH...",
        help="Files or folders to identify; output names are these paths as given.")] = None,
    no_recurse: Annotated[bool, typer.Option(
        "--no-recurse", "-nr", help="Stay in the given folders (default: recurse, as sf).")]
        = False,
    recursive: Annotated[bool, typer.Option(
        "--recursive", "-r", help="Accepted for compatibility; recursion is the default.")]
        = False,
    as_csv: Annotated[bool, typer.Option(
        "--csv", help="siegfried 1.11 CSV (+ confidence, source); with --compare: CSV.")]
        = False,
    as_json: Annotated[bool, typer.Option("--json", help="siegfried 1.11 JSON.")] = False,
    as_droid: Annotated[bool, typer.Option("--droid", help="DROID 6 CSV (folder rows).")]
        = False,
    hash_name: Annotated[str | None, typer.Option(
        "--hash", metavar="ALGORITHM",
        help="Checksum: md5, sha1, sha256, sha512 or crc (sf's names).")] = None,
    scan_archives: Annotated[bool, typer.Option(
        "--scan-archives", "-z", help="Identify members of zip, tar (plain/gz/bz2/xz), gzip, "
        "bzip2, xz, WARC and ARC files, named outer.zip#inner/path.")] = False,
    max_members: Annotated[int, typer.Option(
        "--max-members", min=1, metavar="N", help="Cap on members below one file (-z).")] = 100_000,
    max_expanded: Annotated[int, typer.Option(
        "--max-expanded", min=1, metavar="BYTES",
        help="Cap on bytes expanded below one file (-z).")]
        = 8 << 30,
    max_ratio: Annotated[float, typer.Option(
        "--max-ratio", min=1.0, metavar="RATIO",
        help="Cap on a member's expanded/compressed ratio (-z).")]
        = 200.0,
    workers: Annotated[int, typer.Option(
        "--workers", "-w", min=1, metavar="N",
        help="Worker processes (output order is kept).")] = 1,
    name_from: Annotated[str | None, typer.Option(
        "--name-from", metavar="FILE",
        help="CSV of path,name: the original name whose extension is used "
        "(path matched exactly, else by base name, e.g. asset-store internal ids).")] = None,
    follow_symlinks: Annotated[bool, typer.Option(
        "--follow-symlinks", help="Follow symlinks met while walking (loops are skipped).")]
        = False,
    compare: Annotated[tuple[str, str] | None, typer.Option(
        "--compare", metavar="OLD NEW",
        help="Compare two result files (bsf/sf CSV, JSON, YAML or DROID CSV): "
        "files whose answer changed, and counts per old → new pair.")] = None,
    pairs: Annotated[bool, typer.Option(
        "--pairs", help="With --compare --csv: counts per old → new pair instead of files.")]
        = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no summary.")]
        = False,
) -> None:
    """Identify files like siegfried/DROID with the configured identifier stack.

    Default output: YAML in siegfried 1.11's layout, with confidence and source; --csv, --json
    and --droid write sf's CSV and JSON or DROID 6's CSV. Recurses into folders; symlinks,
    FIFOs, sockets and devices met on the way are skipped and counted in the summary on stderr.
    Unreadable files get their error in the errors field and the scan goes on; the exit status
    is 1 only when a real file could not be read. --compare OLD NEW lists what changed between
    two runs, e.g. after a signature update.

    Example:
        bsf identify --csv --hash sha256 /data/accession-42 > formats.csv
        bsf identify -z --json deposit.zip
        bsf identify --compare before.csv after.csv
    """
    st = state(ctx)
    if quiet:
        st.quiet = True
    if compare is not None:
        if paths:
            raise typer.BadParameter("--compare takes two result files, not paths to scan")
        _compare(compare[0], compare[1], as_csv=as_csv, pairs=pairs)
        return
    if not paths:
        raise typer.BadParameter("give at least one PATH to identify (or --compare OLD NEW)")
    if sum((as_csv, as_json, as_droid)) > 1:
        raise typer.BadParameter("choose at most one of --csv, --json, --droid")
    _scan(st, paths, as_csv=as_csv, as_json=as_json, as_droid=as_droid, hash_name=hash_name,
          recursive=not no_recurse, follow_symlinks=follow_symlinks, archives=scan_archives,
          limits=(max_members, max_expanded, max_ratio), workers=workers, name_from=name_from)


def _scan(st: CliState, paths: list[str], *, as_csv: bool, as_json: bool, as_droid: bool,
          hash_name: str | None, recursive: bool, follow_symlinks: bool, archives: bool,
          limits: tuple[int, int, float], workers: int, name_from: str | None) -> None:
    from bsfcore import __version__
    from formats.hashing import check_algorithm
    from formats.records import context_for, to_record
    from formats.scan import load_name_map, scan
    from formats.scan_header import describe_run
    from formats.scan_model import ArchiveLimits, ScanOptions, ScanStats
    from formats.stack import stack_from_settings
    from registries.config import load_format_config
    from registries.pronom.classes import load_classes
    from registries.pronom.inuse import signature_files_in_use
    from reports.droid_writer import DroidCsvWriter
    from reports.scan import IdentifierInfo, ScanHeader
    from reports.sf_writers import SfCsvWriter, SfJsonWriter, YamlWriter
    from reports.stream import write_rows

    algorithm = ""
    if hash_name:
        try:
            algorithm = check_algorithm(hash_name)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--hash") from None
    stack, registries = stack_from_settings(st.settings)
    # The compiled signatures and registries live until the process ends: moved out of the
    # cyclic collector's reach, full collections no longer walk them (about 7 % of a run).
    gc.freeze()
    config = load_format_config(st.settings)
    names = load_name_map(name_from) if name_from else None
    files = signature_files_in_use(st.settings, counts=False) if "PRONOM" in registries \
        else None
    run = describe_run(registries, stack, files)
    header = ScanHeader(f"bsf {__version__}", run.signature, run.created,
                        tuple(IdentifierInfo(i.name, i.details) for i in run.identifiers),
                        algorithm)
    options = ScanOptions(recursive=recursive, follow_symlinks=follow_symlinks,
                          hash=algorithm or None, archives=archives, names=names,
                          limits=ArchiveLimits(max_members=limits[0], max_expanded=limits[1],
                                               max_ratio=limits[2]))
    records = context_for(registries, load_classes(config.pronom_records)
                          if "PRONOM" in registries else {}, droid_locations=as_droid)

    out = io.TextIOWrapper(typer.get_binary_stream("stdout"), encoding="utf-8", newline="",
                           write_through=True)
    writer: SfCsvWriter | SfJsonWriter | YamlWriter | DroidCsvWriter
    if as_csv:
        writer = SfCsvWriter(out, header)
    elif as_json:
        writer = SfJsonWriter(out, header)
    elif as_droid:
        writer = DroidCsvWriter(out, header)
    else:
        writer = YamlWriter(out, header)

    stats = ScanStats()
    progress = st.progress()
    try:
        results = scan(paths, stack, options, workers=workers, progress=progress, stats=stats,
                       count_total=progress is not NO_PROGRESS)
        write_rows((to_record(result, records) for result in results), writer)
    finally:
        out.flush()
        out.detach()
    if not st.quiet:
        sys.stderr.write(summary_line(stats) + "\n")  # plain text: no console to build
    skip_teardown()  # output written, pool and temporary folders gone
    if stats.unreadable:
        raise ScanHadErrors(f"{stats.unreadable} of {stats.files + stats.folders} paths could "
                            "not be read (see the errors field)")


def summary_line(stats: ScanStats) -> str:
    """``identified 12 files, 3 folders; skipped 2 symlinks, 1 FIFO; 1 unreadable``."""
    parts = [f"identified {stats.files} files, {stats.folders} folders"
             + (f", {stats.members} archive members" if stats.members else "")]
    if stats.skipped:
        parts.append("skipped " + ", ".join(
            f"{n} {kind}{'s' if n != 1 and not kind.endswith('s') else ''}"
            for kind, n in sorted(stats.skipped.items())))
    if stats.unreadable:
        parts.append(f"{stats.unreadable} unreadable")
    if stats.archive_errors:
        parts.append(f"{stats.archive_errors} archive errors")
    return "; ".join(parts)


def _compare(old: str, new: str, *, as_csv: bool, pairs: bool) -> None:
    from reports.compare import CHANGE_COLUMNS, PAIR_COLUMNS, compare_runs
    from reports.csv_writer import csv_rows
    from reports.results_reader import read_results

    result = compare_runs(read_results(old), read_results(new))
    if as_csv:
        out = io.TextIOWrapper(typer.get_binary_stream("stdout"), encoding="utf-8",
                                       newline="", write_through=True)
        try:
            writer = csv_rows(out, terminator="\n")  # CR quoted too (bsfcore.csvtext)
            if pairs:
                writer.writerow(PAIR_COLUMNS)
                writer.writerows((p.old_id, p.old_format, p.new_id, p.new_format, p.count)
                                 for p in result.pairs)
            else:
                writer.writerow(CHANGE_COLUMNS)
                writer.writerows((c.filename, c.old_id, c.old_format, c.old_basis, c.new_id,
                                  c.new_format, c.new_basis) for c in result.changes)
        finally:
            out.flush()
            out.detach()
        return
    from rich.table import Table

    from bsf.context import out_console

    changed = Table(title=f"{len(result.changes)} files changed, {result.unchanged} unchanged")
    for column in ("file", "old → new", "old basis", "new basis"):
        changed.add_column(column, overflow="fold")
    for c in result.changes:
        changed.add_row(c.filename, f"{c.old_id} → {c.new_id}", c.old_basis, c.new_basis)
    counted = Table(title="per old → new pair")
    for column in ("old", "new", "files"):
        counted.add_column(column, overflow="fold")
    for p in result.pairs:
        counted.add_row(f"{p.old_id} {p.old_format}".strip(),
                        f"{p.new_id} {p.new_format}".strip(), str(p.count))
    out_console.print(changed)
    out_console.print(counted)


class ScanHadErrors(BsfError):
    """Some real files could not be read: the output is complete, the exit status says so."""

    exit_code = 1
