"""Running steps: order checks, the archive lock, and the run history.

:func:`run_step` is what the CLI and the ``Upgrade15To16`` script call. It takes the lock the
step needs (exclusive for everything that changes the schema or formats; shared for the report
and for phase 2, whose coordinator also holds the phase 2 lock so a second coordinator is
refused), checks the steps it requires are done (from the data), runs it, and records the run in
``bsf_upgrade_run`` (real runs only).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection

from archive.db import is_renovated
from archive.lock import archive_lock
from bsfcore.errors import StepError
from upgrade.cleanup_check import CleanupCheck
from upgrade.phase0 import Phase0
from upgrade.phase1 import Phase1
from upgrade.phase2 import Phase2
from upgrade.phase3 import Phase3
from upgrade.provisional import Provisional
from upgrade.report import Report
from upgrade.scope import count_unconverted, count_upgradable, has_preserved_data
from upgrade.state import finish_run, last_runs, start_run
from upgrade.step import Step, StepContext, Summary
from upgrade.undo import Undo

#: The steps in the instructions' order.
STEPS: dict[str, Step] = {s.key: s for s in (
    CleanupCheck(), Phase0(), Provisional(), Phase1(), Phase2(), Report(), Phase3(), Undo())}


def get_step(key: str) -> Step:
    try:
        return STEPS[key]
    except KeyError:
        raise StepError(f"unknown upgrade step {key!r}; steps: {', '.join(STEPS)}") from None


@contextmanager
def _lock_for(step: Step, ctx: StepContext) -> Iterator[None]:
    # a run that only reads (the report, a dry run) creates no lock file
    read_only = ctx.dry_run or step.key == "report"
    if step.key == "phase2":
        with archive_lock(ctx.engine, step.key, mode="shared", phase2=not ctx.worker_only,
                          read_only=read_only):
            yield
    elif step.key == "report":
        with archive_lock(ctx.engine, step.key, mode="shared", read_only=True):
            yield
    else:
        with archive_lock(ctx.engine, step.key, read_only=read_only):
            yield


def run_step(step: Step | str, ctx: StepContext) -> Summary:
    """Run one step under the archive lock; raises StepError when it may not run now."""
    if isinstance(step, str):
        step = get_step(step)
    with _lock_for(step, ctx):
        with ctx.engine.connect() as conn:
            for required in step.requires:
                if not STEPS[required].is_done(conn):
                    raise StepError(f"{step.key} needs {required} first "
                                    f"({STEPS[required].title}).", step=step.key)
            step.check(conn)
        record = not ctx.dry_run and step.key != "report"
        run_id = start_run(ctx.engine, step.key, ctx.dry_run) if record else None
        try:
            summary = step.run(ctx)
        except BaseException as exc:
            if run_id is not None:
                finish_run(ctx.engine, run_id, "failed", {"error": str(exc)})
            raise
        if run_id is not None:
            finish_run(ctx.engine, run_id, "ok", summary.as_dict())
        if ctx.dry_run and ctx.would_write:
            ctx.log("dry run, nothing written; would have written: " + ", ".join(
                f"{label} x{n}" for label, n in sorted(ctx.would_write.items())))
        return summary


@dataclass(frozen=True)
class StepStatus:
    key: str
    title: str
    done: bool
    last_outcome: str | None
    last_finished: str | None


def status(conn: Connection) -> tuple[list[StepStatus], dict[str, int | str]]:
    """Each step's derived state and last recorded run, plus the archive's headline numbers."""
    runs = last_runs(conn)
    steps = []
    for key, step in STEPS.items():
        try:
            done = step.is_done(conn)
        except Exception:  # a step's check may need tables that do not exist yet
            done = False
        run = runs.get(key, {})
        finished = run.get("finished_at")
        steps.append(StepStatus(key, step.title, done, run.get("outcome"),  # type: ignore[arg-type]
                                f"{finished:%Y-%m-%d %H:%M:%S}" if finished else None))
    facts: dict[str, int | str] = {}
    renovated = is_renovated(conn)
    facts["schema"] = ("1.5" if not renovated else
                       "renovated, 1.5 data preserved (phases 1-2)" if has_preserved_data(conn)
                       else "renovated (conversion finished)")
    facts["upgradable bitstreams"] = count_upgradable(conn)
    if renovated:
        facts["not yet converted"] = count_unconverted(conn)
    return steps, facts
