"""The web's job records: a re-identify or set run, its progress, and the changes it reported.

A long run (re-identify every matching bitstream) must survive a page reload and a server stop
without losing work. The work itself is already safe: the workbench writes each batch with its
history in one transaction. What the job table adds is the *memory* of the run: what was asked
(kind, preview or apply, the selection, options), how far it got (``resume_after``: the last
bitstream id of a finished batch), the counts, and the first changes for people to read. An
apply job's record is updated inside each batch's own transaction (``on_batch``), so record and
archive never disagree; a server that stops leaves the job ``queued`` (clean stop) or
``running`` with an old heartbeat (killed), and the next server resumes it after
``resume_after``.

Tables ``bsf_web_job`` and ``bsf_web_job_change`` live on their own MetaData and are created
with :func:`archive.sidetables.ensure_tables`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    Sequence,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    insert,
    or_,
    select,
    update,
)

from archive.sidetables import ensure_tables
from bsfcore.errors import BsfError
from bsfcore.runtime import now
from formats.model import Confidence
from workbench.actions import Change
from workbench.selection import Selection

JOB_META = MetaData()

JOBS = Table(
    "bsf_web_job", JOB_META,
    Column("job_id", Integer, Sequence("bsf_web_job_seq"), primary_key=True),
    Column("kind", String(16), nullable=False),  # reidentify | set
    Column("mode", String(16), nullable=False),  # preview | apply
    Column("status", String(16), nullable=False),  # queued | running | done | failed
    Column("created_by", String(256), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("selection", Text, nullable=False),
    Column("params", Text, nullable=False),
    Column("preview_of", Integer),
    Column("total", Integer),
    Column("processed", Integer, nullable=False, default=0),
    Column("resume_after", Integer, nullable=False, default=0),
    Column("changed", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("kept", Integer, nullable=False, default=0),
    Column("errors", Integer, nullable=False, default=0),
    Column("stored", Integer, nullable=False, default=0),
    Column("resumed", Boolean, nullable=False, default=False),
    Column("message", Text),
    Index("bsf_web_job_status_idx", "status", "job_id"),
)

CHANGES = Table(
    "bsf_web_job_change", JOB_META,
    Column("change_id", Integer, Sequence("bsf_web_job_change_seq"), primary_key=True),
    Column("job_id", Integer, nullable=False),
    Column("bitstream_id", Integer, nullable=False),
    Column("name", String(256)),
    Column("status", String(16), nullable=False),
    Column("old_key", String(200)),
    Column("old_name", String(256)),
    Column("old_confidence", SmallInteger),
    Column("new_key", String(200)),
    Column("new_name", String(256)),
    Column("new_confidence", SmallInteger),
    Column("message", Text),
    Index("bsf_web_job_change_job_idx", "job_id", "change_id"),
)

#: Changes kept per job for people to read (every change is counted; the history has them all).
MAX_STORED = 2000
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
KINDS = ("reidentify", "set")
MODES = ("preview", "apply")


class JobNotFound(BsfError):
    """No job has that id."""


@dataclass(frozen=True)
class Job:
    job_id: int
    kind: str
    mode: str
    status: str
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    selection: str
    params: str
    preview_of: int | None
    total: int | None
    processed: int
    resume_after: int
    changed: int
    unchanged: int
    kept: int
    errors: int
    stored: int
    resumed: bool
    message: str | None

    @property
    def active(self) -> bool:
        return self.status in (QUEUED, RUNNING)

    @property
    def options(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.params)
        return loaded

    @property
    def the_selection(self) -> Selection:
        return selection_from_json(self.selection)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == DONE else 0
        return min(100, round(100 * self.processed / self.total))


@dataclass(frozen=True)
class StoredChange:
    bitstream_id: int
    name: str | None
    status: str
    old_key: str | None
    old_name: str | None
    old_confidence: int | None
    new_key: str | None
    new_name: str | None
    new_confidence: int | None
    message: str | None


def selection_to_json(selection: Selection) -> str:
    data: dict[str, Any] = {}
    for f in fields(selection):
        value = getattr(selection, f.name)
        if isinstance(value, Confidence):
            value = value.name
        elif isinstance(value, tuple):
            value = list(value)
        data[f.name] = value
    return json.dumps(data, sort_keys=True)


def selection_from_json(text: str) -> Selection:
    data = json.loads(text)
    ids = data.get("ids")
    lo, hi = data.get("confidence_min"), data.get("confidence_max")
    return Selection(
        ids=tuple(int(i) for i in ids) if ids is not None else None, all=bool(data.get("all")),
        old_format=data.get("old_format"), format=data.get("format"),
        confidence_min=Confidence[lo] if lo else None,
        confidence_max=Confidence[hi] if hi else None, source=data.get("source"),
        collection=data.get("collection"), ext=data.get("ext"), name_glob=data.get("name_glob"))


def ensure_job_tables(bind: Engine | Connection) -> None:
    ensure_tables(bind, JOB_META)


def create_job(engine: Engine, *, kind: str, mode: str, user: str, selection: Selection,
               params: dict[str, Any], preview_of: int | None = None) -> int:
    """Record a queued job; the runner picks it up."""
    if kind not in KINDS or mode not in MODES:
        raise BsfError(f"unknown job {kind} {mode}")
    ensure_job_tables(engine)
    with engine.begin() as conn:
        key = conn.execute(insert(JOBS).values(
            kind=kind, mode=mode, status=QUEUED, created_by=user[:256], created_at=now(),
            selection=selection_to_json(selection), params=json.dumps(params, sort_keys=True),
            preview_of=preview_of, processed=0, resume_after=0, changed=0, unchanged=0,
            kept=0, errors=0, stored=0, resumed=False)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _job(row: Any) -> Job:
    return Job(**{f.name: getattr(row, f.name) for f in fields(Job)})


def get_job(conn: Connection, job_id: int) -> Job:
    row = conn.execute(select(JOBS).where(JOBS.c.job_id == job_id)).first()
    if row is None:
        raise JobNotFound(f"no job {job_id}")
    return _job(row)


def recent_jobs(conn: Connection, limit: int = 50) -> list[Job]:
    return [_job(r) for r in conn.execute(select(JOBS).order_by(JOBS.c.job_id.desc())
                                          .limit(limit))]


def job_changes(conn: Connection, job_id: int, *, limit: int = 200,
                offset: int = 0) -> list[StoredChange]:
    rows = conn.execute(select(*(CHANGES.c[f.name] for f in fields(StoredChange)))
                        .where(CHANGES.c.job_id == job_id).order_by(CHANGES.c.change_id)
                        .limit(limit).offset(offset))
    return [StoredChange(**r._asdict()) for r in rows]


def claim_next(engine: Engine, *, stale_after: timedelta) -> Job | None:
    """Take the oldest queued job (or a running one whose server stopped answering)."""
    stale = now() - stale_after
    with engine.begin() as conn:
        candidates = conn.execute(
            select(JOBS.c.job_id).where(or_(
                JOBS.c.status == QUEUED,
                (JOBS.c.status == RUNNING) & (JOBS.c.heartbeat_at < stale)))
            .order_by(JOBS.c.job_id).limit(5)).scalars().all()
        for job_id in candidates:
            claimed = conn.execute(
                update(JOBS).where(JOBS.c.job_id == job_id, or_(
                    JOBS.c.status == QUEUED,
                    (JOBS.c.status == RUNNING) & (JOBS.c.heartbeat_at < stale)))
                .values(status=RUNNING, heartbeat_at=now(),
                        started_at=func.coalesce(JOBS.c.started_at, now()),
                        resumed=JOBS.c.processed > 0))
            if claimed.rowcount:
                return get_job(conn, job_id)
    return None


def record_progress(conn: Connection, job_id: int, changes: list[Change],
                    stored_so_far: int) -> int:
    """Add a batch's counts (and its first notable changes) to the job; returns how many
    changes are stored now. Runs in the caller's transaction."""
    counts = {"changed": 0, "unchanged": 0, "kept-manual": 0, "error": 0}
    for change in changes:
        counts[change.status] = counts.get(change.status, 0) + 1
    notable = [c for c in changes if c.status != "unchanged"][:max(0, MAX_STORED - stored_so_far)]
    if notable:
        conn.execute(insert(CHANGES), [_change_row(job_id, c) for c in notable])
    values: dict[str, Any] = {
        "processed": JOBS.c.processed + len(changes), "changed": JOBS.c.changed + counts["changed"],
        "unchanged": JOBS.c.unchanged + counts["unchanged"],
        "kept": JOBS.c.kept + counts["kept-manual"], "errors": JOBS.c.errors + counts["error"],
        "stored": JOBS.c.stored + len(notable), "heartbeat_at": now()}
    if changes:
        values["resume_after"] = max(c.bitstream_id for c in changes)
    conn.execute(update(JOBS).where(JOBS.c.job_id == job_id).values(**values))
    return stored_so_far + len(notable)


