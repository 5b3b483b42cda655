"""``-z``: members of zip, tar (plain/gz/bz2/xz), gzip and WARC, sf's naming, hostile archives."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest

from formats import expand
from formats.model import Confidence, Match, Sample
from formats.records import to_record
from formats.scan import scan
from formats.scan_model import ArchiveLimits, ScanOptions, ScanResult, ScanStats
from formats.stack import IdentifierStack
from formats.walk import FOLDER
from tests.formats.helpers import key

MAGIC = [(b"PK\x03\x04", "x-fmt/263"), (b"\x1f\x8b", "x-fmt/266"), (b"BZh", "x-fmt/268"),
         (b"\xfd7zXZ\x00", "fmt/1098"), (b"WARC/", "fmt/289")]


class Magic:
    """Archives by their magic numbers (tar by ``ustar``), everything else plain text."""

    name = "magic"

    def identify(self, sample: Sample, previous: Match | None) -> Match:
        head = sample.bof(512)
        for magic, puid in MAGIC:
            if head.startswith(magic):
                return Match(key(f"PRONOM:{puid}"), Confidence.POSITIVE_SPECIFIC, self.name,
                             "byte match at [[0 2]]")
        if head[257:262] == b"ustar":
            return Match(key("PRONOM:x-fmt/265"), Confidence.POSITIVE_SPECIFIC, self.name,
                         "byte match at [[257 5]]")
        return Match(key("PRONOM:x-fmt/111"), Confidence.HEURISTIC, self.name, "text match")


STACK = IdentifierStack([Magic()])


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _tar(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _warc() -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.0")
    writer.write_record(writer.create_warc_record(
        "http://example.org/page.txt", "response", payload=io.BytesIO(b"hello web\n"),
        http_headers=http, warc_headers_dict={"WARC-Date": "2024-05-01T12:00:00Z"}))
    writer.write_record(writer.create_warc_record(
        "http://example.org/inner.zip", "resource",
        payload=io.BytesIO(_zip({"z.txt": b"zipped in a warc\n"})),
        warc_headers_dict={"WARC-Date": "2024-05-01T12:00:01Z"}))
    return buf.getvalue()


@pytest.fixture
def archives(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    root.mkdir()
    inner_zip = _zip({"deep.txt": b"deep\n"})
    (root / "outer.zip").write_bytes(_zip({
        "dir/sub/inner.txt": b"inner\n", "inner.zip": inner_zip,
        "data.tar.gz": gzip.compress(_tar({"t/x.txt": b"x\n"}), mtime=0)}))
    with gzip.GzipFile(root / "note.txt.gz", "wb", mtime=0) as fh:    # FNAME = note.txt
        fh.write(b"a note\n")
    (root / "a.tar.bz2").write_bytes(_tar({"b.txt": b"b\n"}, "w:bz2"))
    (root / "a.tar.xz").write_bytes(_tar({"c.txt": b"c\n"}, "w:xz"))
    (root / "site.warc").write_bytes(_warc())
    return root


def _names(rows: list[ScanResult], root: Path) -> list[str]:
    return [_rel(r, root) for r in rows if r.kind != FOLDER]


def _rel(row: ScanResult, root: Path) -> str:
    return row.filename.removeprefix(str(root) + os.sep)


def test_members_named_as_siegfried(archives: Path) -> None:
    rows = list(scan([str(archives)], STACK, ScanOptions(archives=True)))
    names = _names(rows, archives)
    assert names == [
        "a.tar.bz2", "a.tar.bz2#a.tar", "a.tar.bz2#a.tar#b.txt",
        "a.tar.xz", "a.tar.xz#a.tar", "a.tar.xz#a.tar#c.txt",
        "note.txt.gz", "note.txt.gz#note.txt",
        "outer.zip", "outer.zip#dir/sub/inner.txt", "outer.zip#inner.zip",
        "outer.zip#inner.zip#deep.txt", "outer.zip#data.tar.gz", "outer.zip#data.tar.gz#data.tar",
        "outer.zip#data.tar.gz#data.tar#t/x.txt",
        "site.warc", "site.warc#20240501120000/http://example.org/page.txt",
        "site.warc#20240501120001/http://example.org/inner.zip",
        "site.warc#20240501120001/http://example.org/inner.zip#z.txt"]
    by_name = {_rel(r, archives): r for r in rows}
    assert by_name["outer.zip"].kind == "container"
    assert by_name["outer.zip#dir/sub/inner.txt"].size == 6
    web = by_name["site.warc#20240501120000/http://example.org/page.txt"]
    assert web.match is not None and web.size == len(b"hello web\n")     # the payload only
    assert not any(r.error for r in rows)


def test_folders_inside_archives_link_parents(archives: Path) -> None:
    rows = list(scan([str(archives / "outer.zip")], STACK, ScanOptions(archives=True)))
    by_name = {r.filename.rsplit("/in/", 1)[-1]: r for r in rows}
    assert by_name["outer.zip#dir"].kind == FOLDER
    assert by_name["outer.zip#dir/sub"].parent.endswith("outer.zip#dir")
    assert by_name["outer.zip#dir/sub/inner.txt"].parent.endswith("outer.zip#dir/sub")
    inner = to_record(by_name["outer.zip#inner.zip#deep.txt"], None)
    assert inner.uri.startswith("zip:zip:file:/") and inner.uri.endswith(
        "outer.zip!/inner.zip!/deep.txt")
    assert inner.abspath.startswith("zip:zip:file:/")


def test_without_z_archives_are_plain_files(archives: Path) -> None:
    rows = [r for r in scan([str(archives)], STACK) if r.kind != FOLDER]
    assert len(rows) == 5 and all("#" not in r.filename for r in rows)


def test_member_hashes(archives: Path) -> None:
    import hashlib

    rows = list(scan([str(archives / "outer.zip")], STACK,
                     ScanOptions(archives=True, hash="sha1")))
    inner = next(r for r in rows if r.filename.endswith("#dir/sub/inner.txt"))
    assert inner.hash == hashlib.sha1(b"inner\n").hexdigest()


def _hostile(tmp_path: Path) -> Path:
    root = tmp_path / "hostile"
    root.mkdir()
    (root / "a_many.zip").write_bytes(_zip({f"m{i}.txt": b"x" for i in range(30)}))
    (root / "b_bomb.zip").write_bytes(_zip({"zeros.bin": b"\0" * (5 << 19), "ok.txt": b"ok\n"}))
    (root / "c_big.tar.gz").write_bytes(gzip.compress(_tar({
        "one.bin": os.urandom(2 << 20), "two.bin": os.urandom(2 << 20)})))
    (root / "d_escape.zip").write_bytes(_zip({"../../evil.txt": b"e" * 5000,
                                              "/abs/evil2.txt": b"f" * 5000}))
    (root / "e_broken.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    (root / "z_after.txt").write_text("the scan goes on\n")
    return root


def test_caps_are_per_file_errors_and_the_scan_goes_on(tmp_path: Path) -> None:
    root = _hostile(tmp_path)
    limits = ArchiveLimits(max_members=20, max_expanded=3 << 20, max_ratio=100,
                           ratio_floor=1 << 20)
    stats = ScanStats()
    rows = list(scan([str(root)], STACK, ScanOptions(archives=True, limits=limits),
                     stats=stats))
    by_name = {_rel(r, root): r for r in rows}
    assert "over the cap of 20 (--max-members)" in by_name["a_many.zip"].error
    assert not any(n.startswith("a_many.zip#") for n in by_name)
    assert "--max-ratio" in by_name["b_bomb.zip#zeros.bin"].error
    assert by_name["b_bomb.zip#ok.txt"].error == ""          # the other members go on
    assert "--max-expanded" in by_name["c_big.tar.gz#"].error  # sf's decompression error row
    assert by_name["e_broken.zip"].error.startswith("failed to decompress")
    assert by_name["z_after.txt"].match is not None
    assert stats.archive_errors == 4 and stats.unreadable == 0


def test_members_never_touch_the_disk_outside_a_private_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _hostile(tmp_path)
    made: list[str] = []
    real = tempfile.mkdtemp

    def mkdtemp(*args: object, **kwargs: object) -> str:
        path = real(*args, **kwargs)
        assert os.stat(path).st_mode & 0o777 == 0o700
        made.append(path)
        return str(path)

    monkeypatch.setattr(expand.tempfile, "mkdtemp", mkdtemp)
    limits = ArchiveLimits(in_memory=1000)             # every member above 1000 bytes spills
    before = set(os.listdir(tmp_path))
    rows = [r for r in scan([str(root / "d_escape.zip")], STACK,
                            ScanOptions(archives=True, limits=limits)) if r.kind != FOLDER]
    names = _names(rows, root)
    assert names == ["d_escape.zip", "d_escape.zip#../../evil.txt",
                     "d_escape.zip#/abs/evil2.txt"]
    assert all(r.match is not None and r.size == 5000 for r in rows[1:])
    assert len(made) == 1 and not os.path.exists(made[0])     # the private folder is gone
    assert set(os.listdir(tmp_path)) == before
    assert not (tmp_path / "evil.txt").exists() and not Path("/abs/evil2.txt").exists()


def test_nesting_depth_cap(tmp_path: Path) -> None:
    data = b"bottom\n"
    for _ in range(5):
        data = _zip({"next.zip" if data.startswith(b"PK") else "bottom.txt": data})
    (tmp_path / "deep.zip").write_bytes(data)
    rows = list(scan([str(tmp_path / "deep.zip")], STACK,
                     ScanOptions(archives=True, limits=ArchiveLimits(max_depth=3))))
    assert len(rows) == 4                     # three archive levels opened, the fourth named
    assert "nested deeper than 3" in rows[-1].error and rows[-1].kind == "container"


def test_workers_expand_archives_in_order(archives: Path) -> None:
    options = ScanOptions(archives=True)
    one = [r.filename for r in scan([str(archives)], STACK, options)]
    two = [r.filename for r in scan([str(archives)], STACK, options, workers=2, chunk=1)]
    assert one == two


def test_a_member_inflating_past_its_declared_size_is_an_error_row(tmp_path: Path) -> None:
    """As AIP entries (bsfcore.zipentry): zipfile alone would hand out the declared part."""
    import struct
    import zlib

    content = b"declared part\n"
    data = bytearray(_zip({"liar.txt": content + b"x" * 5000, "ok.txt": b"fine\n"}))
    for signature, name_at, header, crc_at, size_at in ((b"PK\x01\x02", 28, 46, 16, 24),
                                                         (b"PK\x03\x04", 26, 30, 14, 22)):
        i = data.find(signature)
        while i >= 0:
            length = struct.unpack_from("<H", data, i + name_at)[0]
            if bytes(data[i + header:i + header + length]) == b"liar.txt":
                struct.pack_into("<I", data, i + size_at, len(content))
                struct.pack_into("<I", data, i + crc_at, zlib.crc32(content))
            i = data.find(signature, i + 4)
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.zip").write_bytes(bytes(data))
    with zipfile.ZipFile(root / "a.zip") as zf:
        assert zf.read("liar.txt") == content  # the silent cut this guards against
    by_name = {_rel(r, root): r for r in scan([str(root)], STACK, ScanOptions(archives=True))}
    assert "inflates beyond its declared size" in by_name["a.zip#liar.txt"].error
    assert by_name["a.zip#ok.txt"].error == "" and by_name["a.zip#ok.txt"].match is not None
