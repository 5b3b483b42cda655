"""Read one archival object out of the archive database into :class:`packager.model` records.

Works on the renovated model (bitstream format_* columns, external identifiers) and on a
plain DSpace 1.5 database (no identification data), so an operator can take AIPs before and
after the upgrade. Every list is ordered by something that survives a restore (ids are reused
on restore, names and handles are restored), which is what makes re-exports byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select, true

from archive.history import history_exists
from archive.schema import (
    BITSTREAM,
    BUNDLE,
    COLLECTION,
    COMMUNITY,
    ITEM,
    SITE,
    T16,
)
from bsfcore.errors import PackageError
from packager.model import (
    ArchiveObject,
    BitstreamRec,
    BundleRec,
    ChildRef,
    FieldDef,
    FormatInfo,
    MetadataValue,
    Policy,
    SchemaDef,
    utc,
)
from packager.naming import package_name
from packager.options import PackagerOptions
from packager.reading_bitstreams import BitstreamReader, FormatNamer
from packager.reading_people import PeopleReader
from packager.refs import ObjRef, handle_of, site_handle, tables_for

ADMIN_GROUP_ID = 0 + 1
ANONYMOUS_GROUP_ID = 0

#: Container columns and the DIM field DSpace's crosswalks use for each.
COMMUNITY_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("name", "title", None), ("short_description", "description", "abstract"),
    ("introductory_text", "description", None), ("copyright_text", "rights", None),
    ("side_bar_text", "description", "tableofcontents"),
)
COLLECTION_COLUMNS = (*COMMUNITY_COLUMNS, ("license", "rights", "license"),
                      ("provenance_description", "provenance", None))


#: Items read together: the rows of this many upcoming items of a collection are fetched with
#: one query per table (IN lists), not ~7 round trips per item.
PREFETCH_ITEMS = 100


@dataclass
class _ItemRows:
    """The database rows one item's AIP is built from (fetched for several items at once)."""

    row: Any
    mapped: list[int]
    metadata: list[Any]
    bundles: list[Any]
    bitstreams: list[Any]
    policies: dict[tuple[int, int], list[Policy]]
    dates: dict[int, datetime]


