"""Where an AIP's handles live in this archive, during one ingest run.

A run restores objects whose handles may already be taken (submit, ``ignoreHandle``) or whose
rows are still queued in the writer's buffers (restore batches rows per table), so a handle is
looked up in this order: the run's own map (AIP handle -> local handle), the handles bound by
queued rows, the database, and the site handle computed at the start. Containers found are
cached: a run never unbinds a handle, and every item of a collection asks for the same parent.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from archive.schema import ITEM, SITE, T16
from packager.refs import TYPE_NAMES, ObjRef, resolve
from packager.writing import ArchiveWriter

T = T16


class RunHandles:
    """Handle resolution for one run of :func:`packager.ingest.ingest_aip`."""

    def __init__(self, conn: Connection, writer: ArchiveWriter) -> None:
        self.conn = conn
        self.w = writer
        #: local handle -> container (community, collection, site) found this run
        self.containers: dict[str, ObjRef] = {}

    def map(self, original: str, local: str | None) -> None:
        """Record where an AIP's handle lives here; identical handles need no entry."""
        if local != original:
            self.w.handle_map[original] = local

    def local(self, handle: str | None) -> str | None:
        if handle is None:
            return None
        return self.w.handle_map.get(handle, handle)

    def resolve(self, handle: str | None) -> ObjRef | None:
        """Resolve through the run's handle map; containers found are cached (a run never
        unbinds a handle, and every item of a collection asks for the same parent)."""
        local = self.local(handle)
        if not local:
            return None
        if local in self.containers:
            return self.containers[local]
        ref = self.lookup(local)
        if ref is not None and ref.type_id != ITEM:
            self.containers[local] = ref
        return ref

    def lookup(self, handle: str) -> ObjRef | None:
        """``resolve`` with the site handle known: the writer computed it at the start and
        a run never binds a SITE handle, so a miss needs no second query."""
        handle = handle.strip()
        if handle in self.w.pending_handles:  # bound by a queued row (writer.buffer)
            return ObjRef(ITEM, self.w.pending_handles[handle], handle)
        if handle.lower().startswith(("hdl:", "info:hdl/", "http://hdl.handle.net/",
                                      "https://hdl.handle.net/")):
            return self.resolve_now(handle)
        row = self.conn.execute(select(T.handle.c.resource_type_id, T.handle.c.resource_id)
                                .where(T.handle.c.handle == handle)).first()
        if row is not None and row.resource_type_id is not None \
                and row.resource_id is not None:
            if int(row.resource_type_id) not in TYPE_NAMES:
                return None
            return ObjRef(int(row.resource_type_id), int(row.resource_id), handle)
        if row is None:
            self.w.known_absent = handle
        if handle == self.w.site_handle:
            return ObjRef(SITE, 0, handle)
        return None

    def resolve_now(self, handle: str) -> ObjRef | None:
        """``resolve`` after the writer's queued rows are in the database."""
        self.w.flush()
        return resolve(self.conn, T, handle, self.w.prefix)

    def items_by_handle(self, handles: list[str]) -> dict[str, int]:
        """Item ids of several local handles, one query per 1000 (plain handles only)."""
        self.w.flush()
        h = T.handle
        found: dict[str, int] = {}
        for start in range(0, len(handles), 1000):
            for handle, rid in self.conn.execute(
                    select(h.c.handle, h.c.resource_id).where(
                        h.c.handle.in_(handles[start:start + 1000]),
                        h.c.resource_type_id == ITEM, h.c.resource_id.is_not(None))):
                found[str(handle)] = int(rid)
        return found
