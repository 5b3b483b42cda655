"""Replicas repair themselves; the SITE AIP travels; the store alone rebuilds the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, text, update

from archive.assetstore import AssetStore
from archive.delete import delete_object
from archive.schema import T16 as T
from bsfcore.errors import PackageError
from replication import queue as q
from replication.aip import DSpaceAipPackager
from replication.restore import restore_object, restore_site
from replication.status import store_status
from replication.store import LocalObjectStore, StoreConfig
from replication.sync import sync
from tests.packager.ingest_helpers import target_archive
from tests.replication.builder import ADMIN, SmallArchive

SITE_AIP = "SITE@123456789-0.zip"


def _people(engine: Engine) -> None:
    """A person who can log in (a password hash) in a group: what only the SITE AIP carries."""
    with engine.begin() as conn:
        pid = conn.execute(insert(T.eperson).values(
            email="editor@example.org", firstname="Ed", lastname="Itor", can_log_in=True,
            password="5f4dcc3b5aa765d61d8327deb882cf99")).inserted_primary_key[0]
        gid = conn.execute(insert(T.epersongroup).values(name="Editors")
                           ).inserted_primary_key[0]
        conn.execute(insert(T.epersongroup2eperson).values(eperson_group_id=gid, eperson_id=pid))


def _packager(assets: AssetStore) -> DSpaceAipPackager:
    return DSpaceAipPackager(assets, eperson=ADMIN, export_options={"validate": "false"})


def _aip(config: StoreConfig, name: str) -> Path:
    assert config.store_dir is not None
    return config.store_dir / config.aip_group / name


def test_sync_sends_missing_truncated_and_corrupt_replicas_again(
        engine: Engine, small: SmallArchive, assets: AssetStore,
        store_config: StoreConfig) -> None:
    store = LocalObjectStore(store_config.store_dir)
    packager = _packager(assets)
    first = sync(engine, store, store_config, packager)
    assert first.ok and SITE_AIP in first.transmitted
    good = {p.name: p.read_bytes() for p in _aip(store_config, "x").parent.iterdir()}
    _aip(store_config, "ITEM@123456789-4.zip").unlink()  # deleted from the store
    _aip(store_config, SITE_AIP).unlink()
    seven = _aip(store_config, "ITEM@123456789-7.zip")
    seven.write_bytes(good[seven.name][:-100])  # truncated
    five = _aip(store_config, "ITEM@123456789-5.zip")
    stamp = five.stat()
    flipped = bytearray(good[five.name])
    flipped[200] ^= 0xFF
    five.write_bytes(bytes(flipped))  # bit rot: same size, same modification time
    os.utime(five, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))

    quick = store_status(engine, store, store_config)
    assert sorted(quick.missing_in_store) == ["aip-store/ITEM@123456789-4.zip",
                                              f"aip-store/{SITE_AIP}"]
    assert quick.size_mismatch == ["aip-store/ITEM@123456789-7.zip"] and not quick.clean
    repaired = sync(engine, store, store_config, packager)
    assert repaired.ok
    assert sorted(d.where for d in repaired.damaged) == sorted(
        quick.missing_in_store + quick.size_mismatch)
    assert sorted(repaired.transmitted) == ["ITEM@123456789-4.zip", "ITEM@123456789-7.zip",
                                            SITE_AIP]
    # same size, same time: only --verify reads it; status --verify and sync --verify agree
    assert store_status(engine, store, store_config).clean
    verified = store_status(engine, store, store_config, verify=True)
    assert verified.checksum_mismatch == ["aip-store/ITEM@123456789-5.zip"]
    again = sync(engine, store, store_config, packager, verify=True)
    assert [(d.where, d.problem) for d in again.damaged] == [
        ("aip-store/ITEM@123456789-5.zip", "corrupt")]
    assert again.transmitted == ["ITEM@123456789-5.zip"]
    after = store_status(engine, store, store_config, verify=True)
    assert after.clean and after.as_dict()["clean"] is True
    assert {p.name: p.read_bytes() for p in _aip(store_config, "x").parent.iterdir()} == good
    # --handle repairs within its scope
    _aip(store_config, "ITEM@123456789-8.zip").unlink()
    part = sync(engine, store, store_config, packager, handle=small.beta)
    assert "ITEM@123456789-8.zip" in part.transmitted
    # something in the store the registry does not know makes the store unclean
    (_aip(store_config, "x").parent / "ITEM@123456789-99.zip").write_bytes(b"stray")
    stray = store_status(engine, store, store_config)
    assert stray.unknown_in_store == ["aip-store/ITEM@123456789-99.zip"]
    assert stray.as_dict()["clean"] is False


def test_damaged_deletion_records_are_rewritten_and_lost_aips_reported(
        engine: Engine, small: SmallArchive, assets: AssetStore,
        store_config: StoreConfig) -> None:
    store = LocalObjectStore(store_config.store_dir)
    packager = _packager(assets)
    assert sync(engine, store, store_config, packager).ok
    delete_object(engine, small.alpha)
    assert sync(engine, store, store_config, packager).deletion_records
    assert store_config.store_dir is not None
    record = store_config.store_dir / store_config.delete_group / \
        "DELETION-RECORD@123456789-2.zip"
    record.write_bytes(record.read_bytes()[:50])
    result = sync(engine, store, store_config, packager)
    assert [d.problem for d in result.damaged] == ["truncated"]
    assert result.deletion_records == ["DELETION-RECORD@123456789-2.zip"]
    assert store_status(engine, store, store_config, verify=True).clean
    # the AIP of a deleted object cannot be rebuilt: said so, and the object stays failing
    _aip(store_config, "ITEM@123456789-4.zip").unlink()
    lost = sync(engine, store, store_config, packager)
    assert not lost.ok and "cannot be rebuilt" in lost.failed[0][1]
    # restoring the deleted collection now names the lost AIP and restores nothing
    with pytest.raises(PackageError, match=r"ITEM@123456789-4\.zip: not in the object store"):
        restore_object(engine, store, store_config, packager, small.alpha)


def test_site_aip_follows_people_and_groups(engine: Engine, small: SmallArchive,
                                            assets: AssetStore,
                                            store_config: StoreConfig) -> None:
    store = LocalObjectStore(store_config.store_dir)
    packager = _packager(assets)
    assert SITE_AIP in sync(engine, store, store_config, packager).transmitted
    assert sync(engine, store, store_config, packager).transmitted == []
    _people(engine)
    assert sync(engine, store, store_config, packager).transmitted == [SITE_AIP]
    with engine.begin() as conn:
        conn.execute(update(T.eperson).where(T.eperson.c.email == "editor@example.org")
                     .values(password="changed-hash"))
    assert sync(engine, store, store_config, packager).transmitted == [SITE_AIP]
    with engine.connect() as conn:
        events = [e["event_type"] for e in q.events_of(conn, "123456789/0")]
    assert events == ["ingestion", "replication", "replication"]


def test_the_store_alone_rebuilds_the_repository(engine: Engine, small: SmallArchive,
                                                 assets: AssetStore, store_config: StoreConfig,
                                                 tmp_path: Path,
                                                 request: pytest.FixtureRequest) -> None:
    _people(engine)
    store = LocalObjectStore(store_config.store_dir)
    assert sync(engine, store, store_config, _packager(assets)).ok
    stored = {o.name: o.md5 for o in store.list(store_config.aip_group)}
    (tmp_path / "fresh").mkdir()
    with target_archive(engine, tmp_path / "fresh", request) as fresh:
        new_assets = AssetStore({0: _mkdir(tmp_path / "assets2")})
        packager = _packager(new_assets)
        result = restore_site(fresh, store, store_config, packager)
        assert result.packages == len(stored)
        assert set(result.restored) >= {small.community, small.alpha, small.beta, *small.items}
        with fresh.connect() as conn:
            editor = conn.execute(select(T.eperson).where(
                T.eperson.c.email == "editor@example.org")).one()
            members = conn.execute(
                select(T.epersongroup.c.name)
                .join(T.epersongroup2eperson, T.epersongroup2eperson.c.eperson_group_id
                      == T.epersongroup.c.eperson_group_id)
                .where(T.epersongroup2eperson.c.eperson_id == editor.eperson_id)).scalars()
            assert editor.password == "5f4dcc3b5aa765d61d8327deb882cf99"
            assert list(members) == ["Editors"]
        # re-exported, every AIP (the SITE's included) is byte-identical to the stored one:
        # a sync of the rebuilt archive finds each in the store, reads it back, sends nothing
        again = sync(fresh, store, store_config, packager)
        assert again.ok and again.transmitted == [] and again.unchanged == len(stored)
        with fresh.connect() as conn:
            registry = {r.name: r.md5 for r in q.registry_rows(conn, [store_config.aip_group])}
        assert registry == stored


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_stale_sequence_in_replicate_restore_is_one_line(engine: Engine, small: SmallArchive,
                                                        assets: AssetStore,
                                                        store_config: StoreConfig) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no sequences: ids come from the row id")
    store = LocalObjectStore(store_config.store_dir)
    packager = _packager(assets)
    assert sync(engine, store, store_config, packager).ok
    delete_object(engine, small.alpha)
    assert sync(engine, store, store_config, packager).deletion_records
    with engine.begin() as conn:
        conn.execute(text("SELECT setval('bundle_seq', 1, true)"))
    with pytest.raises(PackageError) as failure:
        restore_object(engine, store, store_config, packager, small.alpha)
    message = str(failure.value)
    assert "\n" not in message and "bsf archive update-sequences" in message
