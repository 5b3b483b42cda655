"""Deletion records are valid BagIt bags laid out like the replication suite's."""

from __future__ import annotations

import zipfile
from pathlib import Path

import bagit
import pytest

from bsfcore.errors import PackageError, UnsafeInputError
from replication.deletion import (
    DeletionRecord,
    read_deletion_record,
    write_deletion_record,
)

RECORD = DeletionRecord("123456789/2", "COLLECTION", "123456789/1", 1_700_000_000_000,
                        ["123456789/4", "123456789/5"],
                        {"123456789/4": "ITEM", "123456789/5": "ITEM"})


def test_layout_and_bagit_validity(tmp_path: Path) -> None:
    path = write_deletion_record(RECORD, tmp_path / RECORD.name)
    assert path.name == "DELETION-RECORD@123456789-2.zip"
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "x")
    top = "DELETION-RECORD@123456789-2/"
    assert {top + n for n in ("bagit.txt", "bag-info.txt", "manifest-md5.txt",
                              "tagmanifest-md5.txt", "data/object.properties",
                              "data/members")} <= names
    bag = bagit.Bag(str(tmp_path / "x" / top))
    bag.validate()  # full validation
    assert bag.algorithms == ["md5"]
    for key in ("Payload-Oxum", "Bagging-Date", "Bag-Size"):
        assert key in bag.info
    props = (tmp_path / "x" / top / "data" / "object.properties").read_text()
    assert "objectType  deletion\n" in props and "objectId  123456789/2\n" in props
    assert "ownerId  123456789/1\n" in props and "bagType  man\n" in props
    members = (tmp_path / "x" / top / "data" / "members").read_text().splitlines()
    assert members == ["123456789/4", "123456789/5"]


def test_roundtrip_and_determinism(tmp_path: Path) -> None:
    a = write_deletion_record(RECORD, tmp_path / "a.zip")
    b = write_deletion_record(RECORD, tmp_path / "b.zip")
    assert a.read_bytes() == b.read_bytes()
    assert read_deletion_record(a) == RECORD


def test_tampered_record_is_refused(tmp_path: Path) -> None:
    good = write_deletion_record(RECORD, tmp_path / RECORD.name)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data/members"):
                data = data.replace(b"/5", b"/9")
            dst.writestr(info, data)
    with pytest.raises(PackageError, match=r"bad\.zip: invalid BagIt bag"):
        read_deletion_record(bad)


def test_truncated_and_hostile_records(tmp_path: Path) -> None:
    good = write_deletion_record(RECORD, tmp_path / RECORD.name)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[:100])
    with pytest.raises(PackageError, match="not a readable zip"):
        read_deletion_record(cut)
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../escape.txt", "x")
    with pytest.raises(UnsafeInputError, match="escapes its folder"):
        read_deletion_record(evil)
    assert not (tmp_path.parent / "escape.txt").exists()


def test_reads_a_record_written_the_suites_way(tmp_path: Path) -> None:
    """The replication suite's CatalogPacker: BagIt 0.97/1.0 bag in a folder named after the
    record, object.properties without our deletedType, members, no member.types."""
    bag_dir = tmp_path / "DELETION-RECORD@123456789-2"
    bag_dir.mkdir()
    (bag_dir / "object.properties").write_text(
        "bagType  man\nobjectType  deletion\nobjectId  123456789/2\ncreated  1583193600000\n"
        "ownerId  123456789/1\n")
    (bag_dir / "members").write_text("123456789/7\n123456789/8\n")
    bagit.make_bag(str(bag_dir), bag_info={"Source-Organization": "org.dspace",
                                           "Bag-Size": "103 bytes"}, checksums=["md5"])
    zpath = tmp_path / "DELETION-RECORD@123456789-2.zip"
    with zipfile.ZipFile(zpath, "w") as archive:
        for path in sorted(bag_dir.rglob("*")):
            archive.write(path, f"{bag_dir.name}/{path.relative_to(bag_dir).as_posix()}")
    record = read_deletion_record(zpath)
    assert record == DeletionRecord("123456789/2", None, "123456789/1", 1583193600000,
                                    ["123456789/7", "123456789/8"])
    assert record.all_handles() == ["123456789/2", "123456789/7", "123456789/8"]
