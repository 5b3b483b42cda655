"""`bsf report [-v] [--format seed|csv|json]` and `bsf report summary [--html FILE]`.

Thin layer: rows come from ``upgrade.report.iter_report_rows`` (plus handles), writers from
``reports``. Every format streams, so a million-bitstream report keeps memory flat.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from bsf.context import err_console, out_console, state
from reports.writers import ReportFormat

if TYPE_CHECKING:
    from reports.rows import ReportRow

app = typer.Typer(
    help="""Write the conversion report: SUMMARY/BITSTREAM lines, CSV or JSON Lines.

    The rows are the upgradable bitstreams (--all-bitstreams: every non-deleted one), streamed,
    so memory stays flat on any archive. It works in every state: before phase 0, between the
    phases, and after phase 3, when the old formats come from the record phase 3 kept. The
    subcommand summary is the overview for people.

    Example:
        bsf --config bsf-demo/bsf.cfg report -v > report.out
        bsf --config bsf-demo/bsf.cfg report --format csv -o report.csv
        bsf --config bsf-demo/bsf.cfg report summary --html summary.html
    """,
    invoke_without_command=True)


def _rows(ctx: typer.Context, all_bitstreams: bool, handles: bool,
          total: int | None = None) -> Iterator[ReportRow]:
    """The report rows (with handles when asked), advancing a progress bar on stderr."""
    from archive.db import is_renovated
    from upgrade.report import iter_report_rows
    from upgrade.report_handles import with_handles

    st = state(ctx)
    engine = st.engine
    rows = iter_report_rows(engine, only_upgradable=not all_bitstreams)
    if handles:
        rows = with_handles(engine, rows, renovated=is_renovated(engine))
    progress = st.progress()
    progress.start("report", total)
    try:
        for row in rows:
            yield row
            progress.advance()
    finally:
        progress.finish()


@app.callback()
def report(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="seed format: one BITSTREAM line per bitstream after the "
        "SUMMARY lines (like Upgrade15To16 -r -v).")] = False,
    fmt: Annotated[ReportFormat, typer.Option(
        "--format", "-f", case_sensitive=False, metavar="FORMAT", help="seed (the "
        "instructions' lines, awk-safe), csv (RFC 4180 with header) or json (JSON Lines).")]
        = ReportFormat.SEED,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.",
        show_default=False)] = None,
    all_bitstreams: Annotated[bool, typer.Option(
        "--all-bitstreams", help="Every non-deleted bitstream, not only the upgradable ones "
        "(in-archive, withdrawn, in-progress submissions, logos).")] = False,
) -> None:
    """Write the conversion report (see the subcommand summary for the overview).

    Example:
        bsf --config bsf-demo/bsf.cfg report -v > report.out
    """
    if ctx.invoked_subcommand is not None:
        return
    from reports.stream import write_rows
    from reports.writers import make_writer

    engine = state(ctx).engine
    counts = None
    if fmt is ReportFormat.SEED:
        from upgrade.report import report_counts

        with engine.connect() as conn:
            counts = report_counts(conn)
    with ExitStack() as stack:
        stream: TextIO = sys.stdout
        if output is not None:
            stream = stack.enter_context(open(output, "w", encoding="utf-8", newline=""))
        writer = make_writer(fmt, stream, verbose=verbose, counts=counts)
        rows: Iterable[ReportRow] = ()
        if fmt is not ReportFormat.SEED or verbose:
            total = counts.total if counts is not None and not all_bitstreams else None
            rows = _rows(ctx, all_bitstreams, handles=fmt is not ReportFormat.SEED, total=total)
        written = write_rows(rows, writer)
    if output is not None and not state(ctx).quiet:
        what = (f"{written:,} bitstreams" if fmt is not ReportFormat.SEED or verbose
                else "the SUMMARY lines")
        err_console.print(f"wrote {output} ({what}, {fmt.value})", markup=False,
                          highlight=False)


@app.command()
def summary(
    ctx: typer.Context,
    html: Annotated[Path | None, typer.Option(
        "--html", metavar="FILE", help="Also write one self-contained HTML page (inline SVG "
        "charts) to FILE.", show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", metavar="N",
                                       help="Rows of the crosstab in the terminal.")] = 40,
    all_bitstreams: Annotated[bool, typer.Option(
        "--all-bitstreams", help="Every non-deleted bitstream, not only upgradable ones.")]
    = False,
    quiet_tables: Annotated[bool, typer.Option(
        "--no-tables", help="Do not print the terminal tables (with --html).")] = False,
) -> None:
    """Summarise the conversion for people: old format → new format, and what looks wrong.

    The crosstab of old 1.5 format → new format with counts and confidence mix (pairs whose
    names share nothing are marked as looking wrong), the top unidentified extensions and the
    warnings. --html also writes one self-contained page with a heat-map and confidence bars.
    After phase 3 the old formats come from the record phase 3 kept.

    Example:
        bsf --config bsf-demo/bsf.cfg report summary --html summary.html
        bsf --config bsf-demo/bsf.cfg report summary --limit 10
    """
    from reports.stream import write_rows
    from reports.summary import SummaryCollector
    from reports.summary_html import render_html
    from reports.summary_table import summary_renderables

    collector = SummaryCollector()
    write_rows(_rows(ctx, all_bitstreams, handles=False), collector)
    s = collector.summary
    if not quiet_tables:
        for table in summary_renderables(s, limit):
            out_console.print(table)
    if html is not None:
        html.write_text(render_html(s), encoding="utf-8")
        err_console.print(f"wrote {html} ({s.total:,} bitstreams, "
                          f"{len(s.suspect_pairs())} suspicious conversions)")
