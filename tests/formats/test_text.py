"""Text classification and the TextHeuristicIdentifier (bytes built here)."""

from __future__ import annotations

import tarfile
from io import BytesIO

import pytest

from bsfcore.errors import ConfigError
from formats.identifiers import textclass as tc
from formats.identifiers.text import TextHeuristicIdentifier, resolve_class_formats
from formats.model import Confidence, Sample
from tests.formats.helpers import dspace_set, key, pronom_set

NAME = "org.dspace.content.format.TextHeuristicIdentifier"


@pytest.mark.parametrize(("data", "expected"), [
    (b"Hello, world.\r\n\tTabbed line\x0c\n", tc.ASCII),
    ("Grüße aus Köln — ünïcödé\n".encode(), tc.UTF8),
    (b"\xef\xbb\xbf" + "Grüße\n".encode(), tc.UTF8_BOM),
    (b"\xef\xbb\xbfplain after bom\n", tc.UTF8_BOM),
    ("\ufeffHello Wörld\n".encode("utf-16-le"), tc.UTF16_LE),
    ("\ufeffHello Wörld\n".encode("utf-16-be"), tc.UTF16_BE),
    ("Grüße aus Köln\n".encode("latin-1"), tc.ISO8859),
    ("“smart quotes” – en dash\n".encode("cp1252"), tc.EXTENDED),
    ("HELLO WORLD\nSECOND LINE\n".encode("cp037").replace(b"\x25", b"\x15"), tc.EBCDIC),
    ("Grüße, São Paulo\n".encode("cp037").replace(b"\x25", b"\x15"), tc.EBCDIC_INTL),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None),
    (b"abc\x00def", None),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00", None),
    (b"", None),
])
def test_classify_text(data: bytes, expected: str | None) -> None:
    assert tc.classify_text(data) == expected


def test_utf8_cut_by_the_window_is_forgiven_only_when_truncated() -> None:
    cut = "aé".encode()[:-1]          # b"a\xc3"
    assert tc.classify_text(cut, truncated=True) == tc.ASCII or \
        tc.classify_text(cut, truncated=True) == tc.UTF8
    assert tc.classify_text("ü".encode() + cut, truncated=True) == tc.UTF8
    assert tc.classify_text("ü".encode() + cut, truncated=False) != tc.UTF8


def test_binary_tail_makes_a_long_text_head_binary() -> None:
    data = b"plain text line\n" * 1000 + b"\x00\x01\x02\x03" * 300
    assert tc.sample_text_class(Sample.from_bytes(data, "x.bin")) is None
    assert tc.sample_text_class(Sample.from_bytes(b"plain\n" * 3000, "x.txt")) == tc.ASCII


def test_pronom_mapping_and_warning() -> None:
    ident = TextHeuristicIdentifier(NAME, pronom_set())
    m = ident.identify(Sample.from_bytes(b"just text\n", "notes.txt"), None)
    assert m is not None
    assert (m.key, m.confidence, m.source) == (key("PRONOM:x-fmt/111"), Confidence.HEURISTIC, NAME)
    assert m.basis == "text match ASCII" and m.warning == ""
    u = ident.identify(Sample.from_bytes("Grüße\n".encode(), "readme"), None)
    assert u is not None and u.key == key("PRONOM:x-fmt/111")   # as siegfried answers
    assert u.basis == "text match UTF-8 Unicode" and u.warning == "match on text only"
    for data in ("\ufeffGrüße\n".encode(), "\ufeffGrüße\n".encode("utf-16-le")):
        marked = ident.identify(Sample.from_bytes(data, "readme"), None)
        assert marked is not None and marked.key == key("PRONOM:x-fmt/16")
    assert ident.identify(Sample.from_bytes(b"\x00\x01\x02binary", "a.txt"), None) is None


def test_dspace_mapping_is_text_for_every_class() -> None:
    ident = TextHeuristicIdentifier(NAME, dspace_set())
    for data in (b"ascii\n", "ünï\n".encode(), "\ufeffx".encode("utf-16-le")):
        m = ident.identify(Sample.from_bytes(data, "a.txt"), None)
        assert m is not None and m.key == key("DSpace:Text")


def test_configured_class_formats_override_defaults() -> None:
    ident = TextHeuristicIdentifier(NAME, pronom_set(),
                                    class_formats={"ascii": key("PRONOM:x-fmt/22")})
    m = ident.identify(Sample.from_bytes(b"license text\n", "license.txt"), None)
    assert m is not None and m.key == key("PRONOM:x-fmt/22")
    m8 = ident.identify(Sample.from_bytes("ü\n".encode(), "a.txt"), None)
    assert m8 is not None and m8.key == key("PRONOM:x-fmt/111")
    unicode = TextHeuristicIdentifier(NAME, pronom_set(),
                                      class_formats={"unicode": key("PRONOM:x-fmt/16")})
    m8 = unicode.identify(Sample.from_bytes("ü\n".encode(), "a.txt"), None)
    assert m8 is not None and m8.key == key("PRONOM:x-fmt/16")   # utf8 follows unicode


def test_bad_class_configuration_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown text class"):
        resolve_class_formats(pronom_set(), {"klingon": key("PRONOM:x-fmt/111")})
    with pytest.raises(ConfigError, match="no configured registry knows"):
        resolve_class_formats(pronom_set(), {"ascii": key("PRONOM:x-fmt/9999")})


def _tar_bytes(gnu: bool = False) -> bytes:
    buf = BytesIO()
    fmt = tarfile.GNU_FORMAT if gnu else tarfile.USTAR_FORMAT
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        info = tarfile.TarInfo("hello.txt")
        payload = b"hello\n"
        info.size = len(payload)
        tar.addfile(info, BytesIO(payload))
    return buf.getvalue()


@pytest.mark.parametrize("gnu", [False, True])
def test_tar_hook(gnu: bool) -> None:
    tar_key = key("PRONOM:x-fmt/265")
    ident = TextHeuristicIdentifier(NAME, pronom_set(), tar_format=tar_key)
    m = ident.identify(Sample.from_bytes(_tar_bytes(gnu), "a.tar"), None)
    assert m is not None and m.key == tar_key and m.confidence == Confidence.POSITIVE_GENERIC
    assert "257" in m.basis
    # without the hook a tar file is not text either (NULs), so no answer
    plain = TextHeuristicIdentifier(NAME, pronom_set())
    assert plain.identify(Sample.from_bytes(_tar_bytes(gnu), "a.tar"), None) is None


def test_tar_hook_needs_a_valid_checksum() -> None:
    data = bytearray(_tar_bytes())
    data[0] ^= 0x01
    ident = TextHeuristicIdentifier(NAME, pronom_set(), tar_format=key("PRONOM:x-fmt/265"))
    m = ident.identify(Sample.from_bytes(bytes(data), "a.tar"), None)
    assert m is None or m.key != key("PRONOM:x-fmt/265")
