"""A collection's item template on ingest: the item whose metadata new submissions start from.

DSpace keeps it as an item row that is never archived (no handle, no collection membership),
named by ``collection.template_item_id``. Export writes its metadata into the collection's AIP
(see :mod:`packager.mets_write`); ingest replaces the collection's template by the AIP's: the
old template item and its metadata go, a new one is created when the AIP has one. Template
items carry metadata only (DSpace gives them no bitstreams).
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from archive.schema import ITEM, T16
from bsfcore.runtime import now
from packager.model import ArchiveObject
from packager.writing import ArchiveWriter

T = T16


def replace_template(writer: ArchiveWriter, collection_id: int, obj: ArchiveObject) -> None:
    """Give the collection the AIP's item template (none when the AIP has none)."""
    conn = writer.conn
    writer.flush()
    old = conn.execute(select(T.collection.c.template_item_id)
                       .where(T.collection.c.collection_id == collection_id)).scalar()
    if old is not None:
        conn.execute(update(T.collection).where(T.collection.c.collection_id == collection_id)
                     .values(template_item_id=None))
        writer.clear_item(int(old))
        rp = T.resourcepolicy
        conn.execute(delete(rp).where(rp.c.resource_type_id == ITEM, rp.c.resource_id == int(old)))
        conn.execute(delete(T.item).where(T.item.c.item_id == int(old)))
    if obj.template is None:
        return
    item_id = writer.insert_row(T.item, {
        "submitter_id": None, "in_archive": False, "withdrawn": False,
        "last_modified": now(whole_seconds=True), "owning_collection": None})
    writer.set_metadata(item_id, obj, list(obj.template))
    conn.execute(update(T.collection).where(T.collection.c.collection_id == collection_id)
                 .values(template_item_id=item_id))


__all__ = ["replace_template"]
