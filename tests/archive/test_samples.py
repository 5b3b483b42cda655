import io
import random
import struct
import tarfile
import zipfile
import zlib

import pytest

from archive.demo.samples import KINDS

MAGIC = {
    "pdf": b"%PDF-1.4", "png": b"\x89PNG\r\n\x1a\n", "jpeg": b"\xff\xd8\xff\xe0", "gif": b"GIF89a",
    "tiff": b"II*\x00", "bmp": b"BM", "rtf": b"{\\rtf1", "postscript": b"%!PS-Adobe-3.0\n",
    "eps": b"%!PS-Adobe-3.0 EPSF", "wav": b"RIFF", "gzip": b"\x1f\x8b",
    "text-utf16": b"\xff\xfe", "xml": b"<?xml", "xhtml": b"<?xml", "zip": b"PK\x03\x04",
}


@pytest.mark.parametrize("key", sorted(KINDS))
def test_each_kind_is_deterministic_and_well_formed(key: str) -> None:
    kind = KINDS[key]
    data = kind.generate(random.Random(1), "Title")
    assert data == kind.generate(random.Random(1), "Title")
    assert data.startswith(MAGIC.get(key, b""))
    if key in ("docx", "xlsx", "pptx", "odt", "ods", "zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.testzip() is None
            names = archive.namelist()
        if key in ("odt", "ods"):
            assert names[0] == "mimetype"
            assert data[38:38 + 39].startswith(b"application/vnd.oasis.opendocument")
        elif key != "zip":
            assert "[Content_Types].xml" in names
    if key == "tar":
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            assert len(archive.getnames()) == 2
    if key.startswith("text-") and key != "text-utf16":
        data.decode({"text-ascii": "ascii", "text-utf8": "utf-8",
                     "text-latin1": "latin-1"}[key])


def test_png_chunks_have_valid_crcs() -> None:
    data = KINDS["png"].generate(random.Random(2), "x")
    pos = 8
    kinds = []
    while pos < len(data):
        length, = struct.unpack(">I", data[pos:pos + 4])
        chunk = data[pos + 4:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(chunk) & 0xFFFFFFFF == crc
        kinds.append(chunk[:4])
        pos += 12 + length
    assert kinds == [b"IHDR", b"tEXt", b"IDAT", b"IEND"]


def test_pdf_xref_offsets_point_at_objects() -> None:
    data = KINDS["pdf"].generate(random.Random(3), "x")
    start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    lines = data[start:].split(b"\n")
    assert lines[0] == b"xref"
    for number, entry in enumerate(lines[3:9], start=1):
        offset = int(entry[:10])
        assert data[offset:].startswith(b"%d 0 obj" % number)
