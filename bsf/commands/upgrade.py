"""`bsf upgrade <step>`: the Upgrade15To16 conversion, one subcommand per step.

Thin layer over :func:`upgrade.runner.run_step`. Summaries and report lines go to stdout,
progress and per-bitstream logs to stderr. The steps, in order: cleanup, phase0, provisional,
phase1, phase2, report, phase3 (and undo, status).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bsf.context import err_console, state

app = typer.Typer(
    help="""Upgrade15To16: convert a DSpace 1.5 archive to the renovated format model.

    One subcommand per step of the conversion instructions, in order: cleanup, phase0,
    provisional, phase1, phase2, report, phase3; undo goes back to just before phase 1, status
    says where the conversion stands. Back up the database before phase 0.

    Example:
        bsf --config /dspace/config/bsf.cfg upgrade status
        bsf --config /dspace/config/bsf.cfg upgrade phase2 -n -v
    """,
    no_args_is_help=True)

DryRun = Annotated[bool, typer.Option("--dry-run", "-n", help="Only count and show what "
                                      "would be written; change nothing.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="One line per bitstream.")]


def _log(message: str) -> None:
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)


def make_context(ctx: typer.Context, **options: Any) -> Any:
    """A StepContext from the global options (settings, engine, progress bar)."""
    from upgrade.step import StepContext

    st = state(ctx)
    args = {"config": st.config, "db": st.db, "assetstore": st.assetstore}
    return StepContext(st.engine, settings=st.settings, out=sys.stdout, log=_log,
                       progress=st.progress(), cli_args=args, **options)


def execute(step: Any, step_ctx: Any) -> Any:
    from upgrade.runner import run_step

    return run_step(step, step_ctx)


@app.command(
    "cleanup",
    short_help="cleanup -c: find (and mark deleted) bitstreams with missing/unreadable assets.")
def cleanup_cmd(ctx: typer.Context, dry_run: DryRun = False) -> None:
    """cleanup -c: find bitstreams whose asset file is missing or unreadable.

    Each one is logged and marked deleted (with -n only reported). The cost is one stat and one
    open per upgradable bitstream, never a read.

    Example:
        bsf upgrade cleanup -n
    """
    execute("cleanup", make_context(ctx, dry_run=dry_run))


@app.command(
    "phase0",
    short_help="-0: convert the schema to the renovated model (no undo but a backup).")
def phase0_cmd(ctx: typer.Context, dry_run: DryRun = False) -> None:
    """-0: convert the database schema to the renovated model.

    One transaction: the bitstream table gains its format columns, the 1.5 format data is kept
    aside for the later phases, and the format registry becomes a cache of external registries.
    Once done there is NO UNDO except your backup. It refuses to run twice.

    Example:
        bsf upgrade phase0 -n
        bsf upgrade phase0
    """
    execute("phase0", make_context(ctx, dry_run=dry_run))


@app.command(
    "provisional",
    short_help="-p FILE: write a Provisional registry guess from the old formats in use.")
def provisional_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(
        metavar="FILE", help="Where to write the Provisional registry document (then edit it "
        "and configure it).")],
    keep_known: Annotated[bool, typer.Option(
        "--keep-known", help="Keep formats PRONOM already knows (marked) instead of leaving "
        "them out.")] = False,
    dry_run: DryRun = False,
) -> None:
    """-p FILE: write a Provisional registry guess from the old local formats in use.

    One entry per 1.5 format in use that is not one of DSpace 1.5's originals, valid against
    formats.xsd. With PRONOM configured, formats PRONOM already knows are left out (named on
    stderr) unless --keep-known. Edit the file, then name it in
    formatRegistry.Provisional.document before phase 1.

    Example:
        bsf upgrade provisional provisional-formats.new.xml
    """
    from upgrade.provisional import Provisional

    execute(Provisional(file, keep_known), make_context(ctx, dry_run=dry_run))


@app.command(
    "phase1",
    short_help="-1: convert bitstreams whose old format has a DSpace/Provisional analogue.")
def phase1_cmd(ctx: typer.Context, dry_run: DryRun = False) -> None:
    """-1: convert bitstreams whose old format has a DSpace or Provisional analogue.

    Old formats are matched by name in the DSpace registry (if configured), then the
    Provisional one; matching bitstreams get confidence EXTENSION. It may be rerun after
    editing the Provisional registry, until phase 2 has run.

    Example:
        bsf upgrade phase1 -n
        bsf upgrade phase1
    """
    execute("phase1", make_context(ctx, dry_run=dry_run))


@app.command(
    "phase2",
    short_help="-2: identify every bitstream not yet converted (resumable, parallel).")
def phase2_cmd(
    ctx: typer.Context,
    dry_run: DryRun = False,
    verbose: Verbose = False,
    workers: Annotated[int, typer.Option(
        "--workers", "-w", min=1, metavar="N", help="Processes: on PostgreSQL each claims and "
        "writes batches; on SQLite they identify and this process writes.")] = 1,
    worker: Annotated[bool, typer.Option(
        "--worker", help="Join a running phase 2 (PostgreSQL; any machine sharing the "
        "database and asset store): claim batches until none is left.")] = False,
    batch_size: Annotated[int, typer.Option(
        "--batch-size", min=1, metavar="N",
        help="Bitstreams per batch (one transaction each).")] = 500,
) -> None:
    """-2: identify every bitstream not yet converted, with the configured identifier stack.

    Resumable: after a crash or kill, run it again and it continues with the next batch. A
    missing asset stops it with the bitstream id. On PostgreSQL --workers N and --worker
    processes on other machines share the batches.

    Example:
        bsf upgrade phase2 -n -v
        bsf upgrade phase2 --workers 4
    """
    execute("phase2", make_context(ctx, dry_run=dry_run, verbose=verbose, workers=workers,
                                   worker_only=worker, batch_size=batch_size))


@app.command(
    "report",
    short_help="-r [-v]: SUMMARY lines, and with -v one BITSTREAM line per bitstream.")
def report_cmd(ctx: typer.Context, verbose: Verbose = False) -> None:
    """-r [-v]: the SUMMARY lines; with -v one BITSTREAM line per bitstream.

    Fields holding commas, quotes, % or line breaks are percent-encoded, so the instructions'
    awk -F, columns hold. Available until phase 3; afterwards bsf report -v prints the same
    lines.

    Example:
        bsf upgrade report -v > report.out
    """
    execute("report", make_context(ctx, verbose=verbose))


@app.command(
    "phase3",
    short_help="-3: finish; drops the 1.5 format data once everything is converted.")
def phase3_cmd(ctx: typer.Context, dry_run: DryRun = False) -> None:
    """-3: finish the conversion: drop the 1.5 format data once every bitstream is converted.

    Before the 1.5 tables go, each bitstream's old format and the conversion's answer are
    kept in bsf_original_format, so bsf report and the workbench show old and new formats
    afterwards. There is no way back.

    Example:
        bsf upgrade phase3 -n
        bsf upgrade phase3
    """
    execute("phase3", make_context(ctx, dry_run=dry_run))


@app.command(
    "undo",
    short_help="Back to just before phase 1 (all bitstream formats undefined again).")
def undo_cmd(ctx: typer.Context, dry_run: DryRun = False) -> None:
    """Go back to just before phase 1: every bitstream's format undefined again.

    What the instructions' UPDATE Bitstream SET bitstream_format_id = NULL does, plus clearing
    confidence, source, basis and warning and phase 2's plan, in one transaction. Not available
    after phase 3.

    Example:
        bsf upgrade undo -n
    """
    execute("undo", make_context(ctx, dry_run=dry_run))


@app.command(
    "status",
    short_help="Where the conversion stands: each step's state and last run.")
def status_cmd(ctx: typer.Context) -> None:
    """Say where the conversion stands: each step's state and its last run.

    The schema state, the number of upgradable and unconverted bitstreams, then one line per
    step: done or not (derived from the data, never from bsf's run records) and its last run.

    Example:
        bsf --config bsf-demo/bsf.cfg upgrade status
    """
    from upgrade.runner import status

    with state(ctx).engine.connect() as conn:
        steps, facts = status(conn)
    for key, value in facts.items():
        typer.echo(f"{key}: {value}")
    for s in steps:
        last = f"last run {s.last_outcome} {s.last_finished or ''}".strip() if s.last_outcome \
            else "never run"
        typer.echo(f"{s.key:12} {'done' if s.done else '-':5} {last:36} {s.title}")
