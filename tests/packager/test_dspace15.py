"""AIPs of a plain DSpace 1.5 archive (before the upgrade) restore into the renovated model."""

from __future__ import annotations

import zipfile

from lxml import etree
from sqlalchemy import insert, select

from archive.db import open_engine
from archive.init import init_archive
from archive.schema import COLLECTION, COMMUNITY, ITEM, T15, T16
from packager.export import export_aip
from packager.ingest import ingest_aip
from packager.options import Mode
from packager.xmlns import PREMIS
from tests.packager.builder import ADMIN, new_archive, store_at


def test_15_archive_exports_and_restores(tmp_path) -> None:
    t = T15
    source = open_engine(f"sqlite:///{tmp_path / 'old.db'}")
    init_archive(source, admin_email=ADMIN)
    store = store_at(tmp_path / "store")
    asset = store.write_bytes(b"%PDF-1.2 old file")
    with source.begin() as conn:
        pdf = conn.execute(select(t.bitstreamformatregistry.c.bitstream_format_id).where(
            t.bitstreamformatregistry.c.short_description == "Adobe PDF")).scalar()
        conn.execute(insert(t.community).values(community_id=1, name="C"))
        conn.execute(insert(t.collection).values(collection_id=1, name="K"))
        conn.execute(insert(t.community2collection).values(community_id=1, collection_id=1))
        conn.execute(insert(t.item).values(item_id=1, in_archive=True, withdrawn=False,
                                           owning_collection=1))
        conn.execute(insert(t.collection2item).values(collection_id=1, item_id=1))
        conn.execute(insert(t.bundle).values(bundle_id=1, name="ORIGINAL"))
        conn.execute(insert(t.item2bundle).values(item_id=1, bundle_id=1))
        conn.execute(insert(t.bitstream).values(
            bitstream_id=1, bitstream_format_id=pdf, name="old.pdf", size_bytes=asset.size,
            checksum=asset.md5, checksum_algorithm="MD5", internal_id=asset.internal_id,
            deleted=False, store_number=0, sequence_id=1))
        conn.execute(insert(t.bundle2bitstream).values(bundle_id=1, bitstream_id=1))
        conn.execute(insert(t.handle), [
            {"handle": "123456789/1", "resource_type_id": COMMUNITY, "resource_id": 1},
            {"handle": "123456789/2", "resource_type_id": COLLECTION, "resource_id": 1},
            {"handle": "123456789/3", "resource_type_id": ITEM, "resource_id": 1}])
    out = tmp_path / "aips"
    export_aip(source, store, "123456789/0", out / "site.zip", recursive=True, eperson=ADMIN,
               use_registries=False)
    with zipfile.ZipFile(out / "ITEM@123456789-3.zip") as z:
        root = etree.fromstring(z.read("mets.xml"))
        assert "bitstream_1.pdf" in z.namelist()
    fmt = root.find(f".//{{{PREMIS}}}format")
    assert fmt.findtext(f".//{{{PREMIS}}}formatName") == "Adobe PDF"
    assert fmt.find(f"{{{PREMIS}}}formatRegistry") is None  # 1.5: no external key
    assert root.find(f".//{{{PREMIS}}}event") is None  # and no identification to report

    target = open_engine(f"sqlite:///{tmp_path / 'new.db'}")
    new_archive(target)
    ingest_aip(target, store_at(tmp_path / "store2"), out / "site.zip", mode=Mode.REPLACE,
               recursive=True, eperson=ADMIN)
    with target.connect() as conn:
        row = conn.execute(select(T16.bitstreamformatregistry.c.short_description,
                                  T16.bitstreamformatregistry.c.mimetype)
                           .join(T16.bitstream, T16.bitstream.c.bitstream_format_id ==
                                 T16.bitstreamformatregistry.c.bitstream_format_id)).one()
    assert tuple(row) == ("Adobe PDF", "application/pdf")  # created from the package