def _change_row(job_id: int, change: Change) -> dict[str, Any]:
    new = change.new

    def conf(value: Confidence | None) -> int | None:
        return int(value) if value is not None else None

    return {"job_id": job_id, "bitstream_id": change.bitstream_id,
            "name": (change.name or "")[:256] or None, "status": change.status,
            "old_key": change.old.key, "old_name": (change.old.name or "")[:256] or None,
            "old_confidence": conf(change.old.confidence),
            "new_key": new.key if new else None,
            "new_name": (new.name or "")[:256] or None if new else None,
            "new_confidence": conf(new.confidence) if new else None,
            "message": change.message or None}


def set_total(engine: Engine, job_id: int, total: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(JOBS).where(JOBS.c.job_id == job_id, JOBS.c.total.is_(None))
                     .values(total=total))


def heartbeat(engine: Engine, job_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(JOBS).where(JOBS.c.job_id == job_id).values(heartbeat_at=now()))


def finish_job(engine: Engine, job_id: int, status: str, message: str | None = None) -> None:
    """``done``/``failed`` (finished), or ``queued`` again (stopped; resumes later)."""
    with engine.begin() as conn:
        conn.execute(update(JOBS).where(JOBS.c.job_id == job_id).values(
            status=status, message=message,
            finished_at=now() if status in (DONE, FAILED) else None))
