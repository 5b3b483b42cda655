"""Runs the queued jobs of :mod:`web.jobs` in one background thread, through the workbench.

One job at a time (the workbench's writing runs hold the archive lock anyway). A preview is
``workbench.actions.reidentify/set_format`` with ``dry_run``; an apply is the same call writing,
with the job's counts recorded inside each batch's transaction (``on_batch``). Stopping the
server sets :attr:`JobRunner.stopping`: the run leaves its generator between two batches (the
finished ones are committed), the job goes back to ``queued`` and the next server resumes it
after its ``resume_after``. A server killed outright leaves the job ``running``; its heartbeat
goes stale and the next runner takes it over the same way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

from sqlalchemy import Connection

from bsfcore.errors import BsfError
from registries.model import FormatKey
from web.context import WebContext
from web.jobs import (
    DONE,
    FAILED,
    QUEUED,
    Job,
    claim_next,
    ensure_job_tables,
    finish_job,
    heartbeat,
    record_progress,
    set_total,
)
from workbench.actions import Change, reidentify, set_format

log = logging.getLogger("bsf.web.jobs")


class _Stopped(Exception):
    """The server is stopping; the job resumes later."""


class _JobProgress:
    """The workbench's progress callback: the total once, a heartbeat or a flush per batch."""

    def __init__(self, runner: JobRunner, job: Job, flush: Callable[[], None] | None) -> None:
        self.runner, self.job, self.flush = runner, job, flush

    def start(self, label: str, total: int | None = None) -> None:
        if total is not None:
            set_total(self.runner.context.engine, self.job.job_id, total)

    def advance(self, units: int = 1) -> None:
        if self.flush is not None:
            self.flush()
        else:
            heartbeat(self.runner.context.engine, self.job.job_id)

    def finish(self) -> None:
        pass


class JobRunner:
    """The background thread that takes queued jobs one by one."""

    def __init__(self, context: WebContext, *, poll_seconds: float = 1.0,
                 stale_after: timedelta = timedelta(seconds=60), batch_size: int = 500,
                 on_finished: Callable[[], None] | None = None) -> None:
        self.context = context
        self.poll_seconds = poll_seconds
        self.stale_after = stale_after
        self.batch_size = batch_size
        self.on_finished = on_finished
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        ensure_job_tables(self.context.engine)
        self._thread = threading.Thread(target=self._loop, name="bsf-web-jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A job was queued: look now instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self.stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                ran = self.run_one()
            except Exception:  # the loop must survive a database hiccup
                log.exception("job runner: unexpected error")
                ran = False
            if not ran:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def run_one(self) -> bool:
        """Claim and run one job; False when none was waiting."""
        job = claim_next(self.context.engine, stale_after=self.stale_after)
        if job is None:
            return False
        log.info("job %s: %s %s by %s%s", job.job_id, job.kind, job.mode, job.created_by,
                 f" (resuming after bitstream {job.resume_after})" if job.resumed else "")
        try:
            self._run(job)
        except _Stopped:
            finish_job(self.context.engine, job.job_id, QUEUED,
                       f"interrupted by a server stop after bitstream {job.resume_after}; "
                       "resumes when the server starts again")
            return True
        except BsfError as exc:
            finish_job(self.context.engine, job.job_id, FAILED, str(exc))
        except Exception as exc:
            log.exception("job %s failed", job.job_id)
            finish_job(self.context.engine, job.job_id, FAILED,
                       f"internal error: {type(exc).__name__}: {exc}")
        else:
            finish_job(self.context.engine, job.job_id, DONE)
        if self.on_finished is not None:
            self.on_finished()
        return True

    def _changes(self, job: Job, on_batch: Callable[[Connection, list[Change]], None] | None,
                 progress: _JobProgress) -> Iterator[Change]:
        options = job.options
        selection = job.the_selection
        dry_run = job.mode == "preview"
        tools = self.context.tools()
        if job.kind == "reidentify":
            return reidentify(self.context.engine, selection, stack=tools.stack,
                              assets=self.context.assets(), registries=tools.registries,
                              force=bool(options.get("force")), user=job.created_by,
                              dry_run=dry_run, batch_size=self.batch_size, progress=progress,
                              start_after=job.resume_after, on_batch=on_batch)
        return set_format(self.context.engine, selection, FormatKey.parse(str(options["key"])),
                          registries=tools.registries, note=options.get("note") or None,
                          user=job.created_by, dry_run=dry_run, batch_size=self.batch_size,
                          progress=progress, start_after=job.resume_after, on_batch=on_batch)

    def _run(self, job: Job) -> None:
        stored = job.stored
        pending: list[Change] = []

        def on_batch(conn: Connection, changes: list[Change]) -> None:
            nonlocal stored
            stored = record_progress(conn, job.job_id, changes, stored)

        def flush() -> None:  # previews write nothing to the archive: record after each batch
            nonlocal stored
            with self.context.engine.begin() as conn:
                stored = record_progress(conn, job.job_id, pending, stored)
            pending.clear()

        preview = job.mode == "preview"
        progress = _JobProgress(self, job, flush if preview else None)
        changes = self._changes(job, None if preview else on_batch, progress)
        try:
            for change in changes:
                if preview:
                    pending.append(change)
                if self.stopping.is_set():
                    raise _Stopped
        finally:
            close = getattr(changes, "close", None)
            if close is not None:
                close()
