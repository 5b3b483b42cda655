"""`bsf workbench ...`: the BitstreamFormat Workbench (thin layer over workbench.actions*)."""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from bsf.commands.workbench_output import print_changes, print_history, print_view, view_dict
from bsf.context import err_console, out_console, state
from bsfcore.errors import BsfError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from archive.assetstore import AssetStore
    from formats.stack import IdentifierStack
    from registries.model import RegistrySet
    from workbench.actions import Change
    from workbench.selection import Selection

app = typer.Typer(
    help="""BitstreamFormat Workbench: examine, re-identify or set bitstream formats.

    Every change is recorded in the format history (bsf_format_history). The workbench works on
    the renovated model, before and after phase 3, so a wrong conversion can be put right long
    after the upgrade finished.

    Example:
        bsf --config bsf-demo/bsf.cfg workbench show 12
        bsf --config bsf-demo/bsf.cfg workbench reidentify --ext htm -n
    """,
    no_args_is_help=True)

# Selection options shared by reidentify and set ----------------------------------------------
IdOpt = Annotated[list[int] | None, typer.Option(
    "--id", metavar="ID", help="A bitstream id (repeatable).", show_default=False)]
IdsFromOpt = Annotated[Path | None, typer.Option(
    "--ids-from", metavar="FILE", help="File of bitstream ids, one per line (e.g. the "
    "instructions' awk "
    "output); '-' reads standard input.", show_default=False)]
OldFormatOpt = Annotated[str | None, typer.Option(
    "--old-format", metavar="NAME",
    help="Old 1.5 format name (or id), until phase 3 removes the 1.5 data.")]
ConfidenceOpt = Annotated[str | None, typer.Option(
    "--confidence", metavar="NAME",
    help="Confidence NAME exactly, or <=NAME (at most) / >=NAME (at least).")]
ConfMaxOpt = Annotated[str | None, typer.Option(
    "--confidence-max", metavar="NAME", help="At most this confidence (UNIDENTIFIED..MANUAL).")]
ConfMinOpt = Annotated[str | None, typer.Option(
    "--confidence-min", metavar="NAME", help="At least this confidence.")]
SourceOpt = Annotated[str | None, typer.Option(
    "--source", metavar="TEXT", help="Format source contains this text (e.g. DROIDIdentifier).")]
CollectionOpt = Annotated[str | None, typer.Option(
    "--collection", metavar="HANDLE",
    help="Handle of a collection (or community, recursively, or item).")]
ExtOpt = Annotated[str | None, typer.Option("--ext", metavar="EXT",
                                            help="Name extension, e.g. htm.")]
GlobOpt = Annotated[str | None, typer.Option(
    "--name-glob", metavar="PATTERN",
    help="Shell pattern on the bitstream name, e.g. 'report-*.pdf'.")]
AllOpt = Annotated[bool, typer.Option("--all", help="Every bitstream (no other filter needed).")]
DryRunOpt = Annotated[bool, typer.Option(
    "--dry-run", "-n", help="Preview the changes (table and --csv); write nothing.")]
CsvOpt = Annotated[str | None, typer.Option(
    "--csv", metavar="FILE", help="Also write every change as CSV to FILE ('-' = stdout).",
    show_default=False)]
ShowOpt = Annotated[int, typer.Option("--show", metavar="N",
                                      help="Rows of the change table to print.")]
UserOpt = Annotated[str | None, typer.Option(
    "--user", metavar="NAME", help="Who makes the change (default: $USER).",
    show_default=False)]
BatchOpt = Annotated[int, typer.Option("--batch-size", metavar="N",
                                       help="Bitstreams per transaction.")]


def _user(value: str | None) -> str:
    if value:
        return value
    env = os.environ.get("USER") or os.environ.get("LOGNAME")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in a container
        return "unknown"


def _selection(ids: list[int] | None, ids_from: Path | None, all_: bool, old_format: str | None,
               format_: str | None, confidence: str | None, conf_max: str | None,
               conf_min: str | None, source: str | None, collection: str | None,
               ext: str | None, name_glob: str | None,
               extra_ids: Iterable[int] = ()) -> Selection:
    from workbench.selection import Selection, parse_confidence, read_ids_file

    id_list: list[int] | None = None
    if ids or ids_from is not None or extra_ids:
        id_list = [*(ids or []), *extra_ids]
        if ids_from is not None:
            id_list += read_ids_file(ids_from)
    lo = hi = None
    if confidence:
        lo, hi = parse_confidence(confidence)
    if conf_min:
        lo = max(x for x in (lo, parse_confidence(conf_min)[0]) if x is not None)
    if conf_max:
        hi = min(x for x in (hi, parse_confidence(conf_max)[1]) if x is not None)
    return Selection(ids=tuple(id_list) if id_list is not None else None, all=all_,
                     old_format=old_format, format=format_, confidence_min=lo,
                     confidence_max=hi, source=source, collection=collection, ext=ext,
                     name_glob=name_glob)


