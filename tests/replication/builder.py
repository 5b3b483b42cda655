"""A small renovated archive the replication tests build themselves (no shared data needed).

    COMMUNITY 123456789/1 "Top"
      COLLECTION 123456789/2 "Alpha": items /4 /5 /6
      COLLECTION 123456789/3 "Beta":  items /7 /8, and item /6 mapped in too
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, select

from archive.assetstore import AssetStore
from archive.formatcache import ensure_format
from archive.init import dc_field_ids, init_archive
from archive.schema import COLLECTION, COMMUNITY, ITEM, T16
from formats.model import Confidence
from registries.model import Format, FormatKey

T = T16
ADMIN = "admin@example.org"
PREFIX = "123456789"
WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


@dataclass
class SmallArchive:
    community: str = f"{PREFIX}/1"
    alpha: str = f"{PREFIX}/2"
    beta: str = f"{PREFIX}/3"
    alpha_items: list[str] = field(default_factory=lambda: [f"{PREFIX}/{n}" for n in (4, 5, 6)])
    beta_items: list[str] = field(default_factory=lambda: [f"{PREFIX}/{n}" for n in (7, 8)])
    #: handle -> item_id
    item_ids: dict[str, int] = field(default_factory=dict)
    #: handle -> bitstream ids
    bitstreams: dict[str, list[int]] = field(default_factory=dict)

    @property
    def items(self) -> list[str]:
        return [*self.alpha_items, *self.beta_items]


def _id(conn: Connection, stmt) -> int:  # type: ignore[no-untyped-def]
    return int(conn.execute(stmt).inserted_primary_key[0])


def build_small_archive(engine: Engine, assets: AssetStore) -> SmallArchive:
    init_archive(engine, renovated=True, admin_email=ADMIN)
    archive = SmallArchive()
    with engine.begin() as conn:
        pdf = ensure_format(conn, Format((FormatKey("PRONOM", "fmt/276"),), "Acrobat PDF 1.7",
                                         "1.7", "application/pdf", extensions=("pdf",)))
        txt = ensure_format(conn, Format((FormatKey("PRONOM", "x-fmt/111"),), "Plain Text File",
                                         None, "text/plain", extensions=("txt",)))
        admin = conn.execute(select(T.eperson.c.eperson_id)
                             .where(T.eperson.c.email == ADMIN)).scalar_one()
        title = dc_field_ids(conn, T)["dc.title"]
        comm = _id(conn, insert(T.community).values(name="Top", short_description="top"))
        conn.execute(insert(T.handle).values(handle=archive.community,
                                             resource_type_id=COMMUNITY, resource_id=comm))
        cols: dict[str, int] = {}
        for handle, name in ((archive.alpha, "Alpha"), (archive.beta, "Beta")):
            cid = _id(conn, insert(T.collection).values(name=name, short_description=name))
            cols[handle] = cid
            conn.execute(insert(T.handle).values(handle=handle, resource_type_id=COLLECTION,
                                                 resource_id=cid))
            conn.execute(insert(T.community2collection).values(community_id=comm,
                                                               collection_id=cid))
        for number, handle in enumerate(archive.items):
            owner = archive.alpha if handle in archive.alpha_items else archive.beta
            item = _id(conn, insert(T.item).values(
                submitter_id=admin, in_archive=True, withdrawn=False, last_modified=WHEN,
                owning_collection=cols[owner]))
            archive.item_ids[handle] = item
            conn.execute(insert(T.handle).values(handle=handle, resource_type_id=ITEM,
                                                 resource_id=item))
            conn.execute(insert(T.collection2item).values(collection_id=cols[owner],
                                                          item_id=item))
            conn.execute(insert(T.metadatavalue).values(
                item_id=item, metadata_field_id=title, text_value=f"Item {handle}", place=1))
            bundle = _id(conn, insert(T.bundle).values(name="ORIGINAL"))
            conn.execute(insert(T.item2bundle).values(item_id=item, bundle_id=bundle))
            archive.bitstreams[handle] = []
            for seq, (ext, fmt) in enumerate((("pdf", pdf), ("txt", txt)), 1):
                data = (f"%PDF-1.7 item {number}\n" if ext == "pdf"
                        else f"plain text of item {number}\n").encode() * (number + 1)
                asset = assets.write_bytes(data)
                bit = _id(conn, insert(T.bitstream).values(
                    bitstream_format_id=fmt, name=f"file{number}.{ext}", size_bytes=len(data),
                    checksum=hashlib.md5(data).hexdigest(), checksum_algorithm="MD5",
                    internal_id=asset.internal_id, deleted=False, store_number=0,
                    sequence_id=seq, source=f"file{number}.{ext}",
                    format_confidence=int(Confidence.POSITIVE_SPECIFIC),
                    format_source="org.dspace.content.format.DROIDIdentifier",
                    format_basis="byte match at [[0 8]]"))
                archive.bitstreams[handle].append(bit)
                conn.execute(insert(T.bundle2bitstream).values(bundle_id=bundle,
                                                               bitstream_id=bit))
        # item /6 is mapped into Beta as well
        conn.execute(insert(T.collection2item).values(
            collection_id=cols[archive.beta], item_id=archive.item_ids[f"{PREFIX}/6"]))
    return archive
