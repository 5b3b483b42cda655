"""Write :class:`packager.model` records into the archive (the ingest side).

One :class:`ArchiveWriter` serves one ingest run inside one transaction. It never commits:
the caller commits or rolls back everything. Asset files go through a
:class:`packager.assets.RunAssets`, which remembers them
(the caller deletes them again if the run fails); asset files of rows it removes (force
replace) are listed in ``obsolete`` and deleted by the caller only after the commit — so a
failed run leaves both database and asset store exactly as they were.

Restore modes reuse the AIP's ids when they are free in the target (a restore into an empty
archive gets the original ids back, so re-exports are byte-identical) and keep the database
sequences ahead of them; submit mode always takes fresh ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, func, insert, select, update

from archive.assetstore import StoredAsset
from archive.formatcache import ensure_format, find_format_id, unknown_format_id
from archive.history import HistoryEntry, ensure_history_table, record
from archive.schema import BITSTREAM, BUNDLE, COLLECTION, COMMUNITY, ITEM, T16
from bsfcore.errors import PackageError
from packager.assets import RunAssets
from packager.model import (
    DEFAULT_DATE,
    ArchiveObject,
    BitstreamRec,
    FormatInfo,
    GroupRec,
    MetadataValue,
    Policy,
    Roles,
)
from packager.reading import COLLECTION_COLUMNS, COMMUNITY_COLUMNS
from packager.safezip import Package
from packager.sequences import bump_sequence, max_handle_suffix
from packager.writing_people import PeopleWriter
from registries.model import Format, SupportLevel

T = T16
#: queued link rows (``ArchiveWriter.buffer``) are inserted when this many are waiting
FLUSH_ROWS = 2000
_LIVE_TYPES = {ITEM: (T.item, T.item.c.item_id), COLLECTION: (T.collection,
               T.collection.c.collection_id), COMMUNITY: (T.community, T.community.c.community_id)}


class ArchiveWriter(PeopleWriter):
    def __init__(self, conn: Connection, store: RunAssets, *, preserve_ids: bool,
                 create_metadata_fields: bool, site_handle: str) -> None:
        self.conn = conn
        self.store = store
        self.preserve_ids = preserve_ids
        self.create_fields = create_metadata_fields
        self.site_handle = site_handle
        self.prefix = site_handle.rsplit("/", 1)[0]
        self.obsolete: list[tuple[str, int]] = []
        self.warnings: list[str] = []
        self._fields: dict[tuple[str, str, str | None], int] = {}
        self._formats: dict[tuple[object, ...], int] = {}
        self._groups: dict[str, int | None] = {}
        self._people: dict[str, int | None] = {}
        self._next_handle: int | None = None
        self._explicit: dict[str, int] = {}
        #: per table that took a preferred id: the ids taken above its highest (``_id_free``)
        self._taken: dict[str, _IdsAbove] = {}
        #: a handle the run just found unused (saves bind_handle's lookup)
        self.known_absent: str | None = None
        #: link rows of new items (handle, collection2item, item2bundle, bundle2bitstream,
        #: metadatavalue) waiting for one executemany per table; see ``flush``
        self._pending: dict[str, tuple[Table, list[dict[str, object]]]] = {}
        self._pending_rows = 0
        #: item handles among the pending rows -> item id (lookups must see them)
        self.pending_handles: dict[str, int] = {}
        #: original handle (from the AIP) -> handle in this archive (None: not installed yet)
        self.handle_map: dict[str, str | None] = {}

    # -- ids and handles ---------------------------------------------------------------------

    def insert_row(self, table: Table, values: Mapping[str, object],
                   preferred: int | None = None) -> int:
        """Insert a row; with ``preferred`` (restore modes) reuse that id when it is free.

        An explicit id is remembered per table and the table's sequence is moved past it
        just before the next id is drawn from that sequence (and at the end of the run), so
        explicit and drawn ids never collide, at one round trip per table switch, not per row.
        """
        pk = next(iter(table.primary_key.columns))
        if preferred is not None and self.preserve_ids and preferred >= 0 and \
                self._id_free(table, pk, preferred):
            self.conn.execute(insert(table).values(**values, **{pk.name: preferred}))
            self._explicit[table.name] = max(preferred, self._explicit.get(table.name, 0))
            self._raise_top(table.name, preferred)
            return preferred
        pending = self._explicit.pop(table.name, None)
        if pending is not None:
            bump_sequence(self.conn, f"{table.name}_seq", pending)
        key = self.conn.execute(insert(table).values(**values)).inserted_primary_key
        assert key is not None
        self._raise_top(table.name, int(key[0]))
        return int(key[0])

    def _id_free(self, table: Table, pk: Any, wanted: int) -> bool:
        """Whether no row of ``table`` has id ``wanted``. The table's highest id is read once
        per run; ids above it that this writer inserts are marked in a bitmap (one bit per
        id, so memory stays small), and those are the only rows above it (the tables that
        take preferred ids get rows only through ``insert_row`` during a run). So an id
        above it and unmarked is free without a query: a restore into an empty archive
        costs no existence check per row. Anything else (a gap left by a deletion) is
        asked of the database. A wrong guess could only make the insert fail on the
        primary key, which rolls the whole run back."""
        taken = self._taken.get(table.name)
        if taken is None:
            top = int(self.conn.execute(select(func.max(pk))).scalar() or 0)
            taken = self._taken[table.name] = _IdsAbove(top)
        if taken.free(wanted):
            return True
        return self.conn.execute(select(pk).where(pk == wanted)).first() is None

    def _raise_top(self, table_name: str, object_id: int) -> None:
        taken = self._taken.get(table_name)
        if taken is not None:
            taken.add(object_id)

    # -- rows written in batches ------------------------------------------------------------

    def buffer(self, table: Table, rows: list[dict[str, object]]) -> None:
        """Queue insert-only rows of a new item. Nothing reads these tables between two
        items except through this writer, which calls ``flush`` first (and the run's handle
        lookup, which looks at ``pending_handles`` too), so a batch of items costs one
        executemany per table instead of one insert per row and item."""
        if not rows:
            return
        self._pending.setdefault(table.name, (table, []))[1].extend(rows)
        self._pending_rows += len(rows)
        if self._pending_rows >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Insert the queued rows (before any read, delete or update of their tables)."""
        pending, self._pending = self._pending, {}
        self._pending_rows = 0
        self.pending_handles.clear()
        for table, rows in pending.values():
            for start in range(0, len(rows), 1000):
                self.conn.execute(insert(table), rows[start:start + 1000])

    def new_handle(self) -> str:
        self.flush()
        if self._next_handle is None:
            top = self.conn.execute(select(func.max(T.handle.c.handle_id))).scalar() or 0
            self._next_handle = max(int(top), max_handle_suffix(self.conn)) + 1
        handle = f"{self.prefix}/{self._next_handle}"
        self._next_handle += 1
        return handle

    def bind_handle(self, handle: str, type_id: int, object_id: int, *,
                    batch: bool = False) -> None:
        """Bind ``handle`` to the object; an unbound (deleted object's) handle row is reused.
        ``batch``: a new item's handle may wait in the queue (see ``buffer``)."""
        if handle == self.known_absent and handle not in self.pending_handles:
            self.known_absent = None  # looked up by this run a moment ago: no row
            values = {"handle": handle, "resource_type_id": type_id, "resource_id": object_id}
            if batch and type_id == ITEM:
                self.buffer(T.handle, [values])
                self.pending_handles[handle] = object_id
            else:
                self.conn.execute(insert(T.handle), values)
            return
        self.flush()
        row = self.conn.execute(select(T.handle.c.handle_id, T.handle.c.resource_id)
                                .where(T.handle.c.handle == handle)).first()
        if row is None:
            self.conn.execute(insert(T.handle).values(handle=handle, resource_type_id=type_id,
                                                      resource_id=object_id))
        elif row.resource_id is None:
            self.conn.execute(update(T.handle).where(T.handle.c.handle_id == row.handle_id)
                              .values(resource_type_id=type_id, resource_id=object_id))
        else:
            raise PackageError(f"handle {handle} is already in use")

    # -- metadata ----------------------------------------------------------------------------

    def field_id(self, v: MetadataValue, obj: ArchiveObject) -> int:
        key = (v.schema, v.element, v.qualifier)
        if key in self._fields:
            return self._fields[key]
        ms, mf = T.metadataschemaregistry, T.metadatafieldregistry
        sid = self.conn.execute(select(ms.c.metadata_schema_id)
                                .where(ms.c.short_id == v.schema)).scalar()
        if sid is None:
            schema = next((s for s in obj.schemas if s.prefix == v.schema), None)
            if not self.create_fields or schema is None or not schema.namespace:
                raise PackageError(f"Unknown Metadata Schema encountered ({v.schema})")
            if self.conn.execute(select(ms.c.metadata_schema_id)
                                 .where(ms.c.namespace == schema.namespace)).first():
                raise PackageError(f"Unknown Metadata Schema encountered ({v.schema}): its "
                                   f"namespace {schema.namespace} is registered under another "
                                   "prefix")
            sid = self.insert_row(ms, {"namespace": schema.namespace, "short_id": v.schema})
        qual = mf.c.qualifier.is_(None) if v.qualifier is None else mf.c.qualifier == v.qualifier
        fid = self.conn.execute(select(mf.c.metadata_field_id).where(
            mf.c.metadata_schema_id == sid, mf.c.element == v.element, qual)).scalar()
        if fid is None:
            if not self.create_fields:
                raise PackageError(f"Unknown Metadata Field encountered ({v.field_name}); "
                                   "-o createMetadataFields=true would create it")
            note = next((f.scope_note for f in obj.fields if (f.schema, f.element, f.qualifier)
                         == key), None)
            fid = self.insert_row(mf, {"metadata_schema_id": sid, "element": v.element,
                                       "qualifier": v.qualifier, "scope_note": note})
        self._fields[key] = int(fid)
        return int(fid)

    def set_metadata(self, item_id: int, obj: ArchiveObject,
                     values: list[MetadataValue], *, fresh: bool = False) -> None:
        mv = T.metadatavalue
        if not fresh:
            self.flush()
            self.conn.execute(delete(mv).where(mv.c.item_id == item_id))
        places: dict[int, int] = {}
        rows = []
        for v in values:
            fid = self.field_id(v, obj)
            places[fid] = places.get(fid, 0) + 1
            rows.append({"item_id": item_id, "metadata_field_id": fid, "text_value": v.value,
                         "text_lang": v.lang, "place": places[fid]})
        if fresh:
            self.buffer(mv, rows)
        elif rows:
            self.conn.execute(insert(mv), rows)

    # -- formats and bitstreams -------------------------------------------------------------

    def format_id(self, info: FormatInfo | None) -> int:
        if info is None:
            return unknown_format_id(self.conn)
        cache_key = (info.short_description, info.keys)
        if cache_key in self._formats:
            return self._formats[cache_key]
        fid = None
        for key in info.keys:
            fid = find_format_id(self.conn, key)
            if fid is not None:
                break
        reg = T.bitstreamformatregistry
        if fid is None and not info.keys:
            fid = self.conn.execute(select(reg.c.bitstream_format_id).where(
                reg.c.short_description == info.short_description)
                .order_by(reg.c.bitstream_format_id)).scalar()
            if fid is None and info.short_description in ("Unknown", "unknown", ""):
                fid = unknown_format_id(self.conn)
        if fid is None:  # create it from the package, as DSpace's findOrCreateBitstreamFormat
            if info.keys:
                fid = ensure_format(self.conn, Format(
                    keys=info.keys, name=info.short_description, version=None,
                    mime_type=info.mimetype, description=info.description,
                    extensions=info.extensions,
                    support_level=SupportLevel(min(max(info.support_level, 0), 2)),
                    internal=info.internal))
            else:
                fid = self.insert_row(reg, {
                    "mimetype": info.mimetype, "short_description": info.short_description,
                    "description": info.description, "support_level": info.support_level,
                    "internal": info.internal})
            for ext in info.extensions:
                self.conn.execute(insert(T.fileextension).values(bitstream_format_id=fid,
                                                                 extension=ext))
        self._formats[cache_key] = int(fid)
        return int(fid)

    def write_bitstream(self, bit: BitstreamRec, package: Package, where: str,
                        collect: dict[int, list[Policy]] | None = None) -> int | None:
        """Stream the entry into the asset store, verify it, and insert the bitstream row."""
        if bit.internal_id and not bit.entry_name:  # written by this run already
            asset = StoredAsset(bit.internal_id, bit.size, bit.checksum or "")
        elif package.manifest_only or not bit.entry_name:
            self.warnings.append(f"{where}: bitstream {bit.file_id} has no content in the "
                                 "package (manifestOnly); not restored")
            return None
        else:
            with package.open_entry(bit.entry_name) as fh:
                asset = self.store.write_stream(fh)  # type: ignore[arg-type]
        if asset.size != bit.size:
            raise PackageError(f"{where}: {bit.entry_name} has {asset.size} bytes, the manifest "
                               f"says {bit.size}")
        algorithm = (bit.checksum_algorithm or "MD5").upper()
        if bit.checksum and algorithm == "MD5" and asset.md5.lower() != bit.checksum.lower():
            raise PackageError(f"{where}: checksum mismatch for {bit.entry_name}: the manifest "
                               f"says {bit.checksum}, the content has {asset.md5}")
        format_id = self.format_id(bit.format)
        values = {
            "bitstream_format_id": format_id, "name": bit.name,
            "size_bytes": asset.size, "checksum": asset.md5, "checksum_algorithm": "MD5",
            "description": bit.description,
            "user_format_description": bit.user_format_description, "source": bit.source,
            "internal_id": asset.internal_id, "deleted": False, "store_number": 0,
            "sequence_id": bit.sequence_id,
            "format_confidence": bit.ident.confidence, "format_source": bit.ident.source,
            "format_basis": bit.ident.basis, "format_warning": bit.ident.warning,
        }
        bid = self.insert_row(T.bitstream, values, bit.id or None)
        if collect is None:
            self.set_policies(BITSTREAM, bid, bit.policies)
        else:
            collect[bid] = bit.policies
        if bit.ident.date is not None and bit.ident.date != DEFAULT_DATE:
            self._record_identification(bid, bit, format_id)
        return bid

    def _record_identification(self, bitstream_id: int, bit: BitstreamRec,
                               format_id: int) -> None:
        """Keep the identification date of the AIP in the format-change history."""
        ensure_history_table(self.conn)
        fmt = bit.format
        record(self.conn, [HistoryEntry(
            bitstream_id=bitstream_id, changed_by="bsf packager", action="restore",
            old_format_id=None, old_format_key=None, old_format_name=None,
            old_confidence=None, old_source=None, new_format_id=format_id,
            new_format_key=str(fmt.keys[0]) if fmt and fmt.keys else None,
            new_format_name=fmt.short_description if fmt else None,
            new_confidence=bit.ident.confidence, new_source=bit.ident.source,
            new_basis=bit.ident.basis, new_warning=bit.ident.warning,
            note="identification restored from an AIP", changed_at=bit.ident.date)])

    def remove_bitstream(self, bitstream_id: int) -> None:
        row = self.conn.execute(select(T.bitstream.c.internal_id, T.bitstream.c.store_number)
                                .where(T.bitstream.c.bitstream_id == bitstream_id)).first()
        rp = T.resourcepolicy
        self.conn.execute(delete(rp).where(rp.c.resource_type_id == BITSTREAM,
                                           rp.c.resource_id == bitstream_id))
        self.conn.execute(delete(T.bitstream).where(T.bitstream.c.bitstream_id == bitstream_id))
        if row is not None and row.internal_id:
            self.obsolete.append((row.internal_id, row.store_number or 0))

    # -- items ---------------------------------------------------------------------------------

    def write_item_content(self, item_id: int, obj: ArchiveObject, package: Package,
                           values: list[MetadataValue]) -> None:
        """Metadata, bundles, bitstreams, policies of a new or emptied item."""
        # no stale values can exist: metadatavalue.item_id is a foreign key of item
        self.set_metadata(item_id, obj, values, fresh=True)
        bit_policies: dict[int, list[Policy]] = {}
        bundle_policies: dict[int, list[Policy]] = {}
        where = f"{package.path.name}"
        # link rows are collected and inserted with one executemany each per item
        item_links: list[dict[str, object]] = []
        bundle_links: list[dict[str, object]] = []
        for bundle in obj.bundles:
            bundle_id = self.insert_row(T.bundle, {"name": bundle.name}, None)
            item_links.append({"item_id": item_id, "bundle_id": bundle_id})
            new_ids: dict[int, int] = {}
            for bit in bundle.bitstreams:
                bid = self.write_bitstream(bit, package, where, bit_policies)
                if bid is None:
                    continue
                new_ids[bit.id] = bid
                bundle_links.append({"bundle_id": bundle_id, "bitstream_id": bid})
            if bundle.primary_bitstream_id in new_ids:
                self.conn.execute(update(T.bundle).where(T.bundle.c.bundle_id == bundle_id)
                                  .values(primary_bitstream_id=new_ids[
                                      bundle.primary_bitstream_id]))
            bundle_policies[bundle_id] = bundle.policies
        self.buffer(T.item2bundle, item_links)
        self.buffer(T.bundle2bitstream, bundle_links)
        self.set_policies_multi([(BITSTREAM, bit_policies), (BUNDLE, bundle_policies),
                                 (ITEM, {item_id: obj.policies})])

    def clear_item(self, item_id: int) -> None:
        """Remove an item's metadata, bundles, bitstreams, policies and mappings (replace)."""
        self.flush()
        ib, bb = T.item2bundle, T.bundle2bitstream
        bundle_ids = list(self.conn.execute(select(ib.c.bundle_id)
                                            .where(ib.c.item_id == item_id)).scalars())
        if bundle_ids:
            self.conn.execute(update(T.bundle).where(T.bundle.c.bundle_id.in_(bundle_ids))
                              .values(primary_bitstream_id=None))
            bit_ids = list(self.conn.execute(select(bb.c.bitstream_id)
                                             .where(bb.c.bundle_id.in_(bundle_ids))).scalars())
            self.conn.execute(delete(bb).where(bb.c.bundle_id.in_(bundle_ids)))
            for bid in bit_ids:
                self.remove_bitstream(bid)
            self.conn.execute(delete(ib).where(ib.c.item_id == item_id))
            rp = T.resourcepolicy
            self.conn.execute(delete(rp).where(rp.c.resource_type_id == BUNDLE,
                                               rp.c.resource_id.in_(bundle_ids)))
            self.conn.execute(delete(T.bundle).where(T.bundle.c.bundle_id.in_(bundle_ids)))
        self.conn.execute(delete(T.metadatavalue).where(T.metadatavalue.c.item_id == item_id))
        self.conn.execute(delete(T.collection2item).where(T.collection2item.c.item_id == item_id))

    def map_item(self, item_id: int, collection_id: int, *, fresh: bool = False) -> None:
        """Map the item into the collection once. ``fresh``: the item was created by this
        run and not mapped yet (collection2item.item_id is a foreign key of item, so no
        older row can name it): no existence check."""
        ci = T.collection2item
        if fresh:
            self.buffer(ci, [{"collection_id": collection_id, "item_id": item_id}])
            return
        self.flush()
        if self.conn.execute(select(ci.c.id).where(ci.c.item_id == item_id,
                                                   ci.c.collection_id == collection_id)).first():
            return
        self.conn.execute(insert(ci).values(collection_id=collection_id, item_id=item_id))

    # -- containers --------------------------------------------------------------------------

    def container_values(self, obj: ArchiveObject) -> dict[str, object]:
        columns = COLLECTION_COLUMNS if obj.type_name == "COLLECTION" else COMMUNITY_COLUMNS
        values: dict[str, object] = {c: None for c, _, _ in columns}
        for column, element, qualifier in columns:
            found = [v.value for v in obj.metadata if v.schema == "dc" and v.element == element
                     and v.qualifier == qualifier]
            if found:
                values[column] = found[0]
        return values

    def set_logo(self, table: Table, key: object, object_id: int, obj: ArchiveObject,
                 package: Package) -> None:
        column = table.c.logo_bitstream_id
        old = self.conn.execute(select(column).where(key == object_id)).scalar()  # type: ignore[arg-type]
        new = self.write_bitstream(obj.logo, package, package.path.name) if obj.logo else None
        self.conn.execute(update(table).where(key == object_id).values(logo_bitstream_id=new))  # type: ignore[arg-type]
        if old is not None:
            self.remove_bitstream(int(old))

    def set_collection_roles(self, collection_id: int, roles: Roles) -> None:
        columns = {"ADMIN": "admin", "SUBMIT": "submitter", "WORKFLOW_STEP_1": "workflow_step_1",
                   "WORKFLOW_STEP_2": "workflow_step_2", "WORKFLOW_STEP_3": "workflow_step_3"}
        values: dict[str, object] = {c: None for c in columns.values()}
        for g in roles.groups:
            if g.role in columns:
                values[columns[g.role]] = self.group_id(g.name)
        self.conn.execute(update(T.collection).where(T.collection.c.collection_id ==
                                                     collection_id).values(**values))

    def exists(self, type_id: int, object_id: int) -> bool:
        key = _LIVE_TYPES[type_id][1]
        return self.conn.execute(select(key).where(key == object_id)).first() is not None

    def link(self, table: Table, **values: int) -> None:
        cond = and_(*[table.c[k] == v for k, v in values.items()])
        if not self.conn.execute(select(table.c.id).where(cond)).first():
            self.conn.execute(insert(table).values(**values))


class _IdsAbove:
    """Which ids above ``top`` (the table's highest id when the run first looked) a run has
    taken: one bit per id for the first ``BITMAP_IDS`` above it, a set beyond (a package
    with a huge id must not make the bitmap huge)."""

    BITMAP_IDS = 1 << 24  # 2 MiB of bits at most

    def __init__(self, top: int) -> None:
        self.top = top
        self.bits = bytearray()
        self.far: set[int] = set()

    def add(self, object_id: int) -> None:
        offset = object_id - self.top - 1
        if offset < 0:
            return
        if offset >= self.BITMAP_IDS:
            self.far.add(object_id)
            return
        if offset >> 3 >= len(self.bits):
            self.bits.extend(bytes((offset >> 3) + 1 - len(self.bits) + 1024))
        self.bits[offset >> 3] |= 1 << (offset & 7)

    def free(self, object_id: int) -> bool:
        """True when certainly free; False when the database must be asked."""
        offset = object_id - self.top - 1
        if offset < 0:
            return False
        if offset >= self.BITMAP_IDS:
            return object_id not in self.far
        byte = offset >> 3
        return byte >= len(self.bits) or not self.bits[byte] & (1 << (offset & 7))


__all__ = ["ArchiveWriter", "GroupRec"]
