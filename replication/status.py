"""``bsf replicate status``: what the store holds, what is queued, what differs.

Differences compare the replica registry (what sync recorded at transmission) with the store:
objects the registry knows but the store lacks, objects in the store the registry does not know,
and — with ``verify`` — objects whose MD5 in the store differs from the one recorded (a corrupt
or tampered replica). Verifying reads every object once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, func, select

from replication import queue as q
from replication.store import LocalObjectStore, ObjectStore, StoreConfig


@dataclass
class StoreStatus:
    store: str
    groups: dict[str, dict[str, int]] = field(default_factory=dict)  # group -> objects, bytes
    queue: dict[str, dict[str, int]] = field(default_factory=dict)
    deletion_records: list[str] = field(default_factory=list)
    missing_in_store: list[str] = field(default_factory=list)
    unknown_in_store: list[str] = field(default_factory=list)
    checksum_mismatch: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    verified: bool = False

    @property
    def clean(self) -> bool:
        """The store holds exactly what the registry says (failed objects aside)."""
        return not (self.missing_in_store or self.checksum_mismatch)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()} | {"clean": self.clean}


def store_status(engine: Engine, store: ObjectStore, config: StoreConfig, *,
                 verify: bool = False) -> StoreStatus:
    q.ensure_tables(engine)
    status = StoreStatus(str(config.store_dir), verified=verify)
    with engine.connect() as conn:
        status.queue = q.queue_counts(conn)
        status.failed = _still_failing(conn)
        registry = {(r.grp, r.name): r.md5 for r in conn.execute(
            select(q.REPLICA.c.grp, q.REPLICA.c.name, q.REPLICA.c.md5))}
    seen: set[tuple[str, str]] = set()
    for group in (config.aip_group, config.delete_group):
        objects = bytes_ = 0
        for obj in _list(store, group, verify):
            objects += 1
            bytes_ += obj.size
            key = (group, obj.name)
            seen.add(key)
            if group == config.delete_group:
                status.deletion_records.append(obj.name)
            if key not in registry:
                status.unknown_in_store.append(f"{group}/{obj.name}")
            elif verify and obj.md5 != registry[key]:
                status.checksum_mismatch.append(f"{group}/{obj.name}")
        status.groups[group] = {"objects": objects, "bytes": bytes_}
    status.missing_in_store = sorted(f"{g}/{n}" for g, n in registry if (g, n) not in seen)
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


class _Listed(NamedTuple):
    name: str
    size: int
    md5: str  # '' when not hashed


def _list(store: ObjectStore, group: str, verify: bool) -> list[_Listed]:
    """Each object's name, size and MD5; hashes only when verifying (folder stores)."""
    if not verify and isinstance(store, LocalObjectStore):
        folder = store.root / group
        return [_Listed(n, (folder / n).stat().st_size, "") for n in store.names(group)]
    return [_Listed(o.name, o.size, o.md5) for o in store.list(group)]
