"""Ingest: round trip, every mode and option, rollback of database AND asset store."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert, select, update

from archive.schema import T16
from bsfcore.errors import PackageError
from formats.model import Confidence
from packager.ingest import ingest_aip
from packager.options import Mode
from packager.workflow import WORKFLOWITEM
from tests.packager.builder import ADMIN, store_at
from tests.packager.ingest_helpers import SITE, export_site, snapshot, target_archive

T = T16
SKIP = ["skipIfParentMissing=true"]


def _pkg(folder, type_name: str, handle: str):
    return folder / f"{type_name}@{handle.replace('/', '-')}.zip"


def _aips(site):
    folder = site.tmp / "aips"
    return folder, export_site(site.engine, site.store, folder)


def test_site_round_trip_is_byte_identical(site, tmp_path, request) -> None:
    folder, before = _aips(site)
    with target_archive(site.engine, tmp_path, request) as target:
        store = store_at(tmp_path / "store2")
        result = ingest_aip(target, store, folder / "SITE@123456789-0.zip", mode=Mode.REPLACE,
                            recursive=True, eperson=ADMIN, options=SKIP)
        assert len(result.created) == 8
        after = export_site(target, store, tmp_path / "again")
        assert after == before
        with target.connect() as conn:
            bit = conn.execute(select(T.bitstream).where(
                T.bitstream.c.format_source.is_not(None))).first()
            assert bit.format_confidence == int(Confidence.POSITIVE_SPECIFIC)
            assert bit.format_basis == "byte match at [[0 8]]"
            from archive.history import FORMAT_HISTORY

            when = conn.execute(select(FORMAT_HISTORY.c.changed_at)).scalar()
            assert when.replace(tzinfo=None) == datetime(2024, 3, 1, 12, 0, 0, 123456)
            ns = conn.execute(select(T.metadataschemaregistry.c.namespace).where(
                T.metadataschemaregistry.c.short_id == "custom")).scalar()
            assert ns == "http://example.org/custom"
        # sequences are past the restored ids: DSpace's next inserts do not collide
        with target.begin() as conn:
            conn.execute(insert(T.item).values(in_archive=True, withdrawn=False))
            conn.execute(insert(T.bitstream).values(name="x", deleted=False))
            conn.execute(insert(T.handle).values(handle="123456789/999", resource_type_id=2,
                                                 resource_id=1))


def test_restore_rolls_back_everything_when_an_object_exists(site) -> None:
    folder, _ = _aips(site)
    before = snapshot(site.engine, site.tmp / "store")
    with pytest.raises(PackageError, match="Group Administrator already exists"):
        ingest_aip(site.engine, site.store, folder / "SITE@123456789-0.zip", mode=Mode.RESTORE,
                   recursive=True, eperson=ADMIN)
    col = site.built.handles["colA"]
    with pytest.raises(PackageError, match=f"COLLECTION {col} already exists"):
        ingest_aip(site.engine, site.store, folder / f"COLLECTION@{col.replace('/', '-')}.zip",
                   mode=Mode.RESTORE, recursive=True, eperson=ADMIN)
    assert snapshot(site.engine, site.tmp / "store") == before


def test_restore_failure_midway_leaves_no_rows_and_no_files(lite_site, tmp_path) -> None:
    site = lite_site
    folder, _ = _aips(site)
    from archive.db import open_engine
    from tests.packager.builder import new_archive

    target = open_engine(f"sqlite:///{tmp_path / 't.db'}")
    new_archive(target)
    store_dir = tmp_path / "s2"
    store = store_at(store_dir)
    before = snapshot(target, store_dir)
    # without skipIfParentMissing the mapped item stops the run after items were written
    with pytest.raises(PackageError, match="Could not find a parent DSpaceObject referenced as"):
        ingest_aip(target, store, folder / "SITE@123456789-0.zip", mode=Mode.REPLACE,
                   recursive=True, eperson=ADMIN)
    assert snapshot(target, store_dir) == before


def test_keep_existing_skips_object_and_children(lite_site, tmp_path) -> None:
    site = lite_site
    folder, _ = _aips(site)
    h = site.built.handles
    with site.engine.begin() as conn:  # collection A and two of its items are gone
        for label in ("colA", "item0", "item2"):
            conn.execute(update(T.handle).where(T.handle.c.handle == h[label])
                         .values(resource_id=None))
    # an existing collection is skipped with its children
    result = ingest_aip(site.engine, site.store, _pkg(folder, "COLLECTION", h["colB"]),
                        mode=Mode.KEEP_EXISTING, recursive=True, eperson=ADMIN, options=SKIP)
    assert result.skipped == [("COLLECTION", h["colB"])] and result.created == []
    # a missing one is restored; of its children only the missing ones
    result = ingest_aip(site.engine, site.store, _pkg(folder, "COLLECTION", h["colA"]),
                        mode=Mode.KEEP_EXISTING, recursive=True, eperson=ADMIN, options=SKIP)
    assert {x for _, x in result.created} == {h["colA"], h["item0"], h["item2"]}
    assert result.skipped == [("ITEM", h["withdrawn"])]


def test_replace_overwrites_and_deletes_old_files_after_commit(site) -> None:
    folder, _ = _aips(site)
    handle = site.built.handles["item1"]
    item_id = site.built.ids["item1"]
    with site.engine.begin() as conn:
        conn.execute(update(T.metadatavalue).where(T.metadatavalue.c.item_id == item_id)
                     .values(text_value="changed"))
    files_before = {p.name for p in (site.tmp / "store").rglob("*") if p.is_file()}
    result = ingest_aip(site.engine, site.store, folder / f"ITEM@{handle.replace('/', '-')}.zip",
                        mode=Mode.REPLACE, eperson=ADMIN, identifier=handle)
    assert result.replaced == [("ITEM", handle)]
    with site.engine.connect() as conn:
        values = set(conn.execute(select(T.metadatavalue.c.text_value)
                                  .where(T.metadatavalue.c.item_id == item_id)).scalars())
    assert "changed" not in values and "Item 1" in values
    files_after = {p.name for p in (site.tmp / "store").rglob("*") if p.is_file()}
    assert len(files_after) == len(files_before)  # old assets gone, new ones in
    assert files_after != files_before
    again = export_site(site.engine, site.store, site.tmp / "again")
    assert again == export_site(site.engine, site.store, site.tmp / "again2")


def test_submit_new_handle_license_and_workflow(site) -> None:
    folder, _ = _aips(site)
    item = folder / f"ITEM@{site.built.handles['item0'].replace('/', '-')}.zip"
    col_a, col_b = site.built.handles["colA"], site.built.handles["colB"]
    with pytest.raises(PackageError, match="a parent is needed"):
        ingest_aip(site.engine, site.store, item, mode=Mode.SUBMIT, eperson=ADMIN)
    result = ingest_aip(site.engine, site.store, item, mode=Mode.SUBMIT, parent=col_a,
                        eperson=ADMIN)
    (_, handle), = result.created
    assert handle not in site.built.handles.values()
    with site.engine.connect() as conn:
        item_id = conn.execute(select(T.handle.c.resource_id)
                               .where(T.handle.c.handle == handle)).scalar()
        row = conn.execute(select(T.item).where(T.item.c.item_id == item_id)).one()
        assert row.in_archive and row.owning_collection == site.built.ids["colA"]
        values = list(conn.execute(select(T.metadatavalue.c.text_value)
                                   .where(T.metadatavalue.c.item_id == item_id)).scalars())
        assert any(v.startswith("Submitted by admin@example.org") for v in values)
        lic = conn.execute(select(T.bitstream.c.name).join(
            T.bundle2bitstream, T.bundle2bitstream.c.bitstream_id == T.bitstream.c.bitstream_id)
            .join(T.item2bundle, T.item2bundle.c.bundle_id == T.bundle2bitstream.c.bundle_id)
            .join(T.bundle, T.bundle.c.bundle_id == T.item2bundle.c.bundle_id)
            .where(T.item2bundle.c.item_id == item_id, T.bundle.c.name == "LICENSE")).all()
        assert [r.name for r in lic] == ["license.txt"]
    # collection B has a workflow group: the item waits in step 1's pool, no handle yet
    result = ingest_aip(site.engine, site.store, item, mode=Mode.SUBMIT, parent=col_b,
                        eperson=ADMIN)
    assert result.created == [] and len(result.workflow) == 1
    with site.engine.connect() as conn:
        wf = conn.execute(select(WORKFLOWITEM)).one()
        assert wf.state == 1 and wf.collection_id == site.built.ids["colB"]
        assert not conn.execute(select(T.item.c.in_archive)
                                .where(T.item.c.item_id == wf.item_id)).scalar()
    result = ingest_aip(site.engine, site.store, item, mode=Mode.SUBMIT, parent=col_b,
                        eperson=ADMIN, skip_workflow=True)
    assert len(result.created) == 1


def test_submit_hierarchy_under_new_parent(lite_site) -> None:
    site = lite_site
    folder, _ = _aips(site)
    col = folder / f"COLLECTION@{site.built.handles['colA'].replace('/', '-')}.zip"
    result = ingest_aip(site.engine, site.store, col, mode=Mode.SUBMIT, recursive=True,
                        parent=site.built.handles["sub"], eperson=ADMIN, skip_workflow=True)
    kinds = [k for k, _ in result.created]
    assert kinds.count("COLLECTION") == 1 and kinds.count("ITEM") == 3
    assert not set(h for _, h in result.created) & set(site.built.handles.values())


def test_mappings_resolve_when_collection_arrives(lite_site, tmp_path) -> None:
    site = lite_site
    folder, _ = _aips(site)
    from archive.db import open_engine
    from tests.packager.builder import new_archive

    target = open_engine(f"sqlite:///{tmp_path / 'm.db'}")
    new_archive(target)
    store = store_at(tmp_path / "m")
    result = ingest_aip(target, store, folder / "SITE@123456789-0.zip", mode=Mode.REPLACE,
                        recursive=True, eperson=ADMIN, options=SKIP)
    assert any("Could not find a parent DSpaceObject referenced as" in w
               for w in result.warnings)
    with target.connect() as conn:
        cols = set(conn.execute(select(T.collection2item.c.collection_id).where(
            T.collection2item.c.item_id == site.built.ids["item0"])).scalars())
    assert cols == {site.built.ids["colA"], site.built.ids["colB"]}


def test_metadata_schema_options(lite_site, tmp_path) -> None:
    site = lite_site
    folder, _ = _aips(site)
    from archive.db import open_engine
    from tests.packager.builder import new_archive

    target = open_engine(f"sqlite:///{tmp_path / 'c.db'}")
    new_archive(target)
    with pytest.raises(PackageError, match=r"Unknown Metadata Schema encountered \(custom\)"):
        ingest_aip(target, store_at(tmp_path / "c"), folder / "SITE@123456789-0.zip",
                   mode=Mode.REPLACE, recursive=True, eperson=ADMIN,
                   options=[*SKIP, "createMetadataFields=false"])


def test_ignore_handle_in_restore_and_validate_on_ingest(lite_site, tmp_path, settings) -> None:
    site = lite_site
    folder, _ = _aips(site)
    item = folder / f"ITEM@{site.built.handles['item2'].replace('/', '-')}.zip"
    result = ingest_aip(site.engine, site.store, item, mode=Mode.RESTORE, eperson=ADMIN,
                        options=["ignoreHandle=true", "validate=true"], settings=settings)
    (_, handle), = result.created
    assert handle != site.built.handles["item2"]
    assert result.warnings == []


def test_wrong_flags(lite_site) -> None:
    site = lite_site
    folder, _ = _aips(site)
    with pytest.raises(PackageError, match="only valid in force replace"):
        ingest_aip(site.engine, site.store, folder / "SITE@123456789-0.zip", mode=Mode.RESTORE,
                   eperson=ADMIN, identifier=SITE)
    with pytest.raises(PackageError, match="EPerson nobody@x not found"):
        ingest_aip(site.engine, site.store, folder / "SITE@123456789-0.zip", mode=Mode.RESTORE,
                   eperson="nobody@x")
    with pytest.raises(PackageError, match="SITE AIP can only be restored"):
        ingest_aip(site.engine, site.store, folder / "SITE@123456789-0.zip", mode=Mode.SUBMIT,
                   eperson=ADMIN, parent=SITE)


def test_ignore_parent_false_uses_the_aips_parent(lite_site) -> None:
    site = lite_site
    folder, _ = _aips(site)
    item = _pkg(folder, "ITEM", site.built.handles["item2"])
    result = ingest_aip(site.engine, site.store, item, mode=Mode.SUBMIT, eperson=ADMIN,
                        skip_workflow=True, options=["ignoreParent=false"])
    (_, handle), = result.created
    with site.engine.connect() as conn:
        item_id = conn.execute(select(T.handle.c.resource_id)
                               .where(T.handle.c.handle == handle)).scalar()
        owner = conn.execute(select(T.item.c.owning_collection)
                             .where(T.item.c.item_id == item_id)).scalar()
    assert owner == site.built.ids["colA"]  # item2's collection in the AIP


def test_passwords_travel_only_when_asked(lite_site, tmp_path) -> None:
    site = lite_site
    plain = export_site(site.engine, site.store, tmp_path / "plain")
    assert plain
    import zipfile

    with zipfile.ZipFile(tmp_path / "plain" / "SITE@123456789-0.zip") as z:
        assert b"PasswordHash" not in z.read("mets.xml")
    export_site(site.engine, site.store, tmp_path / "pw", options=["passwords=true"])
    from archive.db import open_engine
    from tests.packager.builder import new_archive

    target = open_engine(f"sqlite:///{tmp_path / 'pw.db'}")
    new_archive(target)
    ingest_aip(target, store_at(tmp_path / "s"), tmp_path / "pw" / "SITE@123456789-0.zip",
               mode=Mode.REPLACE, recursive=True, eperson=ADMIN, options=SKIP)
    with target.connect() as conn:
        pw = conn.execute(select(T.eperson.c.password)
                          .where(T.eperson.c.email == "alice@example.org")).scalar()
    assert pw == "hash-alice@example.org"


def test_manifest_only_ingest_restores_metadata_without_content(lite_site, tmp_path) -> None:
    site = lite_site
    export_site(site.engine, site.store, tmp_path / "m", options=["manifestOnly=true"])
    from archive.db import open_engine
    from tests.packager.builder import new_archive

    target = open_engine(f"sqlite:///{tmp_path / 'mo.db'}")
    new_archive(target)
    result = ingest_aip(target, store_at(tmp_path / "s"), tmp_path / "m" / "SITE@123456789-0.xml",
                        mode=Mode.REPLACE, recursive=True, eperson=ADMIN,
                        options=[*SKIP, "manifestOnly=true"])
    assert sum(1 for kind, _ in result.created if kind == "ITEM") == 4
    assert any("manifestOnly" in w for w in result.warnings)
    with target.connect() as conn:
        assert conn.execute(select(T.bitstream.c.bitstream_id)).first() is None


def test_round_trip_across_databases(lite_site, engine, tmp_path) -> None:
    """SQLite archive -> AIPs -> PostgreSQL archive -> the same AIPs (no database-dependent
    ordering in the manifests)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the SQLite -> SQLite case is test_site_round_trip_is_byte_identical")
    site = lite_site
    folder, before = _aips(site)
    from tests.packager.builder import new_archive

    new_archive(engine)
    store = store_at(tmp_path / "pg-store")
    ingest_aip(engine, store, folder / "SITE@123456789-0.zip", mode=Mode.REPLACE,
               recursive=True, eperson=ADMIN, options=SKIP)
    assert export_site(engine, store, tmp_path / "from-pg") == before
