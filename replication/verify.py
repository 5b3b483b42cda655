"""Does the store still hold what the registry says it does? The check sync and status share.

For every registry row (``bsf_replica``) the store's listing is consulted — one listing per
group, no content read:

* absent from the listing → ``missing``;
* another size → ``truncated`` (or grown: any size change);
* the store's recorded MD5 differs from the registry's → ``corrupt`` (replaced by other bytes);
* with ``verify`` every object is read in full and its MD5 compared → ``corrupt`` on a
  difference; without it only objects whose change token moved since they were recorded (the
  folder store's size + modification time, S3's ETag) are read, and a token that moved over
  unchanged bytes is simply recorded anew.

Objects in the store that the registry does not know are ``unknown``. ``status`` reports all of
it; ``sync`` re-sends every damaged AIP of a live object (and rewrites damaged deletion
records), so after a sync ``status --verify`` is clean again. A damaged AIP of an object that
is no longer in the archive cannot be rebuilt: it is reported, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Connection, Engine, select

from bsfcore.progress import NO_PROGRESS, Progress
from replication import queue as q
from replication.store_base import ObjectStore, StoredObject


class Damage(NamedTuple):
    group: str
    name: str
    handle: str
    problem: str  # missing | truncated | corrupt
    detail: str = ""

    @property
    def where(self) -> str:
        return f"{self.group}/{self.name}"


class _Row(NamedTuple):
    grp: str
    name: str
    handle: str
    md5: str
    size: int
    token: str | None
    deletion_record: str | None


@dataclass
class StoreCheck:
    """What a check found; ``listed`` holds each group's object count and bytes."""

    damaged: list[Damage] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    listed: dict[str, dict[str, int]] = field(default_factory=dict)
    #: name -> token of intact replicas whose token is new to the registry
    new_tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    #: group -> the names the listing showed (sync then asks the store about no others)
    names: dict[str, set[str]] = field(default_factory=dict)
    hashed: int = 0

    @property
    def clean(self) -> bool:
        return not (self.damaged or self.unknown)

    def problems(self, kind: str) -> list[str]:
        return [d.where for d in self.damaged if d.problem == kind]


def _rows(conn: Connection, groups: Iterable[str], handles: set[str] | None) -> list[_Row]:
    r = q.REPLICA.c
    rows = conn.execute(select(r.grp, r.name, r.handle, r.md5, r.size, r.store_token,
                               r.deletion_record).where(r.grp.in_(list(groups)))
                        .order_by(r.grp, r.name))
    return [_Row(*row) for row in rows if handles is None or row.handle in handles]


def check_store(engine: Engine, store: ObjectStore, groups: Iterable[str], *,
                verify: bool = False, handles: set[str] | None = None,
                progress: Progress = NO_PROGRESS) -> StoreCheck:
    """Compare the registry rows of ``groups`` (those of ``handles`` only, when given) with
    the store; see the module docstring."""
    q.ensure_tables(engine)
    groups = list(groups)
    with engine.connect() as conn:
        rows = _rows(conn, groups, handles)
    check = StoreCheck()
    listing: dict[str, dict[str, StoredObject]] = {}
    for group in groups:
        listing[group] = {o.name: o for o in store.list(group)}
        check.listed[group] = {"objects": len(listing[group]),
                               "bytes": sum(o.size for o in listing[group].values())}
        check.names[group] = set(listing[group])
    if verify:
        progress.start("verifying the store", len(rows))
    known: dict[str, set[str]] = {g: set() for g in groups}
    for row in rows:
        known[row.grp].add(row.name)
        damage = _judge(store, row, listing[row.grp].get(row.name), verify, check)
        if damage is not None:
            check.damaged.append(damage)
        if verify:
            progress.advance()
    if verify:
        progress.finish()
    if handles is None:
        check.unknown = sorted(f"{g}/{n}" for g in groups for n in listing[g]
                               if n not in known[g])
    return check


def _judge(store: ObjectStore, row: _Row, listed: StoredObject | None, verify: bool,
           check: StoreCheck) -> Damage | None:
    if listed is None:
        return Damage(row.grp, row.name, row.handle, "missing")
    if listed.size != row.size:
        return Damage(row.grp, row.name, row.handle, "truncated",
                      f"{listed.size} bytes, {row.size} recorded")
    if listed.md5 and listed.md5 != row.md5:
        return Damage(row.grp, row.name, row.handle, "corrupt",
                      f"the store records MD5 {listed.md5}, the registry {row.md5}")
    moved = bool(row.token) and bool(listed.token) and listed.token != row.token
    if verify or moved:
        check.hashed += 1
        found = store.digest(row.grp, row.name)
        if found is None:
            return Damage(row.grp, row.name, row.handle, "missing")
        if found != row.md5:
            return Damage(row.grp, row.name, row.handle, "corrupt",
                          f"MD5 {found}, {row.md5} recorded")
    if listed.token and listed.token != row.token:
        check.new_tokens.setdefault(row.grp, {})[row.name] = listed.token
    return None


def record_tokens(engine: Engine, check: StoreCheck) -> None:
    """Remember the tokens of replicas found intact (so the next check reads none of them)."""
    if not check.new_tokens:
        return
    with engine.begin() as conn:
        for group, tokens in check.new_tokens.items():
            q.set_tokens(conn, group, tokens)


__all__ = ["Damage", "StoreCheck", "check_store", "record_tokens"]