def _warn_missing(engine: Engine, selection: Selection) -> None:
    """Say which of the ids asked for are no (non-deleted) bitstream, before the work starts."""
    if not selection.ids:
        return
    from workbench.selection import missing_ids

    with engine.connect() as conn:
        missing = missing_ids(conn, sorted(set(selection.ids)))
    if missing:
        shown = ", ".join(str(i) for i in missing[:20])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        err_console.print(f"warning: {len(missing)} id(s) are no bitstream or deleted: "
                          f"{shown}{more}", soft_wrap=True)


def _stack(ctx: typer.Context) -> tuple[IdentifierStack, RegistrySet]:
    from formats.stack import stack_from_settings

    return stack_from_settings(state(ctx).settings)


def _assets(ctx: typer.Context) -> AssetStore:
    from archive.assetstore import AssetStore

    return AssetStore.from_settings(state(ctx).settings)


def _present(changes: Iterator[Change], *, dry_run: bool, csv_target: str | None,
             show: int, what: str) -> None:
    """Stream changes through the CSV (if asked), print the table and the tally."""
    from workbench.output import ChangeTally, write_changes_csv

    tally = ChangeTally()
    stream = tally.watch(changes)
    with ExitStack() as stack:
        table_console = out_console
        if csv_target is not None:
            handle: TextIO
            if csv_target == "-":
                handle = sys.stdout
                table_console = err_console
            else:
                handle = stack.enter_context(open(csv_target, "w", encoding="utf-8",
                                                  newline=""))
            stream = write_changes_csv(handle, stream)
        shown: list[Change] = []
        hidden = 0
        for change in stream:
            if change.status == "unchanged":
                continue
            if len(shown) < show:
                shown.append(change)
            else:
                hidden += 1
    if shown:
        title = f"{what}: {'preview (dry run)' if dry_run else 'changes written'}"
        print_changes(table_console, shown, title)
        if hidden:
            table_console.print(f"… and {hidden} more (use --csv FILE for all of them)")
    err_console.print(tally.sentence(dry_run), soft_wrap=True)
    if tally.counts["error"]:
        raise typer.Exit(1)


@app.command()
def reidentify(
    ctx: typer.Context,
    ids: IdOpt = None, ids_from: IdsFromOpt = None, all_: AllOpt = False,
    old_format: OldFormatOpt = None,
    format_: Annotated[str | None, typer.Option(
        "--format", metavar="KEY", help="Current format: key (PRONOM:fmt/96), name, or "
        "'none'.")] = None,
    confidence: ConfidenceOpt = None, confidence_max: ConfMaxOpt = None,
    confidence_min: ConfMinOpt = None, source: SourceOpt = None,
    collection: CollectionOpt = None, ext: ExtOpt = None, name_glob: GlobOpt = None,
    dry_run: DryRunOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Also overwrite formats set by hand "
                                                        "(confidence MANUAL).")] = False,
    csv: CsvOpt = None, show: ShowOpt = 50, user: UserOpt = None, batch_size: BatchOpt = 500,
    workers: Annotated[int, typer.Option(
        "--workers", "-w", metavar="N", help="Processes identifying each batch (one writer).")]
        = 1,
) -> None:
    """Re-run the identifier stack on selected bitstreams and record every change.

    Select bitstreams with the filters (all combined with AND; --all for every one), preview
    with -n (the same work, rolled back), then run it for real: each batch is written in one
    transaction with its history rows. Formats a person set (confidence MANUAL) are kept unless
    --force. The last line on stderr counts what changed; the exit code is 1 when any bitstream
    had an error.

    Example:
        bsf --config bsf-demo/bsf.cfg workbench reidentify --ext htm -n --csv -
        bsf workbench reidentify --confidence "<=EXTENSION" --source Phase
        bsf workbench reidentify --ids-from ids.txt --workers 2
    """
    from workbench.actions import reidentify as run
    from workbench.actions import require_renovated

    st = state(ctx)
    require_renovated(st.engine)
    selection = _selection(ids, ids_from, all_, old_format, format_, confidence, confidence_max,
                           confidence_min, source, collection, ext, name_glob)
    _warn_missing(st.engine, selection)
    stack, registries = _stack(ctx)
    changes = run(st.engine, selection, stack=stack, assets=_assets(ctx),
                  registries=registries, user=_user(user), dry_run=dry_run, force=force,
                  batch_size=batch_size, workers=workers, progress=st.progress())
    _present(changes, dry_run=dry_run, csv_target=csv, show=show, what="reidentify")


