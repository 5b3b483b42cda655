"""Fixtures of the replication tests: an asset store, a small archive, an object store."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine

from archive.assetstore import AssetStore
from replication.store import LocalObjectStore, StoreConfig
from tests.replication.builder import SmallArchive, build_small_archive


@pytest.fixture(autouse=True)
def _quiet_bagit() -> None:
    logging.getLogger("bagit").setLevel(logging.ERROR)


@pytest.fixture
def assets(tmp_path: Path) -> AssetStore:
    root = tmp_path / "assetstore"
    root.mkdir()
    return AssetStore({0: root})


@pytest.fixture
def small(engine: Engine, assets: AssetStore) -> SmallArchive:
    return build_small_archive(engine, assets)


@pytest.fixture
def store_config(tmp_path: Path) -> StoreConfig:
    return StoreConfig(tmp_path / "replica-store")


@pytest.fixture
def object_store(store_config: StoreConfig) -> LocalObjectStore:
    return LocalObjectStore(store_config.store_dir)
