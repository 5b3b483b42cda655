"""Open the object store the configuration names: a folder or an S3 bucket."""

from __future__ import annotations

from bsfcore.settings import Settings
from replication.store import LocalObjectStore, StoreConfig
from replication.store_base import ObjectStore
from replication.store_s3 import S3ObjectStore


def open_store(settings: Settings) -> tuple[ObjectStore, StoreConfig]:
    """The configured store (``replicate.store.dir`` or ``replicate.store.url``) and its
    configuration."""
    config = StoreConfig.from_settings(settings)
    return store_for(config), config


def store_for(config: StoreConfig) -> ObjectStore:
    if config.url:
        return S3ObjectStore.from_config(config)
    assert config.store_dir is not None
    return LocalObjectStore(config.store_dir)


__all__ = ["open_store", "store_for"]
