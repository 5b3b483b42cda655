"""Crafted containers: every chain and table has a loop check and a bound from the file size;
a file that breaks one is identified from what was read, with a warning naming the problem."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from formats.identifiers.droid import DroidIdentifier
from formats.model import Sample
from formats.signatures import zipdir
from formats.signatures.ole2 import MAGIC, OleDirectory
from formats.signatures.window import READ_BUDGET, ReadBudget
from formats.signatures.zipdir import ZipDirectory
from formats.stack import IdentifierStack
from tests.signatures.sigbuild import build_ole2
from tests.signatures.test_droid import droid  # noqa: F401 - the fixture

FREE, END = 0xFFFFFFFF, 0xFFFFFFFE


def _header(n_fat: int, dir_start: int, difat_start: int, n_difat: int,
            minifat_start: int = END) -> bytearray:
    header = bytearray(512)
    header[0:8] = MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<II", header, 44, n_fat, dir_start)
    struct.pack_into("<IIIII", header, 56, 4096, minifat_start, 0, difat_start, n_difat)
    return header  # the 109 header DIFAT entries are 0: FAT sector 0, all zeros


def sparse_doc(path: Path, size: int, dir_start: int) -> Path:
    """The issue's file: an all-zero body, the DIFAT chain starting at (all-zero) sector 0,
    and counts as large as the header can hold."""
    with path.open("wb") as fh:
        fh.write(_header(0xFFFFFFF0, dir_start, 0, 0xFFFFFFF0))
        fh.truncate(size)
    return path


def spent(ole: OleDirectory | ZipDirectory) -> int:
    return READ_BUDGET - ole._budget.left


def test_the_2_gib_sparse_doc_is_identified_from_its_header(
        droid: DroidIdentifier, tmp_path: Path) -> None:  # noqa: F811
    size = 2 << 30
    doc = sparse_doc(tmp_path / "sparse.doc", size, dir_start=size // 512 - 8)
    with doc.open("rb") as fh:
        ole = OleDirectory(fh, size)
    assert ole.entries == {}
    assert ole.problems == ["OLE2 DIFAT chain loops at sector 0",
                            "OLE2 DIFAT lists 236 FAT sectors, a chain needs sector 32767"]
    assert spent(ole) <= 4 * 512  # the DIFAT's one sector, not 2 GiB
    match = IdentifierStack([droid]).identify(Sample.from_path(doc))
    assert str(match.key) == "PRONOM:fmt/111"  # the OLE2 trigger: what the bytes read say
    assert "OLE2 DIFAT chain loops at sector 0" in match.warning


def test_a_fat_loop_ends_the_stream(droid: DroidIdentifier) -> None:  # noqa: F811
    compobj = b"\x01\x00\xfe\xff\x03\x0a\x00\x00" + b"Word.Document.8\x00"
    data = bytearray(build_ole2({"WordDocument": b"\xec\xa5" + b"w" * 5000,
                                 "\x01CompObj": compobj}))
    fat_sector = struct.unpack_from("<I", data, 76)[0]
    struct.pack_into("<I", data, (fat_sector + 1) * 512 + 3 * 4, 1)  # sector 3 -> sector 1
    ole = OleDirectory(io.BytesIO(bytes(data)), len(data))
    got = ole.read("WordDocument", 5002)
    assert len(got) == 4 * 512 and got.startswith(b"\xec\xa5")
    assert ole.problems == ["OLE2 stream WordDocument chain loops at sector 1"]
    match = IdentifierStack([droid]).identify(Sample.from_bytes(bytes(data), "a.doc"))
    assert str(match.key) == "PRONOM:fmt/40"  # the signature needs only the start


def test_a_mini_fat_chain_pointing_past_the_mini_stream() -> None:
    data = bytearray(build_ole2({"Small": bytes(range(200))}))
    minifat = struct.unpack_from("<I", data, 60)[0]
    struct.pack_into("<I", data, (minifat + 1) * 512 + 4, 0x00FFFFFF)  # entry of mini sector 1
    ole = OleDirectory(io.BytesIO(bytes(data)), len(data))
    assert ole.read("Small", 200) == bytes(range(128))  # mini sectors 0 and 1, then the break
    assert ole.problems == ["OLE2 mini-FAT (stream Small) chain points past the end "
                            "(sector 16777215)"]


def test_a_directory_chain_looping_onto_itself_keeps_its_entries() -> None:
    data = bytearray(build_ole2({"WordDocument": b"x" * 10}))
    dir_start = struct.unpack_from("<I", data, 48)[0]
    fat_sector = struct.unpack_from("<I", data, 76)[0]
    struct.pack_into("<I", data, (fat_sector + 1) * 512 + dir_start * 4, dir_start)
    ole = OleDirectory(io.BytesIO(bytes(data)), len(data))
    assert ole.has("WordDocument") and ole.read("WordDocument", 10) == b"x" * 10
    assert ole.problems == [f"OLE2 directory chain loops at sector {dir_start}"]


def test_a_difat_chain_that_loops_past_the_header(tmp_path: Path) -> None:
    """The directory lies beyond what the header's 109 FAT sectors cover, so the DIFAT chain
    must be followed: it loops at its (all-zero) first sector."""
    size = 50_000 * 512
    doc = sparse_doc(tmp_path / "difat.doc", size, dir_start=45_000)
    with doc.open("rb") as fh:
        ole = OleDirectory(fh, size)
    assert ole.problems[0] == "OLE2 DIFAT chain loops at sector 0"
    assert spent(ole) <= 4 * 512


def test_chains_never_address_past_the_file() -> None:
    data = bytearray(build_ole2({"WordDocument": b"x" * 5000}))
    struct.pack_into("<I", data, 48, 10_000_000)  # the directory starts past the end
    ole = OleDirectory(io.BytesIO(bytes(data)), len(data))
    assert ole.entries == {}
    assert ole.problems == ["OLE2 directory chain points past the end (sector 10000000)"]


def test_the_read_budget_stops_a_reader_and_says_so() -> None:
    data = build_ole2({"Big": b"b" * 20_000})
    problems: list[str] = []
    ole = OleDirectory(io.BytesIO(data), len(data), ReadBudget(problems, limit=8 * 512))
    assert 0 < len(ole.read("Big", 20_000)) < 8 * 512
    assert problems == ["read budget of 0 MiB per file used up; identified from what was read "
                        "before"]


# -- ZIP ---------------------------------------------------------------------------------------

def _zip(members: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(members):
            zf.writestr(f"dir/m{i}.txt", b"x")
    return buf.getvalue()


def _eocd(data: bytes) -> int:
    return data.rfind(b"PK\x05\x06")


def test_a_central_directory_past_the_end_of_the_file() -> None:
    data = bytearray(_zip(3))
    struct.pack_into("<I", data, _eocd(data) + 16, 0x7FFFFFFF)  # cd offset
    struct.pack_into("<I", data, _eocd(data) + 12, 0)  # cd size: no prefix adjustment
    zd = ZipDirectory(io.BytesIO(bytes(data)), len(data))
    assert zd.names == []
    assert zd.problems == ["ZIP central directory lies past the end of the file"]


def test_a_zip64_record_past_the_end_of_the_file() -> None:
    data = bytearray(_zip(3))
    at = _eocd(data)
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, 1 << 40, 1)
    struct.pack_into("<I", data, at + 16, 0xFFFFFFFF)
    data[at:at] = locator
    zd = ZipDirectory(io.BytesIO(bytes(data)), len(data))
    assert "ZIP ZIP64 end record lies past the end of the file" in zd.problems


def test_entry_count_and_directory_size_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _zip(10)
    monkeypatch.setattr(zipdir, "MAX_ENTRIES", 4)
    zd = ZipDirectory(io.BytesIO(data), len(data))
    assert len(zd.names) == 4
    assert zd.problems == ["ZIP more than 4 entries; the rest were not read"]
    monkeypatch.setattr(zipdir, "MAX_ENTRIES", 200_000)
    monkeypatch.setattr(zipdir, "MAX_DIRECTORY", 100)
    zd = ZipDirectory(io.BytesIO(data), len(data))
    assert 0 < len(zd.names) < 10 and zd.problems[0].startswith("ZIP central directory of ")


def test_a_directory_claiming_more_than_the_file_holds() -> None:
    data = bytearray(_zip(3))
    at = _eocd(data)
    struct.pack_into("<HHII", data, at + 8, 0xFFFF, 0xFFFF, 0xFFFFFFF0, 0x10)
    zd = ZipDirectory(io.BytesIO(bytes(data)), len(data))
    assert zd.names == []
    assert zd.problems == [f"ZIP central directory claims {0xFFFFFFF0} bytes, more than the "
                           "file holds"]


def test_folder_lookups_stay_correct_and_cheap() -> None:
    data = _zip(500)
    zd = ZipDirectory(io.BytesIO(data), len(data))
    assert zd.has("dir/") and not zd.has("di/") and not zd.has("other/")
    assert zd.problems == []


def test_a_zip_bigger_than_the_budget_is_read_as_far_as_it_goes() -> None:
    data = _zip(50)
    problems: list[str] = []
    zd = ZipDirectory(io.BytesIO(data), len(data), budget=ReadBudget(problems, limit=64))
    assert zd.names == []
    assert problems and problems[0].startswith("read budget")