class ArchiveReader(PeopleReader, BitstreamReader):
    """Reads objects for export; one per export run (caches group names and formats)."""

    def __init__(self, conn: Connection, options: PackagerOptions, *,
                 eperson_id: int | None = None, format_namer: FormatNamer | None = None,
                 prefix: str | None = None) -> None:
        self.conn = conn
        self.t = tables_for(conn)
        self.renovated = self.t is T16
        self.options = options
        self.site = site_handle(conn, self.t, prefix)
        self._namer = format_namer
        self._formats: dict[int, FormatInfo] = {}
        self._group_names: dict[int, str] = {}
        self._emails: dict[int, str] = {}
        self._reader_groups: set[int] | None = None
        self._history = self.renovated and _has_history(conn)
        self._handles: dict[tuple[int, int], str | None] = {}
        #: after children() of a collection: its items that are in other collections too
        self.shared_here: set[int] = set()
        #: the item ids of the collection listed last (in export order) and where each is
        self._upcoming: list[int] = []
        self._upcoming_at: dict[int, int] = {}
        self._prefetched: dict[int, _ItemRows] = {}
        self._is_admin = True
        if eperson_id is not None:
            gm = self.t.epersongroup2eperson
            groups = {int(g) for (g,) in conn.execute(
                select(gm.c.eperson_group_id).where(gm.c.eperson_id == eperson_id))}
            self._is_admin = ADMIN_GROUP_ID in groups
            self._reader_groups = groups | {ANONYMOUS_GROUP_ID}
            self._eperson_id = eperson_id

    # -- references -------------------------------------------------------------------------

    def ref(self, type_id: int, object_id: int) -> ObjRef:
        if type_id == SITE:
            return ObjRef(SITE, 0, self.site)
        key = (type_id, object_id)
        if key not in self._handles:
            if len(self._handles) > 50_000:  # memory stays flat on huge archives
                self._handles.clear()
            self._handles[key] = handle_of(self.conn, self.t, type_id, object_id)
        return ObjRef(type_id, object_id, self._handles[key])

    def _prefetch_handles(self, type_id: int, ids: list[int]) -> None:
        """One query for the handles of many objects (a collection's items)."""
        h = self.t.handle
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            found: dict[int, str] = {}
            for rid, handle in self.conn.execute(
                    select(h.c.resource_id, h.c.handle)
                    .where(h.c.resource_type_id == type_id, h.c.resource_id.in_(chunk))
                    .order_by(h.c.handle_id.desc())):
                found[int(rid)] = str(handle)  # lowest handle_id wins, as handle_of
            for i in chunk:
                self._handles[(type_id, i)] = found.get(i)

    def children(self, ref: ObjRef) -> list[ObjRef]:
        t, c = self.t, self.conn
        if ref.type_id == SITE:
            child = select(t.community2community.c.child_comm_id)
            ids = c.execute(select(t.community.c.community_id)
                            .where(t.community.c.community_id.not_in(child))
                            .order_by(t.community.c.community_id)).scalars()
            return [self.ref(COMMUNITY, i) for i in ids]
        if ref.type_id == COMMUNITY:
            subs = c.execute(select(t.community2community.c.child_comm_id)
                             .where(t.community2community.c.parent_comm_id == ref.id)
                             .order_by(t.community2community.c.child_comm_id)).scalars()
            cols = c.execute(select(t.community2collection.c.collection_id)
                             .where(t.community2collection.c.community_id == ref.id)
                             .order_by(t.community2collection.c.collection_id)).scalars()
            return [self.ref(COMMUNITY, i) for i in subs] + [self.ref(COLLECTION, i) for i in cols]
        if ref.type_id == COLLECTION:
            ci, it = t.collection2item, t.item
            rows = c.execute(
                select(ci.c.item_id)
                .join(it, it.c.item_id == ci.c.item_id)
                .where(ci.c.collection_id == ref.id,
                       or_(it.c.in_archive == true(), it.c.withdrawn == true()))
                .order_by(ci.c.item_id).distinct()).all()
            item_ids = [int(r.item_id) for r in rows]
            here = select(ci.c.item_id).where(ci.c.collection_id == ref.id)
            self.shared_here = {int(i) for i in c.execute(
                select(ci.c.item_id).where(ci.c.item_id.in_(here))
                .group_by(ci.c.item_id).having(func.count() > 1)).scalars()}
            self._prefetch_handles(ITEM, item_ids)
            self._upcoming = item_ids
            self._upcoming_at = {i: n for n, i in enumerate(item_ids)}
            self._prefetched = {}
            return [self.ref(ITEM, i) for i in item_ids]
        return []

    def parents(self, ref: ObjRef, owner: int | None = None,
                mapped: list[int] | None = None) -> list[ObjRef]:
        """The parent first, then other parents (mapped collections, further communities).
        ``owner``: an item's owning collection when the caller has the item row already;
        ``mapped``: its collection2item collections (sorted) when already fetched."""
        t, c = self.t, self.conn
        if ref.type_id == ITEM:
            if owner is None:
                owner = c.execute(select(t.item.c.owning_collection)
                                  .where(t.item.c.item_id == ref.id)).scalar()
            if mapped is None:
                mapped = list(c.execute(select(t.collection2item.c.collection_id)
                                        .where(t.collection2item.c.item_id == ref.id)
                                        .order_by(t.collection2item.c.collection_id)).scalars())
            ids = ([owner] if owner is not None else []) + [m for m in mapped if m != owner]
            return [self.ref(COLLECTION, int(i)) for i in dict.fromkeys(ids)]
        if ref.type_id == COLLECTION:
            communities = c.execute(select(t.community2collection.c.community_id)
                                    .where(t.community2collection.c.collection_id == ref.id)
                                    .order_by(t.community2collection.c.id)).scalars()
            return [self.ref(COMMUNITY, int(i)) for i in communities]
        if ref.type_id == COMMUNITY:
            ids = list(c.execute(select(t.community2community.c.parent_comm_id)
                                 .where(t.community2community.c.child_comm_id == ref.id)
                                 .order_by(t.community2community.c.id)).scalars())
            if not ids:
                return [self.ref(SITE, 0)]
            return [self.ref(COMMUNITY, int(i)) for i in ids]
        return []

    def exists(self, ref: ObjRef) -> bool:
        t = self.t
        if ref.type_id == SITE:
            return True
        column = {ITEM: t.item.c.item_id, COLLECTION: t.collection.c.collection_id,
                  COMMUNITY: t.community.c.community_id}[ref.type_id]
        return self.conn.execute(select(column).where(column == ref.id)).first() is not None

    # -- the object ---------------------------------------------------------------------------

    def read(self, ref: ObjRef) -> ArchiveObject:
        obj = ArchiveObject(type_name=ref.type_name, id=ref.id, handle=ref.handle,
                            site_handle=self.site)
        rows = self._item_rows(ref.id) if ref.type_id == ITEM else None
        parents = self.parents(ref, rows.row.owning_collection, rows.mapped) \
            if rows is not None else self.parents(ref)
        obj.parent_handle = parents[0].handle if parents else None
        obj.other_parents = [p.handle for p in parents[1:] if p.handle]
        if rows is not None:
            self._read_item(obj, rows)
        elif ref.type_id in (COMMUNITY, COLLECTION):
            self._read_container(obj, ref)
        if ref.type_id != ITEM:
            obj.children = [
                ChildRef(c.type_name, c.handle, c.id,
                         package_name(c.type_name, c.handle, c.id,
                                      manifest_only=self.options.manifest_only))
                for c in self.children(ref)]
        if ref.type_id not in (SITE, ITEM):  # an item's come with its bundles'
            obj.policies = self.policies(ref.type_id, ref.id)
        obj.roles = self._roles(obj, ref.type_id, ref.id)
        return obj

    # -- items: rows fetched for several items at once ----------------------------------------

    def _item_rows(self, item_id: int) -> _ItemRows:
        """The item's rows; a miss fetches it with the next PREFETCH_ITEMS items of the
        collection being exported (export reads a collection's items in that order)."""
        rows = self._prefetched.pop(item_id, None)
        if rows is None:
            at = self._upcoming_at.get(item_id)
            ids = self._upcoming[at:at + PREFETCH_ITEMS] if at is not None else [item_id]
            self._prefetched = self._fetch_items(ids)
            rows = self._prefetched.pop(item_id, None)
        if rows is None:  # no such item: the same error as a single-row read
            self.conn.execute(select(self.t.item).where(self.t.item.c.item_id == item_id)).one()
            raise PackageError(f"item {item_id} vanished while it was being exported")
        return rows

    def _fetch_items(self, ids: list[int]) -> dict[int, _ItemRows]:
        """One query per table for all of ``ids`` (item, mappings, metadata, bundles,
        bitstreams, policies, identification dates), grouped per item in Python."""
        t, c = self.t, self.conn
        items = {int(r.item_id): r for r in c.execute(
            select(t.item).where(t.item.c.item_id.in_(ids)))}
        if not items:
            return {}
        ci = t.collection2item
        mapped: dict[int, list[int]] = {}
        for item_id, col in c.execute(select(ci.c.item_id, ci.c.collection_id)
                                      .where(ci.c.item_id.in_(list(items)))):
            if col is not None:
                mapped.setdefault(int(item_id), []).append(int(col))
        metadata = self._metadata_rows(list(items))
        ib, bu = t.item2bundle, t.bundle
        bundles: dict[int, list[Any]] = {}
        for r in c.execute(select(bu, ib.c.item_id.label("of_item"))
                           .join(ib, ib.c.bundle_id == bu.c.bundle_id)
                           .where(ib.c.item_id.in_(list(items)))):
            if self.options.bundle_included(r.name or ""):
                bundles.setdefault(int(r.of_item), []).append(r)
        bundle_ids = sorted({int(b.bundle_id) for bs in bundles.values() for b in bs})
        bb, bs = t.bundle2bitstream, t.bitstream
        bits: dict[int, list[Any]] = {}
        for start in range(0, len(bundle_ids), 1000):
            for r in c.execute(select(bb.c.bundle_id.label("in_bundle"), bs)
                               .join(bs, bb.c.bitstream_id == bs.c.bitstream_id)
                               .where(bb.c.bundle_id.in_(bundle_ids[start:start + 1000]),
                                      or_(bs.c.deleted.is_(None), bs.c.deleted.is_not(true())))):
                bits.setdefault(int(r.in_bundle), []).append(r)
        bit_ids = sorted({int(r.bitstream_id) for rs in bits.values() for r in rs})
        policies = self.policies_of({ITEM: list(items), BUNDLE: bundle_ids[:1000]})
        for start in range(1000, len(bundle_ids), 1000):
            policies.update(self.policies_of({BUNDLE: bundle_ids[start:start + 1000]}))
        dates: dict[int, datetime] = {}
        for start in range(0, len(bit_ids), 1000):  # bounded IN lists on both databases
            policies.update(self.policies_of({BITSTREAM: bit_ids[start:start + 1000]}))
            dates.update(self._identified_many(bit_ids[start:start + 1000]))
        found: dict[int, _ItemRows] = {}
        for item_id, row in items.items():
            its_bundles = bundles.get(item_id, [])
            its_bits = [r for b in its_bundles for r in bits.get(int(b.bundle_id), [])]
            found[item_id] = _ItemRows(
                row=row, mapped=sorted(mapped.get(item_id, [])),
                metadata=metadata.get(item_id, []), bundles=its_bundles, bitstreams=its_bits,
                policies=policies, dates=dates)
        return found

    def _read_item(self, obj: ArchiveObject, data: _ItemRows) -> None:
        row = data.row
        obj.withdrawn = bool(row.withdrawn)
        obj.last_modified = utc(row.last_modified)
        if row.submitter_id is not None:
            obj.submitter = self.email(int(row.submitter_id))
        self._build_metadata(obj, data.metadata)
        # sorted here, not in SQL: NULL order and string collation differ between databases,
        # and the manifest must not depend on which database the archive lives in
        bundles = sorted(data.bundles, key=lambda b: (b.name or "", b.bundle_id))
        rows = sorted(data.bitstreams, key=lambda r: (r.in_bundle, r.sequence_id is not None,
                                                      r.sequence_id or 0, r.bitstream_id))
        policies, dates = data.policies, data.dates
        obj.policies = policies.get((ITEM, obj.id), [])
        by_bundle: dict[int, list[BitstreamRec]] = {}
        for r in rows:
            bit = self._bitstream(r, policies.get((BITSTREAM, r.bitstream_id), []),
                                  dates.get(r.bitstream_id))
            if bit is not None:
                by_bundle.setdefault(r.in_bundle, []).append(bit)
        for b in bundles:
            obj.bundles.append(BundleRec(
                name=b.name or "", primary_bitstream_id=b.primary_bitstream_id,
                policies=policies.get((BUNDLE, b.bundle_id), []), id=b.bundle_id,
                bitstreams=by_bundle.get(b.bundle_id, [])))

    def _metadata_rows(self, item_ids: list[int]) -> dict[int, list[Any]]:
        t = self.t
        mv, mf, ms = t.metadatavalue, t.metadatafieldregistry, t.metadataschemaregistry
        found: dict[int, list[Any]] = {}
        for r in self.conn.execute(
                select(mv.c.text_value, mv.c.text_lang, mf.c.element, mf.c.qualifier,
                       mf.c.scope_note, ms.c.short_id, ms.c.namespace, mv.c.place,
                       mv.c.metadata_value_id, mv.c.item_id)
                .join(mf, mf.c.metadata_field_id == mv.c.metadata_field_id)
                .join(ms, ms.c.metadata_schema_id == mf.c.metadata_schema_id)
                .where(mv.c.item_id.in_(item_ids))):
            found.setdefault(int(r.item_id), []).append(r)
        return found

    def _build_metadata(self, obj: ArchiveObject, rows: list[Any],
                        into: list[MetadataValue] | None = None) -> None:
        """Sorted values into ``obj.metadata`` (or ``into``: a collection's item template),
        and the schemas and fields they use into ``obj.schemas`` / ``obj.fields``."""
        rows = sorted(rows, key=lambda r: (r.short_id or "", r.element or "", r.qualifier or "",
                                           r.place or 0, r.metadata_value_id))
        schemas: dict[str, SchemaDef] = {s.prefix: s for s in obj.schemas}
        fields: dict[tuple[str, str, str | None], FieldDef] = {
            (f.schema, f.element, f.qualifier): f for f in obj.fields}
        values = obj.metadata if into is None else into
        for r in rows:
            values.append(MetadataValue(r.short_id, r.element, r.qualifier,
                                        r.text_value or "", r.text_lang or None))
            schemas.setdefault(r.short_id, SchemaDef(r.short_id, r.namespace or ""))
            fields.setdefault((r.short_id, r.element, r.qualifier),
                              FieldDef(r.short_id, r.element, r.qualifier, r.scope_note))
        obj.schemas = sorted(schemas.values(), key=lambda s: s.prefix)
        obj.fields = sorted(fields.values(),
                            key=lambda f: (f.schema, f.element, f.qualifier or ""))

    def _read_container(self, obj: ArchiveObject, ref: ObjRef) -> None:
        t = self.t
        table = t.community if ref.type_id == COMMUNITY else t.collection
        key = table.c.community_id if ref.type_id == COMMUNITY else table.c.collection_id
        row = self.conn.execute(select(table).where(key == ref.id)).one()
        columns = COMMUNITY_COLUMNS if ref.type_id == COMMUNITY else COLLECTION_COLUMNS
        for column, element, qualifier in columns:
            value = getattr(row, column)
            if value is not None:
                obj.metadata.append(MetadataValue("dc", element, qualifier, value))
        obj.metadata.sort(key=lambda m: (m.element, m.qualifier or ""))
        template_id = getattr(row, "template_item_id", None)
        if template_id is not None:
            obj.template = []
            self._build_metadata(obj, self._metadata_rows([int(template_id)])
                                 .get(int(template_id), []), into=obj.template)
        if row.logo_bitstream_id is not None:
            logo = self.conn.execute(select(t.bitstream).where(
                t.bitstream.c.bitstream_id == row.logo_bitstream_id)).first()
            if logo is not None:
                obj.logo = self._bitstream(
                    logo, self.policies(BITSTREAM, logo.bitstream_id),
                    self._identified_many([logo.bitstream_id]).get(logo.bitstream_id))

def _has_history(conn: Connection) -> bool:
    return history_exists(conn)


__all__ = ["ArchiveReader", "FormatNamer"]