@app.command("set")
def set_(
    ctx: typer.Context,
    bitstreams: Annotated[list[int] | None, typer.Argument(
        metavar="ID", help="Bitstream ids (or select with the filters).", show_default=False)]
        = None,
    format_key: Annotated[str, typer.Option(
        "--format", metavar="KEY", help="The format to set, by key (e.g. PRONOM:fmt/96).")] = "",
    ids: IdOpt = None, ids_from: IdsFromOpt = None, all_: AllOpt = False,
    old_format: OldFormatOpt = None,
    current_format: Annotated[str | None, typer.Option(
        "--current-format", metavar="KEY", help="Filter: current format key, name or 'none'.")]
        = None,
    confidence: ConfidenceOpt = None, confidence_max: ConfMaxOpt = None,
    confidence_min: ConfMinOpt = None, source: SourceOpt = None,
    collection: CollectionOpt = None, ext: ExtOpt = None, name_glob: GlobOpt = None,
    dry_run: DryRunOpt = False, csv: CsvOpt = None, show: ShowOpt = 50,
    user: UserOpt = None,
    note: Annotated[str | None, typer.Option(
        "--note", metavar="TEXT", help="Why (kept as the basis and in the history).")] = None,
    batch_size: BatchOpt = 500,
) -> None:
    """Set a format by hand: confidence MANUAL, recorded in the history.

    The format may be any key the archive's format cache or the configured registries know (a
    synonym works too). The source becomes workbench:USER and the basis the --note (or "set by
    hand to KEY"). A later reidentify keeps this decision unless --force. -n previews.

    Example:
        bsf workbench set 12 --format PRONOM:fmt/412 --note "checked by ann" -n
        bsf workbench set --ext dat --format PRONOM:x-fmt/111
    """
    from registries.loader import load_configured_registries
    from registries.model import FormatKey
    from workbench.actions import require_renovated, set_format

    if not format_key:
        raise BsfError("set needs --format KEY, e.g. --format PRONOM:fmt/96")
    st = state(ctx)
    require_renovated(st.engine)
    selection = _selection(ids, ids_from, all_, old_format, current_format, confidence,
                           confidence_max, confidence_min, source, collection, ext, name_glob,
                           extra_ids=bitstreams or ())
    _warn_missing(st.engine, selection)
    _, registries = load_configured_registries(st.settings)
    changes = set_format(st.engine, selection, FormatKey.parse(format_key),
                         registries=registries, user=_user(user), dry_run=dry_run, note=note,
                         batch_size=batch_size, progress=st.progress())
    _present(changes, dry_run=dry_run, csv_target=csv, show=show, what="set")


@app.command()
def show(
    ctx: typer.Context,
    bitstream_id: Annotated[int, typer.Argument(metavar="ID", help="Bitstream id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
    = False,
    explain: Annotated[bool, typer.Option(
        "--explain/--no-explain", help="Ask each identifier of the stack about the file now.")]
    = True,
) -> None:
    """Show one bitstream's format and what each identifier says about it now.

    Name, size, checksum and owner; the current format with its identifiers, confidence,
    source, basis and warning; the old 1.5 format and the conversion's answer (kept after phase
    3); the number of recorded changes; then, unless --no-explain, each identifier's answer for
    the file now and the stack's decision. --json prints the same as one object.

    Example:
        bsf --config bsf-demo/bsf.cfg workbench show 12
        bsf --config bsf-demo/bsf.cfg workbench show 12 --json --no-explain
    """
    from workbench.actions import require_renovated
    from workbench.show import show_bitstream

    st = state(ctx)
    require_renovated(st.engine)
    stack = assets = None
    if explain:
        stack, _ = _stack(ctx)
        assets = _assets(ctx)
    view = show_bitstream(st.engine, bitstream_id, stack=stack, assets=assets)
    if as_json:
        out_console.print_json(json.dumps(view_dict(view), default=str))
        return
    print_view(out_console, view)
    if view.explain_error:
        err_console.print(f"cannot identify now: {view.explain_error}")


@app.command()
def history(
    ctx: typer.Context,
    bitstream_id: Annotated[int, typer.Argument(metavar="ID", help="Bitstream id.")],
    csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout instead of a table.")]
    = False,
) -> None:
    """List every recorded format change of a bitstream, oldest first.

    Each change shows when, who, the action (reidentify, set, restore), the old and the new
    format with key and confidence, and the note. --csv writes the full rows (sources, basis,
    warning too) for machines.

    Example:
        bsf --config bsf-demo/bsf.cfg workbench history 87
        bsf --config bsf-demo/bsf.cfg workbench history 87 --csv
    """
    from archive.history import history_of
    from workbench.actions import require_renovated
    from workbench.output import HISTORY_COLUMNS, history_cells

    st = state(ctx)
    require_renovated(st.engine)
    with st.engine.connect() as conn:
        entries = history_of(conn, bitstream_id)
    if csv:
        from reports.csv_writer import csv_line

        sys.stdout.write(csv_line(HISTORY_COLUMNS))
        for entry in entries:
            sys.stdout.write(csv_line(history_cells(entry)))
        return
    if not entries:
        err_console.print(f"no recorded format changes for bitstream {bitstream_id}")
        return
    print_history(out_console, entries, f"Format history of bitstream {bitstream_id}")
