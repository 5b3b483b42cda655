"""Build small renovated test archives directly (tables + rows + asset files)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select

from archive.assetstore import AssetStore
from archive.formatcache import ensure_format, unknown_format_id
from archive.init import init_archive
from archive.schema import BITSTREAM, COLLECTION, COMMUNITY, ITEM, T16
from formats.model import Confidence
from registries.model import Format, FormatKey

PREFIX = "123456789"
ADMIN = "admin@example.org"
T = T16


@dataclass
class Built:
    handles: dict[str, str] = field(default_factory=dict)  # label -> handle
    ids: dict[str, int] = field(default_factory=dict)


def new_archive(engine: Engine, admin: str = ADMIN) -> None:
    init_archive(engine, renovated=True, admin_email=admin)


def store_at(path: Path) -> AssetStore:
    path.mkdir(parents=True, exist_ok=True)
    return AssetStore({0: path})


class Builder:
    def __init__(self, conn: Connection, store: AssetStore) -> None:
        self.conn = conn
        self.store = store
        self.next_handle = 1
        self.built = Built()

    def handle(self, type_id: int, object_id: int, label: str) -> str:
        h = f"{PREFIX}/{self.next_handle}"
        self.next_handle += 1
        self.conn.execute(insert(T.handle).values(handle=h, resource_type_id=type_id,
                                                  resource_id=object_id))
        self.built.handles[label] = h
        self.built.ids[label] = object_id
        return h

    def community(self, label: str, name: str, parent: int | None = None) -> int:
        cid = self.conn.execute(insert(T.community).values(
            name=name, short_description=f"{name} short", introductory_text="intro")
        ).inserted_primary_key[0]
        if parent is not None:
            self.conn.execute(insert(T.community2community).values(parent_comm_id=parent,
                                                                   child_comm_id=cid))
        self.handle(COMMUNITY, cid, label)
        return cid

    def collection(self, label: str, name: str, community: int, *,
                   workflow_group: int | None = None) -> int:
        cid = self.conn.execute(insert(T.collection).values(
            name=name, short_description=f"{name} short", license="Deposit me",
            workflow_step_1=workflow_group)).inserted_primary_key[0]
        self.conn.execute(insert(T.community2collection).values(community_id=community,
                                                                collection_id=cid))
        self.handle(COLLECTION, cid, label)
        return cid

    def group(self, name: str, members: list[int] = ()) -> int:
        gid = self.conn.execute(insert(T.epersongroup).values(name=name)).inserted_primary_key[0]
        for m in members:
            self.conn.execute(insert(T.epersongroup2eperson).values(eperson_group_id=gid,
                                                                    eperson_id=m))
        return gid

    def person(self, email: str) -> int:
        return self.conn.execute(insert(T.eperson).values(
            email=email, firstname="F", lastname=email.split("@")[0], can_log_in=True,
            password="hash-" + email)).inserted_primary_key[0]

    def policy(self, type_id: int, object_id: int, action: int, group: int | None = None,
               eperson: int | None = None, start: datetime | None = None) -> None:
        self.conn.execute(insert(T.resourcepolicy).values(
            resource_type_id=type_id, resource_id=object_id, action_id=action,
            epersongroup_id=group, eperson_id=eperson, start_date=start))

    def field_id(self, schema: str, element: str, qualifier: str | None,
                 namespace: str | None = None) -> int:
        ms, mf = T.metadataschemaregistry, T.metadatafieldregistry
        sid = self.conn.execute(select(ms.c.metadata_schema_id)
                                .where(ms.c.short_id == schema)).scalar()
        if sid is None:
            sid = self.conn.execute(insert(ms).values(
                short_id=schema, namespace=namespace or f"http://example.org/{schema}")
            ).inserted_primary_key[0]
        q = mf.c.qualifier.is_(None) if qualifier is None else mf.c.qualifier == qualifier
        fid = self.conn.execute(select(mf.c.metadata_field_id).where(
            mf.c.metadata_schema_id == sid, mf.c.element == element, q)).scalar()
        if fid is None:
            fid = self.conn.execute(insert(mf).values(
                metadata_schema_id=sid, element=element, qualifier=qualifier)
            ).inserted_primary_key[0]
        return int(fid)

    def pdf_format(self) -> int:
        fid = ensure_format(self.conn, Format(
            keys=(FormatKey("PRONOM", "fmt/18"), FormatKey("Provisional", "PDF")),
            name="Acrobat PDF 1.4 - Portable Document Format", version="1.4",
            mime_type="application/pdf", extensions=("pdf",)))
        if not self.conn.execute(select(T.fileextension.c.file_extension_id).where(
                T.fileextension.c.bitstream_format_id == fid)).first():
            self.conn.execute(insert(T.fileextension).values(bitstream_format_id=fid,
                                                             extension="pdf"))
        return fid

    def bitstream(self, data: bytes, name: str, fmt: int | None, seq: int = 1,
                  ident: bool = True) -> int:
        asset = self.store.write_bytes(data)
        values = dict(
            bitstream_format_id=fmt, name=name, size_bytes=asset.size, checksum=asset.md5,
            checksum_algorithm="MD5", internal_id=asset.internal_id, deleted=False,
            store_number=0, sequence_id=seq, source=name, description=None)
        if ident:
            values.update(format_confidence=int(Confidence.POSITIVE_SPECIFIC),
                          format_source="org.dspace.content.format.DROIDIdentifier",
                          format_basis="byte match at [[0 8]]", format_warning=None)
        return int(self.conn.execute(insert(T.bitstream).values(**values))
                   .inserted_primary_key[0])

    def item(self, label: str, collection: int, title: str, *, files: int = 1,
             submitter: int | None = None, extra: list[tuple[str, str, str | None, str]] = (),
             modified: datetime | None = None, withdrawn: bool = False) -> int:
        iid = self.conn.execute(insert(T.item).values(
            submitter_id=submitter, in_archive=not withdrawn, withdrawn=withdrawn,
            last_modified=modified or datetime(2020, 5, 17, 10, 30, 5, tzinfo=UTC),
            owning_collection=collection)).inserted_primary_key[0]
        self.conn.execute(insert(T.collection2item).values(collection_id=collection,
                                                           item_id=iid))
        h = self.handle(ITEM, iid, label)
        values = [("dc", "title", None, title), ("dc", "contributor", "author", "Doe, Jane"),
                  ("dc", "date", "issued", "2001"), ("dc", "identifier", "uri",
                                                    f"http://hdl.handle.net/{h}"), *extra]
        for place, (schema, element, qualifier, value) in enumerate(values, 1):
            self.conn.execute(insert(T.metadatavalue).values(
                item_id=iid, metadata_field_id=self.field_id(schema, element, qualifier),
                text_value=value, text_lang="en", place=place))
        bundle = self.conn.execute(insert(T.bundle).values(name="ORIGINAL")).inserted_primary_key[0]
        self.conn.execute(insert(T.item2bundle).values(item_id=iid, bundle_id=bundle))
        pdf = self.pdf_format()
        for n in range(files):
            data = b"%PDF-1.4\n" + hashlib.sha256(f"{title}{n}".encode()).digest() * 40
            bid = self.bitstream(data, f"file{n}.pdf", pdf, seq=n + 1)
            self.conn.execute(insert(T.bundle2bitstream).values(bundle_id=bundle,
                                                                bitstream_id=bid))
            self.policy(BITSTREAM, bid, 0, group=0)
        lic = self.conn.execute(insert(T.bundle).values(name="LICENSE")).inserted_primary_key[0]
        self.conn.execute(insert(T.item2bundle).values(item_id=iid, bundle_id=lic))
        lid = self.bitstream(b"I grant the license.", "license.txt",
                             unknown_format_id(self.conn), seq=files + 1, ident=False)
        self.conn.execute(insert(T.bundle2bitstream).values(bundle_id=lic, bitstream_id=lid))
        self.policy(ITEM, iid, 0, group=0)
        return iid


def build_site(engine: Engine, store: AssetStore, *, items: int = 3) -> Built:
    """A site: community > (subcommunity > collection B) + collection A; items, a mapped item,
    a custom schema, groups with members, policies with dates, a logo, a withdrawn item."""
    with engine.begin() as conn:
        b = Builder(conn, store)
        alice = b.person("alice@example.org")
        bob = b.person("bob@example.org")
        editors = b.group("Editors", [alice, bob])
        top = b.community("top", "Top Community")
        sub = b.community("sub", "Sub Community", parent=top)
        col_a = b.collection("colA", "Collection A", top)
        col_b = b.collection("colB", "Collection B", sub, workflow_group=editors)
        submit = b.group(f"COLLECTION_{col_a}_SUBMIT", [alice])
        conn.execute(T.collection.update().where(T.collection.c.collection_id == col_a)
                     .values(submitter=submit))
        b.policy(COLLECTION, col_a, 3, group=editors,
                 start=datetime(2019, 1, 1, tzinfo=UTC))
        b.policy(COMMUNITY, top, 0, group=0)
        logo = b.bitstream(b"\x89PNG\r\n\x1a\nlogo", "logo.png", unknown_format_id(conn),
                           ident=False)
        conn.execute(T.community.update().where(T.community.c.community_id == top)
                     .values(logo_bitstream_id=logo))
        for n in range(items):
            b.item(f"item{n}", col_a if n % 2 == 0 else col_b, f"Item {n}", files=1 + n % 2,
                   submitter=alice,
                   extra=[("custom", "note", None, f"custom value {n}")] if n == 0 else [])
        from archive.history import HistoryEntry, ensure_history_table, record

        ensure_history_table(conn)
        first_pdf = conn.execute(select(T.bitstream.c.bitstream_id).where(
            T.bitstream.c.name == "file0.pdf").order_by(T.bitstream.c.bitstream_id)).scalar()
        record(conn, [HistoryEntry(
            bitstream_id=first_pdf, changed_by="tester", action="set", old_format_id=None,
            old_format_key=None, old_format_name=None, old_confidence=None, old_source=None,
            new_format_id=None, new_format_key="PRONOM:fmt/18", new_format_name=None,
            new_confidence=4, new_source="org.dspace.content.format.DROIDIdentifier",
            changed_at=datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC))])
        mapped = b.built.ids["item0"]
        conn.execute(insert(T.collection2item).values(collection_id=col_b, item_id=mapped))
        b.item("withdrawn", col_a, "Gone", withdrawn=True, submitter=bob)
        return b.built
