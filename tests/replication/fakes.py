"""A stand-in AIP exporter for queue/sync tests that must not depend on the METS packager.

It writes a deterministic zip holding the object's rows as JSON (metadata, bitstreams with
their format columns, child handles), so any change the real AIP would show changes the zip.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from sqlalchemy import Engine, select

from archive.queries import handle_of
from archive.schema import COLLECTION, COMMUNITY, ITEM, T16
from replication.aip import BuiltAip, ChildPackage, locate

T = T16


class RowsPackager:
    def __init__(self) -> None:
        self.builds: list[str] = []

    def context(self) -> str:
        return "rows-packager"

    def site_handle(self, engine: Engine) -> str | None:
        return None  # builds no SITE AIP

    def build(self, engine: Engine, handle: str, staging: Path) -> BuiltAip:
        type_name, rid, parent = locate(engine, handle)
        doc: dict[str, object] = {"type": type_name, "handle": handle, "parent": parent}
        with engine.connect() as conn:
            if type_name == "ITEM":
                doc["metadata"] = [list(r) for r in conn.execute(
                    select(T.metadatavalue.c.metadata_field_id, T.metadatavalue.c.text_value)
                    .where(T.metadatavalue.c.item_id == rid)
                    .order_by(T.metadatavalue.c.metadata_value_id))]
                doc["bitstreams"] = [
                    [r.bitstream_id, r.name, r.checksum, r.bitstream_format_id,
                     r.format_confidence, r.format_source]
                    for r in conn.execute(
                        select(T.bitstream)
                        .join(T.bundle2bitstream,
                              T.bundle2bitstream.c.bitstream_id == T.bitstream.c.bitstream_id)
                        .join(T.item2bundle,
                              T.item2bundle.c.bundle_id == T.bundle2bitstream.c.bundle_id)
                        .where(T.item2bundle.c.item_id == rid)
                        .order_by(T.bitstream.c.bitstream_id))]
            elif type_name == "COLLECTION":
                doc["children"] = sorted(
                    handle_of(conn, ITEM, r[0]) or "" for r in conn.execute(
                        select(T.collection2item.c.item_id)
                        .where(T.collection2item.c.collection_id == rid)))
            else:
                doc["children"] = sorted(
                    handle_of(conn, COLLECTION, r[0]) or "" for r in conn.execute(
                        select(T.community2collection.c.collection_id)
                        .where(T.community2collection.c.community_id == rid)))
                doc["subcommunities"] = sorted(
                    handle_of(conn, COMMUNITY, r[0]) or "" for r in conn.execute(
                        select(T.community2community.c.child_comm_id)
                        .where(T.community2community.c.parent_comm_id == rid)))
        path = staging / f"{type_name}@{handle.replace('/', '-')}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(zipfile.ZipInfo("object.json", (2002, 11, 4, 0, 0, 0)),
                             json.dumps(doc, sort_keys=True))
        data = path.read_bytes()
        self.builds.append(handle)
        return BuiltAip(path, type_name, handle, parent, hashlib.md5(data).hexdigest(),
                        len(data))

    def children(self, package: Path) -> list[ChildPackage]:
        raise NotImplementedError("RowsPackager cannot read packages")

    def restore(self, engine: Engine, top: Path) -> list[str]:
        raise NotImplementedError("RowsPackager cannot restore")

    def restore_site(self, engine: Engine, top: Path) -> list[str]:
        raise NotImplementedError("RowsPackager cannot restore")
