"""An entry must inflate to exactly its declared size: more is a zip bomb, less is truncated;
refused wherever zips from outside are read (AIP ingest, records unpacked from a store)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from bsfcore.errors import PackageError, UnsafeInputError
from packager.ingest import ingest_aip
from packager.options import Mode
from packager.safezip import Package, extract_all
from tests.packager.builder import ADMIN
from tests.packager.ingest_helpers import export_site, snapshot


def _patch_sizes(data: bytes, name: bytes, size: int, crc: int | None = None,
                 compressed: int | None = None) -> bytes:
    """Rewrite the declared size (and CRC, compressed size) of ``name`` in both headers."""
    out = bytearray(data)
    for signature, name_at, header, crc_at, csize_at, size_at in (
            (b"PK\x01\x02", 28, 46, 16, 20, 24), (b"PK\x03\x04", 26, 30, 14, 18, 22)):
        i = out.find(signature)
        while i >= 0:
            length = struct.unpack_from("<H", out, i + name_at)[0]
            if bytes(out[i + header:i + header + length]) == name:
                struct.pack_into("<I", out, i + size_at, size)
                if crc is not None:
                    struct.pack_into("<I", out, i + crc_at, crc)
                if compressed is not None:
                    struct.pack_into("<I", out, i + csize_at, compressed)
            i = out.find(signature, i + 4)
    return bytes(out)


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _read(path: Path, name: str) -> bytes:
    with Package(path) as pkg, pkg.open_entry(name) as fh:
        return b"".join(iter(lambda: fh.read(1000), b""))


PAYLOAD = bytes(range(256)) * 400  # 102,400 bytes


def liar(tmp_path: Path, declared: int, method: int = zipfile.ZIP_DEFLATED) -> Path:
    """The issue's member: its data is longer than its header says, and the CRC is that of
    the declared part, so Python's zipfile hands out the first bytes and says nothing."""
    data = _zip({"mets.xml": b"<x/>", "big.bin": PAYLOAD}, method)
    kwargs = {"compressed": declared} if method == zipfile.ZIP_STORED else {}
    path = tmp_path / "liar.zip"
    path.write_bytes(_patch_sizes(data, b"big.bin", declared, zlib.crc32(PAYLOAD[:declared]),
                                  **kwargs))
    return path


def test_python_zipfile_alone_would_cut_it_silently(tmp_path: Path) -> None:
    with zipfile.ZipFile(liar(tmp_path, 1000)) as zf:
        assert zf.read("big.bin") == PAYLOAD[:1000]


@pytest.mark.parametrize("declared", [0, 1, 1000, len(PAYLOAD) - 1])
def test_an_entry_inflating_past_its_declared_size_is_refused(tmp_path: Path,
                                                              declared: int) -> None:
    with pytest.raises(UnsafeInputError, match="inflates beyond its declared size"):
        _read(liar(tmp_path, declared), "big.bin")


def test_a_stored_entry_declaring_less_than_it_holds(tmp_path: Path) -> None:
    data = _zip({"mets.xml": b"<x/>", "big.bin": PAYLOAD}, zipfile.ZIP_STORED)
    path = tmp_path / "stored.zip"
    path.write_bytes(_patch_sizes(data, b"big.bin", 1000, zlib.crc32(PAYLOAD[:1000])))
    with pytest.raises(UnsafeInputError, match="stored entry holds 102400 bytes but declares"):
        _read(path, "big.bin")


def test_an_entry_shorter_than_declared_or_with_a_wrong_crc(tmp_path: Path) -> None:
    data = _zip({"mets.xml": b"<x/>", "big.bin": PAYLOAD})
    path = tmp_path / "short.zip"
    path.write_bytes(_patch_sizes(data, b"big.bin", len(PAYLOAD) + 10))
    with pytest.raises(PackageError, match="truncated"):
        _read(path, "big.bin")
    path.write_bytes(_patch_sizes(data, b"big.bin", len(PAYLOAD), crc=1))
    with pytest.raises(PackageError, match="CRC-32 mismatch"):
        _read(path, "big.bin")


def test_honest_entries_read_whole(tmp_path: Path) -> None:
    for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        path = tmp_path / f"ok{method}.zip"
        path.write_bytes(_zip({"mets.xml": b"<x/>", "big.bin": PAYLOAD, "empty": b""}, method))
        assert _read(path, "big.bin") == PAYLOAD and _read(path, "empty") == b""


def test_extract_all_refuses_and_leaves_no_half_file(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeInputError, match="zip bomb"):
        extract_all(liar(tmp_path, 1000), dest, "record.zip")
    assert not (dest / "big.bin").exists()


def test_an_aip_member_inflating_past_its_size_writes_nothing(lite_site) -> None:
    site = lite_site
    folder = site.tmp / "aips"
    export_site(site.engine, site.store, folder)
    item = folder / f"ITEM@{site.built.handles['item0'].replace('/', '-')}.zip"
    with zipfile.ZipFile(item) as zf:
        entry = next(n for n in zf.namelist() if n.endswith(".pdf"))
        content = zf.read(entry)
    # the member carries extra bytes after the real content; the headers declare the content
    bomb = _zip({**{n: zipfile.ZipFile(item).read(n) for n in zipfile.ZipFile(item).namelist()},
                 entry: content + b"\0" * 100_000})
    bad = site.tmp / "bomb.zip"
    bad.write_bytes(_patch_sizes(bomb, entry.encode(), len(content), zlib.crc32(content)))
    state = snapshot(site.engine, site.tmp / "store")
    with pytest.raises(UnsafeInputError, match="inflates beyond its declared size"):
        ingest_aip(site.engine, site.store, bad, mode=Mode.SUBMIT, eperson=ADMIN,
                   parent=site.built.handles["colA"], skip_workflow=True)
    assert snapshot(site.engine, site.tmp / "store") == state
