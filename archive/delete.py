"""Delete an object and its children from the archive, the way DSpace does.

``bsf archive delete HANDLE`` exists so operators (and the replication tests) can produce real
deletions: the replication sync then notices the object is gone and writes a deletion record.

What DSpace does, and so what we do, in one transaction:

* **Item**: metadata values, bundles and their links, resource policies, workspace entries and the
  item row are removed; its bitstreams stay as rows with ``deleted = true`` so the cleanup step
  (``bsf cleanup`` / DSpace's ``Cleanup``) removes the asset files later; the handle row is
  removed, which makes the handle resolve to nothing (and lets a restore from AIP bind it again).
* **Collection**: every item *owned* by it is deleted unless it is still mapped into another
  collection (then it only loses the mapping and gets a new owning collection); its template item,
  logo (marked deleted), workspace items, policies and its own workflow/submitter/admin groups go.
* **Community**: sub-communities and collections are deleted recursively (a collection still
  linked to another community is only unlinked), then the logo, policies and the community row.

The result lists every handle that was deleted, parents before children, which is exactly what a
deletion record's ``members`` needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, delete, func, select, update

from archive.queries import handle_of, normalise_handle, resolve_handle
from archive.schema import BITSTREAM, BUNDLE, COLLECTION, COMMUNITY, ITEM, T15
from bsfcore.errors import BsfError

T = T15
TYPE_NAMES = {ITEM: "ITEM", COLLECTION: "COLLECTION", COMMUNITY: "COMMUNITY"}
CHUNK = 500


class UnknownHandleError(BsfError):
    """A handle that resolves to no object in the archive."""


@dataclass(frozen=True)
class DeletedObject:
    type_name: str
    resource_id: int
    handle: str | None
    parent_handle: str | None


@dataclass
class DeletedObjects:
    """Everything one delete removed, the requested object first, then parents before children."""

    objects: list[DeletedObject] = field(default_factory=list)
    bitstreams_marked: int = 0

    @property
    def handles(self) -> list[str]:
        return [o.handle for o in self.objects if o.handle]

    @property
    def root(self) -> DeletedObject:
        return self.objects[0]


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start:start + CHUNK])


class _Deleter:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.result = DeletedObjects()

    # -- helpers -----------------------------------------------------------------------------
    def _record(self, type_id: int, rid: int, parent: str | None) -> str | None:
        handle = handle_of(self.conn, type_id, rid)
        self.result.objects.append(DeletedObject(TYPE_NAMES[type_id], rid, handle, parent))
        return handle

    def _drop_handles(self, type_id: int, ids: Sequence[int]) -> None:
        for part in _chunks(ids):
            self.conn.execute(delete(T.handle).where(T.handle.c.resource_type_id == type_id,
                                                     T.handle.c.resource_id.in_(part)))

    def _drop_policies(self, type_id: int, ids: Sequence[int]) -> None:
        for part in _chunks(ids):
            self.conn.execute(delete(T.resourcepolicy).where(
                T.resourcepolicy.c.resource_type_id == type_id,
                T.resourcepolicy.c.resource_id.in_(part)))

    def _mark_bitstreams(self, ids: Sequence[int]) -> None:
        """Bitstreams stay as rows flagged deleted, for the cleanup step (DSpace's way)."""
        for part in _chunks(ids):
            self.result.bitstreams_marked += self.conn.execute(
                update(T.bitstream).where(T.bitstream.c.bitstream_id.in_(part))
                .values(deleted=True)).rowcount or 0
        self._drop_policies(BITSTREAM, ids)

    # -- items -------------------------------------------------------------------------------
    def delete_items(self, item_ids: Sequence[int], parent: str | None) -> None:
        """Delete items completely (they are already unmapped from the collection at hand)."""
        if not item_ids:
            return
        c = self.conn
        for rid in item_ids:
            self._record(ITEM, rid, parent)
        for part in _chunks(item_ids):
            bundles = [r[0] for r in c.execute(select(T.item2bundle.c.bundle_id)
                                               .where(T.item2bundle.c.item_id.in_(part)))]
            for bpart in _chunks(bundles):
                bits = [r[0] for r in c.execute(select(T.bundle2bitstream.c.bitstream_id)
                                                .where(T.bundle2bitstream.c.bundle_id.in_(bpart)))]
                c.execute(update(T.bundle).where(T.bundle.c.bundle_id.in_(bpart))
                          .values(primary_bitstream_id=None))
                c.execute(delete(T.bundle2bitstream)
                          .where(T.bundle2bitstream.c.bundle_id.in_(bpart)))
                # A bitstream shared with a bundle outside this deletion stays alive.
                shared = {r[0] for r in c.execute(
                    select(T.bundle2bitstream.c.bitstream_id)
                    .where(T.bundle2bitstream.c.bitstream_id.in_(bits)))} if bits else set()
                self._mark_bitstreams([b for b in bits if b not in shared])
                c.execute(delete(T.item2bundle).where(T.item2bundle.c.bundle_id.in_(bpart)))
                self._drop_policies(BUNDLE, bpart)
                c.execute(delete(T.bundle).where(T.bundle.c.bundle_id.in_(bpart)))
            c.execute(delete(T.metadatavalue).where(T.metadatavalue.c.item_id.in_(part)))
            c.execute(delete(T.collection2item).where(T.collection2item.c.item_id.in_(part)))
            c.execute(delete(T.workspaceitem).where(T.workspaceitem.c.item_id.in_(part)))
            c.execute(update(T.collection).where(T.collection.c.template_item_id.in_(part))
                      .values(template_item_id=None))
            self._drop_policies(ITEM, part)
            self._drop_handles(ITEM, part)
            c.execute(delete(T.item).where(T.item.c.item_id.in_(part)))

    # -- collections -------------------------------------------------------------------------
    def delete_collection(self, cid: int, parent: str | None) -> None:
        c = self.conn
        handle = self._record(COLLECTION, cid, parent)
        row = c.execute(select(T.collection).where(T.collection.c.collection_id == cid)).one()
        mapped = [r[0] for r in c.execute(select(T.collection2item.c.item_id)
                                          .where(T.collection2item.c.collection_id == cid)
                                          .order_by(T.collection2item.c.item_id))]
        c.execute(delete(T.collection2item).where(T.collection2item.c.collection_id == cid))
        orphans: list[int] = []
        for part in _chunks(mapped):
            still = {r[0]: r[1] for r in c.execute(
                select(T.collection2item.c.item_id, func.min(T.collection2item.c.collection_id))
                .where(T.collection2item.c.item_id.in_(part))
                .group_by(T.collection2item.c.item_id))}
            for item_id in part:
                if item_id in still:
                    c.execute(update(T.item).where(T.item.c.item_id == item_id,
                                                   T.item.c.owning_collection == cid)
                              .values(owning_collection=still[item_id]))
                else:
                    orphans.append(item_id)
        self.delete_items(orphans, handle)
        # Workspace submissions into this collection and the template item go with it.
        ws_items = [r[0] for r in c.execute(select(T.workspaceitem.c.item_id)
                                            .where(T.workspaceitem.c.collection_id == cid))]
        c.execute(delete(T.workspaceitem).where(T.workspaceitem.c.collection_id == cid))
        template = row.template_item_id
        c.execute(update(T.collection).where(T.collection.c.collection_id == cid)
                  .values(template_item_id=None, logo_bitstream_id=None, workflow_step_1=None,
                          workflow_step_2=None, workflow_step_3=None, submitter=None, admin=None))
        extra = [i for i in [*ws_items, template] if i is not None]
        if extra:
            before = len(self.result.objects)
            self.delete_items(extra, handle)
            # Workspace and template items have no handle and are not archive members.
            del self.result.objects[before:]
        if row.logo_bitstream_id is not None:
            self._mark_bitstreams([row.logo_bitstream_id])
        groups = {row.workflow_step_1, row.workflow_step_2, row.workflow_step_3,
                  row.submitter, row.admin} - {None}
        self._drop_own_groups(sorted(g for g in groups if g is not None))
        c.execute(delete(T.community2collection)
                  .where(T.community2collection.c.collection_id == cid))
        self._drop_policies(COLLECTION, [cid])
        self._drop_handles(COLLECTION, [cid])
        c.execute(delete(T.collection).where(T.collection.c.collection_id == cid))

    def _drop_own_groups(self, group_ids: list[int]) -> None:
        """The collection's workflow/submitter/admin groups, unless another collection uses them."""
        col = T.collection.c
        for gid in group_ids:
            used = self.conn.execute(select(func.count()).select_from(T.collection).where(
                (col.workflow_step_1 == gid) | (col.workflow_step_2 == gid)
                | (col.workflow_step_3 == gid) | (col.submitter == gid) | (col.admin == gid)
            )).scalar()
            if used:
                continue
            self.conn.execute(delete(T.epersongroup2eperson)
                              .where(T.epersongroup2eperson.c.eperson_group_id == gid))
            self.conn.execute(delete(T.resourcepolicy)
                              .where(T.resourcepolicy.c.epersongroup_id == gid))
            self.conn.execute(delete(T.epersongroup)
                              .where(T.epersongroup.c.eperson_group_id == gid))

    # -- communities -------------------------------------------------------------------------
    def delete_community(self, cid: int, parent: str | None) -> None:
        c = self.conn
        handle = self._record(COMMUNITY, cid, parent)
        subs = [r[0] for r in c.execute(select(T.community2community.c.child_comm_id)
                                        .where(T.community2community.c.parent_comm_id == cid)
                                        .order_by(T.community2community.c.child_comm_id))]
        c.execute(delete(T.community2community)
                  .where(T.community2community.c.parent_comm_id == cid))
        for sub in subs:
            still = c.execute(select(func.count()).select_from(T.community2community)
                              .where(T.community2community.c.child_comm_id == sub)).scalar()
            if not still:
                self.delete_community(sub, handle)
        cols = [r[0] for r in c.execute(select(T.community2collection.c.collection_id)
                                        .where(T.community2collection.c.community_id == cid)
                                        .order_by(T.community2collection.c.collection_id))]
        c.execute(delete(T.community2collection)
                  .where(T.community2collection.c.community_id == cid))
        for col in cols:
            still = c.execute(select(func.count()).select_from(T.community2collection)
                              .where(T.community2collection.c.collection_id == col)).scalar()
            if not still:
                self.delete_collection(col, handle)
        logo = c.execute(select(T.community.c.logo_bitstream_id)
                         .where(T.community.c.community_id == cid)).scalar()
        c.execute(update(T.community).where(T.community.c.community_id == cid)
                  .values(logo_bitstream_id=None))
        if logo is not None:
            self._mark_bitstreams([logo])
        c.execute(delete(T.community2community)
                  .where(T.community2community.c.child_comm_id == cid))
        self._drop_policies(COMMUNITY, [cid])
        self._drop_handles(COMMUNITY, [cid])
        c.execute(delete(T.community).where(T.community.c.community_id == cid))


def parent_handle(conn: Connection, type_id: int, rid: int) -> str | None:
    """The owning collection of an item, the (first) parent community of a collection or
    community: the deletion record's ``ownerId``."""
    if type_id == ITEM:
        owner = conn.execute(select(T.item.c.owning_collection)
                             .where(T.item.c.item_id == rid)).scalar()
        if owner is None:
            owner = conn.execute(select(func.min(T.collection2item.c.collection_id))
                                 .where(T.collection2item.c.item_id == rid)).scalar()
        return handle_of(conn, COLLECTION, owner) if owner is not None else None
    if type_id == COLLECTION:
        parent = conn.execute(select(func.min(T.community2collection.c.community_id))
                              .where(T.community2collection.c.collection_id == rid)).scalar()
    else:
        parent = conn.execute(select(func.min(T.community2community.c.parent_comm_id))
                              .where(T.community2community.c.child_comm_id == rid)).scalar()
    return handle_of(conn, COMMUNITY, parent) if parent is not None else None


def delete_in(conn: Connection, handle: str) -> DeletedObjects:
    """Delete ``handle``'s object and children inside the caller's transaction."""
    handle = normalise_handle(handle)
    resolved = resolve_handle(conn, handle)
    if resolved is None:
        raise UnknownHandleError(f"handle {handle} does not resolve to an object in the archive")
    type_id, rid = resolved
    if type_id not in TYPE_NAMES:
        raise BsfError(f"handle {handle} is a {type_id} object; only items, collections and "
                       "communities can be deleted")
    parent = parent_handle(conn, type_id, rid)
    deleter = _Deleter(conn)
    if type_id == ITEM:
        conn.execute(delete(T.collection2item).where(T.collection2item.c.item_id == rid))
        deleter.delete_items([rid], parent)
    elif type_id == COLLECTION:
        deleter.delete_collection(rid, parent)
    else:
        deleter.delete_community(rid, parent)
    return deleter.result


def delete_object(engine: Engine, handle: str) -> DeletedObjects:
    """Delete ``handle``'s object and children in one transaction (all or nothing)."""
    with engine.begin() as conn:
        return delete_in(conn, handle)
