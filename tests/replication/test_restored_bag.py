"""Restored bags: verified payload, kept tag files, rewritten bag-info, PREMIS JSON, bagit-valid."""

from __future__ import annotations

import json
import tarfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import bagit
import pytest
from sqlalchemy import Engine

from archive.assetstore import AssetStore
from archive.db import open_engine
from archive.history import HistoryEntry, ensure_history_table, record
from bsfcore.errors import PackageError, UnsafeInputError
from replication.aip import DSpaceAipPackager, UnknownObjectError
from replication.bags.restored import human_size, restore_bag
from replication.store import LocalObjectStore, StoreConfig
from replication.sync import sync
from tests.replication.builder import SmallArchive

WHEN = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
BTR_ID = "https://github.com/dpscollaborative/btr_bagit_profile/releases/download/1.0/" \
         "btr-bagit-profile.json"


def _deposited_bag(tmp: Path, name: str, *, btr: bool = False) -> Path:
    """A bag as a depositor made it (md5 only, aptrust-info.txt, a custom tag file), zipped."""
    bag_dir = tmp / name
    (bag_dir / "sub").mkdir(parents=True)
    (bag_dir / "report.pdf").write_bytes(b"%PDF-1.4 deposited\n" * 50)
    (bag_dir / "sub" / "notes.txt").write_text("field notes\n")
    info = {"Source-Organization": "Example University", "Bagging-Date": "2020-03-03",
            "Bag-Size": "1 KB", "Bagging-Software": "DART v2.0",
            "Bag-Software-Agent": "DART v2.0"}
    if btr:
        info["BagIt-Profile-Identifier"] = BTR_ID
    bagit.make_bag(str(bag_dir), bag_info=info, checksums=["md5"])
    (bag_dir / "aptrust-info.txt").write_text("Title: Deposited report\nAccess: Institution\n"
                                              "Storage-Option: Standard\n")
    (bag_dir / "custom-tags").mkdir()
    (bag_dir / "custom-tags" / "provenance.txt").write_text("scanned 2019\n")
    zpath = tmp / f"{name}.zip"
    with zipfile.ZipFile(zpath, "w") as archive:
        for path in sorted(bag_dir.rglob("*")):
            if path.is_file():
                archive.write(path, f"{name}/{path.relative_to(bag_dir).as_posix()}")
    return zpath


@pytest.fixture
def local_engine(tmp_path: Path) -> Iterator[Engine]:
    """Bags from deposited packages touch the database only for the event registry."""
    eng = open_engine(f"sqlite:///{tmp_path / 'events.db'}")
    yield eng
    eng.dispose()


@pytest.fixture
def synced(engine: Engine, small: SmallArchive, assets: AssetStore,
           store_config: StoreConfig) -> LocalObjectStore:
    store = LocalObjectStore(store_config.store_dir)
    packager = DSpaceAipPackager(assets, export_options={"validate": "false"})
    assert sync(engine, store, store_config, packager).ok
    return store


def _validate_all(path: Path) -> bagit.Bag:
    bag = bagit.Bag(str(path))
    bag.validate()  # full validation: every file, every algorithm
    return bag


@pytest.mark.parametrize(("profile", "algorithms"), [("aptrust", ["md5", "sha256"]),
                                                     ("btr", ["sha1", "sha256", "sha512"])])
