"""The folder object store: atomic transfers, verified fetches, names that cannot escape."""

from __future__ import annotations

from pathlib import Path

import pytest

from bsfcore.errors import ConfigError, PackageError
from bsfcore.properties import load_properties
from bsfcore.settings import Settings
from replication.store import (
    LocalObjectStore,
    StoreConfig,
    deletion_record_name,
    parse_storage_name,
    storage_name,
)


def test_transfer_fetch_remove_roundtrip(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")
    src = tmp_path / "a.zip"
    src.write_bytes(b"x" * 1000)
    stored = store.transfer("aip-store", "ITEM@1-2.zip", src)
    assert stored.size == 1000 and store.exists("aip-store", "ITEM@1-2.zip")
    assert [o.name for o in store.list("aip-store")] == ["ITEM@1-2.zip"]
    # no temp files left beside the object
    assert sorted(p.name for p in (tmp_path / "store" / "aip-store").iterdir()) == ["ITEM@1-2.zip"]
    fetched = store.fetch("aip-store", "ITEM@1-2.zip", tmp_path / "out" / "b.zip")
    assert fetched.md5 == stored.md5 and (tmp_path / "out" / "b.zip").read_bytes() == b"x" * 1000
    assert store.remove("aip-store", "ITEM@1-2.zip") == 1000
    assert store.remove("aip-store", "ITEM@1-2.zip") == 0
    assert store.stat("aip-store", "ITEM@1-2.zip") is None


@pytest.mark.parametrize("name", ["../x.zip", "a/b.zip", ".hidden", "", "x\\y.zip"])
def test_names_cannot_escape_the_group(tmp_path: Path, name: str) -> None:
    store = LocalObjectStore(tmp_path)
    with pytest.raises(PackageError, match="invalid object name"):
        store.exists("aip-store", name)


def test_fetch_missing_object_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="not in the object store"):
        LocalObjectStore(tmp_path).fetch("aip-store", "ITEM@1-9.zip", tmp_path / "x")


def test_names() -> None:
    assert storage_name("ITEM", "123456789/3") == "ITEM@123456789-3.zip"
    assert deletion_record_name("123456789/3") == "DELETION-RECORD@123456789-3.zip"
    assert parse_storage_name("COLLECTION@123456789-3.zip") == ("COLLECTION", "123456789/3")
    assert parse_storage_name("ITEM@10.5072-abc-1.zip") == ("ITEM", "10.5072/abc-1")
    assert parse_storage_name("ITEM@internal-id-5.zip") is None


def test_config_keys(tmp_path: Path) -> None:
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"replicate.store.dir = {tmp_path}/s\ngroup.aip.name = aips\n"
                   "replicate.group.delete.name = gone\n")
    config = StoreConfig.from_settings(Settings(load_properties(cfg)))
    assert config == StoreConfig(tmp_path / "s", "aips", "gone")
    with pytest.raises(ConfigError, match=r"replicate\.store\.dir"):
        StoreConfig.from_settings(Settings())
