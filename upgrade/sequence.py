"""The instructions' whole sequence in one call, for ``bsf demo`` and smoke tests.

cleanup -c, phase 0, -p FILE, phase 1, phase 2, -r -v into a file, phase 3 — each through
:func:`upgrade.runner.run_step`, so locks, order checks and run records apply as usual. The
Provisional file written by -p is used as is for phase 1 only when the configuration does not
name another Provisional document (a real operator edits it first).
"""

from __future__ import annotations

from pathlib import Path

from upgrade.provisional import Provisional
from upgrade.runner import run_step
from upgrade.step import StepContext, Summary


def run_sequence(ctx: StepContext, workdir: str | Path, *, finish: bool = True) -> list[Summary]:
    """Run every step; ``workdir`` receives ``provisional-formats.new.xml`` and ``report.out``.

    With ``finish=False`` it stops before phase 3 (the report stays available).
    """
    folder = Path(workdir)
    folder.mkdir(parents=True, exist_ok=True)
    summaries = [run_step("cleanup", ctx), run_step("phase0", ctx),
                 run_step(Provisional(folder / "provisional-formats.new.xml"), ctx),
                 run_step("phase1", ctx), run_step("phase2", ctx)]
    report = folder / "report.out"
    with report.open("w", encoding="utf-8") as handle:
        verbose, out = ctx.verbose, ctx.out
        ctx.verbose, ctx.out = True, handle
        try:
            summaries.append(run_step("report", ctx))
        finally:
            ctx.verbose, ctx.out = verbose, out
    ctx.log(f"detailed report (-r -v) written to {report}")
    if finish:
        summaries.append(run_step("phase3", ctx))
    return summaries