def test_bag_from_a_mets_aip(engine: Engine, small: SmallArchive, synced: LocalObjectStore,
                             store_config: StoreConfig, tmp_path: Path, profile: str,
                             algorithms: list[str]) -> None:
    handle = small.items[0]
    changed = small.bitstreams[handle][0]
    with engine.begin() as conn:  # a workbench change recorded after the AIP was sent
        ensure_history_table(conn)
        record(conn, [HistoryEntry(changed, "tester", "set", None, "PRONOM:fmt/18", "PDF 1.4",
                                   2, "DROID", None, "PRONOM:fmt/276", "PDF 1.7", 5, "manual",
                                   note="checked by hand")])
    result = restore_bag(engine, synced, store_config, handle, tmp_path / "out",
                         profile=profile, when=WHEN)
    assert result.path == tmp_path / "out" / "ITEM@123456789-4"
    assert result.source_kind == "mets" and result.payload_files == 3
    bag = _validate_all(result.path)
    assert sorted(bag.algorithms) == sorted(algorithms)
    for alg in algorithms:
        assert (result.path / f"manifest-{alg}.txt").is_file()
        assert (result.path / f"tagmanifest-{alg}.txt").is_file()
    assert (result.path / "data" / "mets.xml").is_file()
    assert bag.info["Bagging-Date"] == "2026-05-01T12:00:00Z"
    assert bag.info["Payload-Oxum"] == f"{result.payload_bytes}.3"
    assert bag.info["Bagging-Software"].startswith("bsf ")
    assert "Bag-Software-Agent" not in bag.info
    assert bag.info["External-Identifier"] == f"hdl:{handle}"
    whole = sum(f.stat().st_size for f in result.path.rglob("*") if f.is_file())
    assert bag.info["Bag-Size"] == human_size(whole)
    if profile == "aptrust":  # the profile requires aptrust-info.txt: made from the METS
        assert (result.path / "aptrust-info.txt").read_text() == (
            f"Title: Item {handle}\nAccess: Institution\nStorage-Option: Standard\n")
        assert "aptrust-info.txt" in (result.path / "tagmanifest-md5.txt").read_text()
    else:
        assert not (result.path / "aptrust-info.txt").exists()
    tagged = (result.path / f"tagmanifest-{algorithms[0]}.txt").read_text()
    assert "premis-events.json" in tagged
    events = json.loads((result.path / "premis-events.json").read_text())
    kinds = [e["event_type"] for e in events["events"]]
    assert kinds.count("format identification") == 2
    assert "ingestion" in kinds and kinds[-1] == "restoration"
    ident = next(e for e in events["events"] if e["event_type"] == "format identification")
    assert ident["generic_file_identifier"].startswith("data/bitstream_")
    assert "confidence=POSITIVE_SPECIFIC" in ident["outcome_detail"]
    assert events["intellectual_object_identifier"] == f"hdl:{handle}"
    change = next(e for e in events["events"] if e["event_type"] == "format change")
    assert change["generic_file_identifier"].startswith(f"data/bitstream_{changed}")
    assert "set by tester: PRONOM:fmt/18 -> PRONOM:fmt/276" in change["detail"]
    # one flipped payload byte fails full validation
    target = result.path / "data" / "mets.xml"
    data = bytearray(target.read_bytes())
    data[100] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(bagit.BagValidationError) as failure:
        bagit.Bag(str(result.path)).validate()
    assert {type(d).__name__ for d in failure.value.details} == {"ChecksumMismatch"}
    assert len(failure.value.details) == len(algorithms)


def test_bag_from_a_deposited_bag_keeps_tag_files(local_engine: Engine,
                                                  store_config: StoreConfig,
                                                  tmp_path: Path) -> None:
    store = LocalObjectStore(store_config.store_dir)
    deposited = _deposited_bag(tmp_path, "deposit")
    store.transfer(store_config.aip_group, "ITEM@123456789-99.zip", deposited)
    result = restore_bag(local_engine, store, store_config, "123456789/99", tmp_path / "out",
                         when=WHEN)
    assert result.profile == "aptrust" and result.source_kind == "bagit"
    bag = _validate_all(result.path)
    assert sorted(bag.algorithms) == ["md5", "sha256"]
    assert (result.path / "aptrust-info.txt").read_text() == \
        (tmp_path / "deposit" / "aptrust-info.txt").read_text()
    assert (result.path / "custom-tags" / "provenance.txt").read_text() == "scanned 2019\n"
    assert (result.path / "data" / "sub" / "notes.txt").read_text() == "field notes\n"
    info = bag.info
    assert info["Source-Organization"] == "Example University"
    assert info["Original-Bagging-Date"] == "2020-03-03"
    assert info["Original-Bag-Size"] == "1 KB"
    assert info["Original-Bagging-Software"] == "DART v2.0"
    assert info["Original-Payload-Oxum"] == "962.2"
    assert info["Payload-Oxum"] == "962.2"
    # Bag-Size measures the restored bag: payload, tag files and manifests, bag-info included
    whole = sum(f.stat().st_size for f in result.path.rglob("*") if f.is_file())
    assert info["Bag-Size"] == human_size(whole) and whole > 962
    assert info["Bag-Software-Agent"] == "DART v2.0"  # an original tag, kept
    for tagfile in ("aptrust-info.txt", "custom-tags/provenance.txt", "premis-events.json"):
        assert tagfile in (result.path / "tagmanifest-sha256.txt").read_text()


