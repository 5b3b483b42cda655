"""``bsf replicate status``: what the store holds, what is queued, what differs.

Differences come from the same check ``sync`` runs first (:mod:`replication.verify`), so the
two always agree: objects the registry knows but the store lacks, objects whose size changed
(truncated), objects whose content differs from what was transmitted (corrupt: found through
the store's recorded checksum, a moved change token, or — with ``verify`` — by reading every
object), and objects in the store the registry does not know. ``clean`` is true only when none
of these lists has an entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from bsfcore.progress import NO_PROGRESS, Progress
from replication import queue as q
from replication.store import StoreConfig
from replication.store_base import ObjectStore
from replication.verify import check_store


@dataclass
class StoreStatus:
    store: str
    groups: dict[str, dict[str, int]] = field(default_factory=dict)  # group -> objects, bytes
    queue: dict[str, dict[str, int]] = field(default_factory=dict)
    deletion_records: list[str] = field(default_factory=list)
    missing_in_store: list[str] = field(default_factory=list)
    unknown_in_store: list[str] = field(default_factory=list)
    size_mismatch: list[str] = field(default_factory=list)
    checksum_mismatch: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    verified: bool = False

    @property
    def clean(self) -> bool:
        """The store holds exactly what the registry says (failed objects aside): no entry in
        any of the difference lists."""
        return not (self.missing_in_store or self.unknown_in_store or self.size_mismatch
                    or self.checksum_mismatch)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__) | {"clean": self.clean}


def store_status(engine: Engine, store: ObjectStore, config: StoreConfig, *,
                 verify: bool = False, progress: Progress = NO_PROGRESS) -> StoreStatus:
    q.ensure_tables(engine)
    status = StoreStatus(store.describe(), verified=verify)
    with engine.connect() as conn:
        status.queue = q.queue_counts(conn)
        status.failed = _still_failing(conn)
    check = check_store(engine, store, (config.aip_group, config.delete_group), verify=verify,
                        progress=progress)
    status.groups = check.listed
    status.deletion_records = [o.name for o in store.list(config.delete_group)]
    status.missing_in_store = check.problems("missing")
    status.size_mismatch = check.problems("truncated")
    status.checksum_mismatch = check.problems("corrupt")
    status.unknown_in_store = check.unknown
    return status


def _still_failing(conn: Connection) -> list[dict[str, str]]:
    """Objects whose latest task failed (an older failure followed by success is history)."""
    latest = select(q.QUEUE.c.handle, q.QUEUE.c.action,
                    func.max(q.QUEUE.c.task_id).label("task_id")) \
        .group_by(q.QUEUE.c.handle, q.QUEUE.c.action).subquery()
    rows = conn.execute(select(q.QUEUE.c.handle, q.QUEUE.c.action, q.QUEUE.c.error)
                        .join(latest, q.QUEUE.c.task_id == latest.c.task_id)
                        .where(q.QUEUE.c.state == "failed").order_by(q.QUEUE.c.task_id))
    return [{"handle": r.handle, "action": r.action, "error": r.error or ""} for r in rows]
