"""Restore from a deletion record through the AIP packager; failures lose nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from archive.assetstore import AssetStore
from archive.delete import delete_object
from archive.queries import resolve_handle
from archive.schema import T16 as T
from bsfcore.errors import PackageError
from replication.aip import DSpaceAipPackager, UnknownObjectError
from replication.restore import ObjectExistsError, remove_object, restore_object
from replication.store import LocalObjectStore, StoreConfig
from replication.sync import sync
from tests.replication.builder import ADMIN, SmallArchive

RECORD = "DELETION-RECORD@123456789-2.zip"


@pytest.fixture
def packager(assets: AssetStore) -> DSpaceAipPackager:
    return DSpaceAipPackager(assets, eperson=ADMIN, export_options={"validate": "false"})


@pytest.fixture
def deleted(engine: Engine, small: SmallArchive, store_config: StoreConfig,
            packager: DSpaceAipPackager) -> LocalObjectStore:
    """Alpha replicated, then deleted from the archive, then synced (record written)."""
    store = LocalObjectStore(store_config.store_dir)
    assert sync(engine, store, store_config, packager).ok
    delete_object(engine, small.alpha)
    assert sync(engine, store, store_config, packager).deletion_records == [RECORD]
    return store


def _titles(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(T.metadatavalue.c.text_value)).scalars())


def test_restore_brings_every_member_back_and_removes_the_record(
        engine: Engine, small: SmallArchive, deleted: LocalObjectStore,
        store_config: StoreConfig, packager: DSpaceAipPackager) -> None:
    with pytest.raises(ObjectExistsError, match="123456789/3 is in the archive"):
        restore_object(engine, deleted, store_config, packager, small.beta)
    with pytest.raises(UnknownObjectError, match="123456789/404"):
        restore_object(engine, deleted, store_config, packager, "123456789/404")
    assert deleted.names(store_config.delete_group) == [RECORD]
    result = restore_object(engine, deleted, store_config, packager, small.alpha)
    assert result.record_removed and result.record == RECORD
    assert set(result.restored) >= {small.alpha, *small.alpha_items[:2]}
    with engine.connect() as conn:
        for handle in (small.alpha, *small.alpha_items):
            assert resolve_handle(conn, handle) is not None, handle
    assert _titles(engine) == sorted(f"Item {h}" for h in small.items)
    assert deleted.names(store_config.delete_group) == []
    # the archive and the store agree again: a new sync sends only what restore changed
    again = sync(engine, deleted, store_config, packager)
    assert again.ok and again.deletion_records == []


def test_corrupt_member_aip_restores_nothing_and_keeps_the_record(
        engine: Engine, small: SmallArchive, deleted: LocalObjectStore,
        store_config: StoreConfig, packager: DSpaceAipPackager) -> None:
    path = store_config.store_dir / store_config.aip_group / "ITEM@123456789-5.zip"
    path.write_bytes(path.read_bytes()[:-1] + b"#")
    with engine.connect() as conn:
        items_before = conn.execute(select(func.count()).select_from(T.item)).scalar()
    with pytest.raises(PackageError, match=r"ITEM@123456789-5\.zip: corrupt store object"):
        restore_object(engine, deleted, store_config, packager, small.alpha)
    with engine.connect() as conn:
        assert resolve_handle(conn, small.alpha) is None
        assert conn.execute(select(func.count()).select_from(T.item)).scalar() == items_before
    assert deleted.names(store_config.delete_group) == [RECORD]
    # the operator gives up on it: remove deletes every AIP the record names, and the record
    result = remove_object(engine, deleted, store_config, small.alpha)
    assert sorted(result.removed) == [
        "aip-store/COLLECTION@123456789-2.zip", "aip-store/ITEM@123456789-4.zip",
        "aip-store/ITEM@123456789-5.zip", f"deletions/{RECORD}"]
    assert result.bytes_freed > 0
    assert deleted.names(store_config.delete_group) == []
    with pytest.raises(UnknownObjectError):
        remove_object(engine, deleted, store_config, small.alpha)