def test_btr_profile_is_chosen_from_the_original_and_tar_output(
        local_engine: Engine, store_config: StoreConfig, tmp_path: Path) -> None:
    store = LocalObjectStore(store_config.store_dir)
    store.transfer(store_config.aip_group, "ITEM@123456789-98.zip",
                   _deposited_bag(tmp_path, "btrbag", btr=True))
    result = restore_bag(local_engine, store, store_config, "123456789/98", tmp_path / "out",
                         tar=True, when=WHEN)
    assert result.profile == "btr" and result.path.name == "ITEM@123456789-98.tar"
    with tarfile.open(result.path) as tar:
        names = tar.getnames()
        assert names[0] == "ITEM@123456789-98/bagit.txt"
        assert names[-1].startswith("ITEM@123456789-98/tagmanifest-")
        tar.extractall(tmp_path / "x", filter="data")
    bag = _validate_all(tmp_path / "x" / "ITEM@123456789-98")
    assert sorted(bag.algorithms) == ["sha1", "sha256", "sha512"]
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_checksum_mismatch_names_the_file_and_writes_nothing(
        local_engine: Engine, store_config: StoreConfig, tmp_path: Path) -> None:
    store = LocalObjectStore(store_config.store_dir)
    good = _deposited_bag(tmp_path, "deposit")
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("sub/notes.txt"):
                data = b"field nutes\n"  # same size: only a checksum can tell
            dst.writestr(info, data)
    store.transfer(store_config.aip_group, "ITEM@123456789-97.zip", bad)
    out = tmp_path / "out"
    with pytest.raises(PackageError, match=r"sub/notes\.txt: checksum mismatch"):
        restore_bag(local_engine, store, store_config, "123456789/97", out, when=WHEN)
    assert list(out.iterdir()) == []  # nothing half-written
    assert store.exists(store_config.aip_group, "ITEM@123456789-97.zip")  # nothing lost


def test_corrupt_store_object_and_unknown_handle(engine: Engine, small: SmallArchive,
                                                 synced: LocalObjectStore,
                                                 store_config: StoreConfig,
                                                 tmp_path: Path) -> None:
    name = "ITEM@123456789-5.zip"
    path = store_config.store_dir / store_config.aip_group / name
    original = path.read_bytes()
    path.write_bytes(original[:-10] + b"0123456789")
    out = tmp_path / "out"
    with pytest.raises(PackageError, match="corrupt store object"):
        restore_bag(engine, synced, store_config, small.items[1], out)
    assert list(out.iterdir()) == []
    assert path.read_bytes() != original  # the evidence is left for the operator
    with pytest.raises(UnknownObjectError, match="no AIP for handle 123456789/404"):
        restore_bag(engine, synced, store_config, "123456789/404", out)


def test_hostile_package_is_refused_and_nothing_written(
        local_engine: Engine, store_config: StoreConfig, tmp_path: Path) -> None:
    store = LocalObjectStore(store_config.store_dir)
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("bag/bagit.txt", "BagIt-Version: 1.0\n")
        archive.writestr("bag/../../../escaped.txt", "gotcha")
    store.transfer(store_config.aip_group, "ITEM@123456789-96.zip", evil)
    out = tmp_path / "out"
    with pytest.raises(UnsafeInputError, match="escapes its folder"):
        restore_bag(local_engine, store, store_config, "123456789/96", out)
    assert list(out.iterdir()) == []
    assert not list(tmp_path.parent.glob("escaped.txt"))
