"""The dashboard's figures, computed in the background and cached until the archive changes.

The conversion summary is ``reports.summary.SummaryCollector`` over
``upgrade.report.iter_report_rows`` — exactly what ``bsf report summary`` prints — and that
reads every bitstream (about 5 s for 100,000 on this machine). A page cannot wait for that, so
the summary (with ``upgrade.runner.status``, the phase status) is computed in a background
thread and kept. Each dashboard request only compares a cheap *fingerprint* of the archive
(highest history id, bitstream id and upgrade run id, finished phase 2 batches, bound external
identifiers: primary-key or tiny-table queries) with the one the figures were computed for;
when it moved, or a web job finished (:meth:`DashboardCache.invalidate`), a new computation
starts (at most one at a time, and not more often than ``min_interval`` unless invalidated)
while the page shows the previous figures marked as being updated.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func, inspect, select

from archive.history import FORMAT_HISTORY
from archive.schema import T16
from bsfcore.runtime import now
from reports.stream import write_rows
from reports.summary import ConversionSummary, SummaryCollector
from upgrade.report import iter_report_rows
from upgrade.runner import StepStatus, status
from upgrade.state import batches, runs

log = logging.getLogger("bsf.web.dashboard")
Fingerprint = tuple[int, ...]


@dataclass(frozen=True)
class DashboardData:
    summary: ConversionSummary
    steps: list[StepStatus]
    facts: dict[str, int | str]
    #: format name -> canonical key, for names only one cached format has (links by key)
    keys_by_name: dict[str, str]
    computed_at: datetime
    seconds: float
    fingerprint: Fingerprint = field(default=())


def fingerprint(engine: Engine) -> Fingerprint:
    """Numbers that move whenever the summary may have changed (all cheap to read)."""
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        values = [int(conn.execute(select(func.max(T16.bitstream.c.bitstream_id)))
                      .scalar() or 0)]
        if FORMAT_HISTORY.name in tables:
            values.append(int(conn.execute(select(func.max(FORMAT_HISTORY.c.history_id)))
                              .scalar() or 0))
        if runs.name in tables:
            values.append(int(conn.execute(select(func.max(runs.c.run_id))).scalar() or 0))
        if batches.name in tables:
            values.append(int(conn.execute(select(func.count()).select_from(batches)
                                           .where(batches.c.status == "done")).scalar() or 0))
        ext = T16.externalidentifier
        if ext is not None and ext.name in tables:
            values.append(int(conn.execute(select(func.count()).select_from(ext)).scalar()
                              or 0))
    return tuple(values)


def compute(engine: Engine) -> DashboardData:
    """The figures, from scratch (what the background thread runs)."""
    started = time.perf_counter()
    mark = fingerprint(engine)
    collector = SummaryCollector()
    write_rows(iter_report_rows(engine), collector)
    with engine.connect() as conn:
        steps, facts = status(conn)
        keys: dict[str, str] = {}
        ext = T16.externalidentifier
        reg = T16.bitstreamformatregistry
        if ext is not None and inspect(conn).has_table(ext.name):
            counts: dict[str, int] = {}
            for name, namespace, identifier in conn.execute(
                    select(reg.c.short_description, ext.c.namespace, ext.c.identifier)
                    .join(ext, ext.c.bitstream_format_id == reg.c.bitstream_format_id)
                    .where(ext.c.canonical.is_(True))):
                counts[name] = counts.get(name, 0) + 1
                keys[name] = f"{namespace}:{identifier}"
            keys = {n: k for n, k in keys.items() if counts[n] == 1}
    return DashboardData(collector.summary, steps, facts, keys, now(),
                         time.perf_counter() - started, mark)


class DashboardCache:
    """The last figures, and at most one background computation of the next."""

    def __init__(self, engine: Engine, *, min_interval: float = 30.0,
                 check_interval: float = 2.0) -> None:
        self.engine = engine
        self.min_interval = min_interval
        self.check_interval = check_interval
        self._data: DashboardData | None = None
        self._error: str | None = None
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._stale = True
        self._forced = True
        self._checked_at = 0.0
        self._computed_at = 0.0

    def invalidate(self) -> None:
        with self._lock:
            self._stale = True
            self._forced = True

    @property
    def refreshing(self) -> bool:
        worker = self._worker
        return worker is not None and worker.is_alive()

    def get(self) -> tuple[DashboardData | None, bool, str | None]:
        """(figures or None, a newer computation is running, last error)."""
        self._maybe_refresh()
        return self._data, self.refreshing, self._error

    def _maybe_refresh(self) -> None:
        clock = time.monotonic()
        with self._lock:
            if self.refreshing:
                return
            if not self._stale and clock - self._checked_at >= self.check_interval:
                self._checked_at = clock
                data = self._data
                try:
                    moved = data is None or fingerprint(self.engine) != data.fingerprint
                except Exception as exc:  # the database went away: say so on the page
                    self._error = f"cannot read the archive: {exc}"
                    return
                self._stale = moved
            if not self._stale:
                return
            if not self._forced and clock - self._computed_at < self.min_interval:
                return
            self._stale = self._forced = False
            self._computed_at = clock
            self._worker = threading.Thread(target=self._compute, name="bsf-web-dashboard",
                                            daemon=True)
            self._worker.start()

    def _compute(self) -> None:
        try:
            data = compute(self.engine)
        except Exception as exc:
            log.exception("dashboard summary failed")
            with self._lock:
                self._error = f"cannot compute the summary: {type(exc).__name__}: {exc}"
            return
        with self._lock:
            self._data, self._error = data, None

    def wait(self, timeout: float = 120.0) -> DashboardData | None:
        """Start a computation if needed and wait for it (tests, benchmarks)."""
        self._maybe_refresh()
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return self._data
