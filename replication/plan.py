"""Planning a sync: which objects to (re)transmit and which deletions to record.

Live objects are read in keyed batches (memory stays flat on a large archive). The SITE (its
AIP holds every group and person: any change to people, groups or the top-level communities
shows in it), communities and collections are always queued (their AIPs are rebuilt and
compared by MD5); an item is queued only when its fingerprint (:mod:`.fingerprint`) differs
from the one recorded with its replica, or when it has none, or with ``full``. Objects that
have a replica but no longer resolve are grouped under their top-most deleted ancestor, and
each such root gets one ``catalog`` task.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, and_, bindparam, or_, select, true

from archive.queries import HandleTarget, handle_of, resolve_handle
from archive.schema import COLLECTION, COMMUNITY, ITEM, T15, Tables
from replication import queue as q
from replication.fingerprint import global_fingerprint, item_fingerprints
from replication.store import StoreConfig

T = T15
BATCH = 1000
#: beyond this many handles a --handle run works the whole queue rather than filter claims by
#: a huge IN list (PostgreSQL allows at most 65,535 bound parameters per statement)
MAX_SCOPE = 5000


@dataclass(frozen=True)
class LiveObject:
    handle: str
    type_id: int
    resource_id: int


def _live_item() -> ColumnElement[bool]:
    return or_(T.item.c.in_archive == true(), T.item.c.withdrawn == true())


def archive_objects(conn: Connection) -> Iterator[list[LiveObject]]:
    """Every live community, collection and archived (or withdrawn) item, in batches."""
    h = T.handle.c
    live = or_(
        and_(h.resource_type_id == COMMUNITY,
             h.resource_id.in_(select(T.community.c.community_id))),
        and_(h.resource_type_id == COLLECTION,
             h.resource_id.in_(select(T.collection.c.collection_id))),
        and_(h.resource_type_id == ITEM,
             h.resource_id.in_(select(T.item.c.item_id).where(_live_item()))),
    )
    last = -1
    while True:
        rows = conn.execute(select(h.handle_id, h.handle, h.resource_type_id, h.resource_id)
                            .where(live, h.handle_id > last)
                            .order_by(h.handle_id).limit(BATCH)).all()
        if not rows:
            return
        yield [LiveObject(str(r.handle), int(r.resource_type_id), int(r.resource_id))
               for r in rows]
        last = rows[-1].handle_id


def subtree(conn: Connection, handle: str) -> list[LiveObject]:
    """``handle``'s object and every live object below it (sub-communities, collections,
    items mapped into those collections)."""
    resolved = resolve_handle(conn, handle)
    if resolved is None:
        return []
    out: list[LiveObject] = []
    todo: list[HandleTarget] = [resolved]
    seen: set[tuple[int, int]] = set()
    while todo:
        type_id, rid = todo.pop(0)
        if (type_id, rid) in seen:
            continue
        seen.add((type_id, rid))
        found = handle_of(conn, type_id, rid)
        if found:
            out.append(LiveObject(found, type_id, rid))
        if type_id == COMMUNITY:
            todo += [HandleTarget(COMMUNITY, r[0]) for r in conn.execute(
                select(T.community2community.c.child_comm_id)
                .where(T.community2community.c.parent_comm_id == rid))]
            todo += [HandleTarget(COLLECTION, r[0]) for r in conn.execute(
                select(T.community2collection.c.collection_id)
                .where(T.community2collection.c.community_id == rid))]
        elif type_id == COLLECTION:
            todo += [HandleTarget(ITEM, r[0]) for r in conn.execute(
                select(T.collection2item.c.item_id)
                .join(T.item, T.item.c.item_id == T.collection2item.c.item_id)
                .where(T.collection2item.c.collection_id == rid, _live_item()))]
    return out


def gone_replicas(conn: Connection, aip_group: str) -> dict[str, str | None]:
    """handle -> parent handle of every replicated object that no longer resolves and has no
    deletion record yet."""
    r, h = q.REPLICA.c, T.handle.c
    rows = conn.execute(
        select(r.handle, r.parent_handle)
        .select_from(q.REPLICA.outerjoin(T.handle, h.handle == r.handle))
        .where(r.grp == aip_group, r.deletion_record.is_(None), r.type_name != "SITE",
               or_(h.handle_id.is_(None), h.resource_id.is_(None))))
    return {str(row.handle): row.parent_handle for row in rows}


def deletion_roots(gone: dict[str, str | None]) -> dict[str, list[str]]:
    """Group gone objects under their top-most gone ancestor: root -> members (parents first)."""
    def top(handle: str) -> tuple[str, int]:
        depth, seen = 0, {handle}
        while (parent := gone.get(handle)) is not None and parent in gone and parent not in seen:
            seen.add(parent)
            handle, depth = parent, depth + 1
        return handle, depth

    groups: dict[str, list[tuple[int, str]]] = {}
    for handle in gone:
        root, depth = top(handle)
        groups.setdefault(root, [])
        if handle != root:
            groups[root].append((depth, handle))
    return {root: [h for _d, h in sorted(members)] for root, members in groups.items()}


def _needs_transmit(conn: Connection, t: Tables, batch: list[LiveObject], aip_group: str,
                    global_fp: str | None) -> list[str]:
    """Handles of ``batch`` to queue: containers always; items unless their fingerprint
    matches their replica's (``global_fp`` None = full sync, queue everything)."""
    if global_fp is None:
        return [o.handle for o in batch]
    items = [o for o in batch if o.type_id == ITEM]
    wanted = [o.handle for o in batch if o.type_id != ITEM]
    if not items:
        return wanted
    fps = item_fingerprints(conn, t, [o.resource_id for o in items], global_fp)
    r = q.REPLICA.c
    known = {row.handle: (row.fingerprint, row.deletion_record) for row in conn.execute(
        select(r.handle, r.fingerprint, r.deletion_record)
        .where(r.grp == aip_group, r.handle.in_(bindparam("hs", expanding=True))),
        {"hs": [o.handle for o in items]})}
    for obj in items:
        fingerprint, record = known.get(obj.handle, (None, None))
        if fingerprint is None or record is not None or fingerprint != fps.get(obj.resource_id):
            wanted.append(obj.handle)
    return wanted


