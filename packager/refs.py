"""Naming objects of the archive: handles, DSpace resource types, and the tables to read.

Export, ingest and replication all start from a handle (``hdl:123456789/5``, a bare handle, or
the site's ``<prefix>/0``, which exists even without a handle row) and need the object it names
and whether the database is the renovated model or plain 1.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from archive.db import is_renovated
from archive.schema import COLLECTION, COMMUNITY, ITEM, SITE, T15, T16, Tables
from packager.model import COLLECTION_T, COMMUNITY_T, ITEM_T, SITE_T, utc

TYPE_NAMES = {SITE: SITE_T, COMMUNITY: COMMUNITY_T, COLLECTION: COLLECTION_T, ITEM: ITEM_T}
TYPE_IDS = {name: type_id for type_id, name in TYPE_NAMES.items()}
DEFAULT_PREFIX = "123456789"


def tables_for(conn: Connection) -> Tables:
    """T16 when the database has the renovated columns, else T15."""
    return T16 if is_renovated(conn) else T15


@dataclass(frozen=True)
class ObjRef:
    type_id: int
    id: int
    handle: str | None

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.type_id]


def site_handle(conn: Connection, t: Tables, prefix: str | None = None) -> str:
    row = conn.execute(select(t.handle.c.handle).where(t.handle.c.resource_type_id == SITE)
                       .order_by(t.handle.c.handle_id).limit(1)).first()
    if row is not None:
        return str(row.handle)
    return f"{prefix or DEFAULT_PREFIX}/0"


def handle_of(conn: Connection, t: Tables, type_id: int, object_id: int) -> str | None:
    row = conn.execute(select(t.handle.c.handle).where(
        t.handle.c.resource_type_id == type_id, t.handle.c.resource_id == object_id)
        .order_by(t.handle.c.handle_id).limit(1)).first()
    return None if row is None else str(row.handle)


def resolve(conn: Connection, t: Tables, handle: str, prefix: str | None = None) -> ObjRef | None:
    """The object a handle names; ``<prefix>/0`` is the site even without a handle row."""
    handle = handle.strip()
    for prefix in ("hdl:", "info:hdl/", "http://hdl.handle.net/", "https://hdl.handle.net/"):
        if handle.lower().startswith(prefix):
            handle = handle[len(prefix):]
    row = conn.execute(select(t.handle.c.resource_type_id, t.handle.c.resource_id)
                       .where(t.handle.c.handle == handle)).first()
    if row is not None and row.resource_type_id is not None and row.resource_id is not None:
        if int(row.resource_type_id) not in TYPE_NAMES:
            return None
        return ObjRef(int(row.resource_type_id), int(row.resource_id), handle)
    if handle == site_handle(conn, t, prefix):
        return ObjRef(SITE, 0, handle)
    return None


def updated_since(conn: Connection, t: Tables, item_id: int, when: datetime) -> bool:
    """True when the item's last_modified is after ``when`` (updatedAfter)."""
    value = conn.execute(select(t.item.c.last_modified).where(t.item.c.item_id == item_id)).scalar()
    value = utc(value)
    return value is None or value > when
