"""`bsf doctor`: one green or red line per check, with the fix for each red one.

Thin layer over :func:`archive.doctor.run_checks`; ``--json`` prints the same as one object.
The exit code is 1 when any check is red, so scripts can run it before a step.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from bsf.context import out_console, state


def register(app: typer.Typer) -> None:
    """Add `doctor` to the top-level app."""
    app.command("doctor")(doctor)


def doctor(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead.")]
        = False,
    reports: Annotated[Path, typer.Option(
        "--reports", metavar="DIR", help="Where the reports will be written (checked for "
        "free space).")] = Path("."),
) -> None:
    """Check what an operator needs before starting, one line per check.

    The configuration loads; the database is reachable, with its schema and how far the
    conversion is; the asset stores are readable; the DROID signature files load (with their
    versions); libmagic is there when the identifiers need it; the archive lock is free; there
    is disk space for the reports. Each failing check says how to fix it, and the exit code is
    1 when any check fails.

    Example:
        bsf --config bsf-demo/bsf.cfg doctor
        bsf --config /dspace/config/bsf.cfg doctor --json --reports /var/reports
    """
    from archive.doctor import run_checks
    from bsfcore.settings import load_settings

    st = state(ctx)
    report = run_checks(lambda: load_settings(st.config, db=st.db, assetstore=st.assetstore),
                        report_dir=reports)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for check in report.checks:
            mark = Text("ok  ", style="green") if check.ok else Text("FAIL", style="bold red")
            detail = Text(check.detail)
            if check.fix:
                detail.append(f"\nfix: {check.fix}", style="yellow")
            grid.add_row(mark, check.name, detail)
        out_console.print(grid)
        failed = sum(not check.ok for check in report.checks)
        out_console.print(Text(f"{failed} of {len(report.checks)} checks failed", style="red")
                          if failed else Text(f"all {len(report.checks)} checks passed",
                                              style="green"))
    if not report.ok:
        raise typer.Exit(1)