def plan(engine: Engine, config: StoreConfig, *, handle: str | None = None,
         context: str | None = "", full: bool = False,
         site: str | None = None) -> tuple[int, list[str] | None, int]:
    """Queue transmit tasks for new and changed objects and catalog tasks for deletions.

    Returns how many tasks were newly queued (a task already pending is not queued twice),
    with ``handle`` the handles the run is limited to (else None), and how many items were
    left out because their fingerprint is unchanged. ``context`` is the packager's
    fingerprint context; ``full`` (or ``context=None``) queues every live object; ``site``
    (the site handle) queues the SITE AIP too."""
    from packager.refs import tables_for

    queued = skipped = 0
    scope: list[str] | None = None
    with engine.begin() as conn:
        t = tables_for(conn)
        global_fp = None if full or context is None else global_fingerprint(conn, t, context)
        if site is not None:
            queued += q.enqueue(conn, [(site, "transmit")])
        if handle is None:
            batches: Iterator[list[LiveObject]] = archive_objects(conn)
        else:
            below = subtree(conn, handle)
            batches = iter([below[i:i + BATCH] for i in range(0, len(below), BATCH)])
            scope = []
        for batch in batches:
            if scope is not None:
                scope += [o.handle for o in batch]
            wanted = _needs_transmit(conn, t, batch, config.aip_group, global_fp)
            skipped += len(batch) - len(wanted)
            queued += q.enqueue(conn, ((h, "transmit") for h in wanted))
        roots = deletion_roots(gone_replicas(conn, config.aip_group))
        if handle is not None:
            roots = {r: m for r, m in roots.items() if r == handle or handle in m}
            assert scope is not None
            scope += sorted(roots)
            if len(scope) > MAX_SCOPE:
                scope = None  # too many to filter claims by; work the whole queue instead
        queued += q.enqueue(conn, ((root, "catalog") for root in sorted(roots)))
    return queued, scope, skipped
