import io
import os
import random
from pathlib import Path

import pytest

from archive.assetstore import AssetStore, new_internal_id
from bsfcore.errors import AssetError
from bsfcore.settings import load_settings


def test_dspace_layout_and_store_minus_one(tmp_path: Path) -> None:
    store = AssetStore({0: tmp_path / "a", 1: tmp_path / "b"})
    key = "12345678901234567890123456789012345678"
    assert store.path(key, 0) == tmp_path / "a" / "12" / "34" / "56" / key
    assert store.path(key, -1) == store.path(key, 0) == store.path(key, None)
    assert store.path(key, 1) == tmp_path / "b" / "12" / "34" / "56" / key
    with pytest.raises(AssetError, match="store 7 is not configured"):
        store.path(key, 7)


def test_internal_ids_look_like_dspace() -> None:
    keys = {new_internal_id() for _ in range(200)}
    assert len(keys) == 200
    assert all(k.isdigit() and 38 <= len(k) <= 39 for k in keys)
    assert new_internal_id(random.Random(5)) == new_internal_id(random.Random(5))


def test_write_stream_is_atomic_and_returns_md5(tmp_path: Path) -> None:
    store = AssetStore({0: tmp_path})
    asset = store.write_stream(io.BytesIO(b"hello world"))
    assert asset.size == 11
    assert asset.md5 == "5eb63bbbe01eeed093cb22bb8f5acdc3"
    with store.open(asset.internal_id, 0) as handle:
        assert handle.read() == b"hello world"
    assert store.checksum(asset.internal_id, -1) == (11, asset.md5)
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".bsf-")]
    assert leftovers == []
    with pytest.raises(AssetError, match="already exists"):
        store.write_bytes(b"x", internal_id=asset.internal_id)
    assert store.delete(asset.internal_id, 0)
    assert not store.exists(asset.internal_id, 0)
    assert list(tmp_path.iterdir()) == []  # empty folders removed too


def test_registered_ids(tmp_path: Path) -> None:
    (tmp_path / "deposits").mkdir()
    (tmp_path / "deposits" / "thesis.pdf").write_bytes(b"%PDF-1.4")
    store = AssetStore({0: tmp_path})
    assert store.path("-Rdeposits/thesis.pdf", 0) == tmp_path / "deposits" / "thesis.pdf"
    assert store.open("-Rdeposits/thesis.pdf", 0).read() == b"%PDF-1.4"
    assert store.delete("-Rdeposits/thesis.pdf", 0) is False  # never deleted
    assert (tmp_path / "deposits" / "thesis.pdf").exists()


@pytest.mark.parametrize("bad", [
    "-R../outside.txt", "-R/etc/passwd", "-Rsub/../../outside.txt", "..", "", "12\x0034567",
    "-R.", "-Rsub/..",
])
def test_path_escapes_are_refused(tmp_path: Path, bad: str) -> None:
    (tmp_path / "outside.txt").write_text("secret")
    store = AssetStore({0: tmp_path / "store"})
    with pytest.raises(AssetError):
        store.path(bad, 0)


def test_separator_in_internal_id_keeps_only_last_part(tmp_path: Path) -> None:
    store = AssetStore({0: tmp_path})
    key = "12345678901234567890123456789012345678"
    assert store.path(f"../../{key}", 0) == store.path(key, 0)


def test_symlink_out_of_store_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "store"
    (root / "12" / "34").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", root / "12" / "34" / "56")
    with pytest.raises(AssetError, match="outside"):
        AssetStore({0: root}).path("12345678901234567890123456789012345678", 0)


def test_missing_asset_is_a_clear_error(tmp_path: Path) -> None:
    store = AssetStore({0: tmp_path})
    with pytest.raises(AssetError, match="missing"):
        store.open("12345678901234567890123456789012345678", 0)


def test_from_settings_missing_folder(tmp_path: Path) -> None:
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"assetstore.dir = {tmp_path / 'nope'}\ndb.url = sqlite://\n")
    settings = load_settings(cfg, environ={})
    with pytest.raises(AssetError, match=r"nope does not exist \(assetstore.dir in"):
        AssetStore.from_settings(settings)
    store = AssetStore.from_settings(settings, create=True)
    assert store.root(0).is_dir()
