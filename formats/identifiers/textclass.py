"""Is this text, and in which encoding family? (libmagic's ``encoding.c`` classes, our code.)

The classes and their order follow libmagic and siegfried's text matcher so the bases read the
same (``text match ASCII``, ``text match UTF-8 Unicode``): ASCII, UTF-8 (with BOM), UTF-8,
UTF-16 with a BOM, ISO-8859, non-ISO extended ASCII, EBCDIC, international EBCDIC -- else
binary. Membership tests use ``bytes.translate`` so there is no per-byte Python loop.

A byte counts as text when libmagic's ``text_chars`` table would say so: printable ASCII plus
BEL BS HT LF VT FF CR ESC; 0xA0-0xFF are ISO-8859 letters; 0x80-0x9F are "extended" (Windows
code pages). NUL and the other C0 controls, and DEL, mean binary.
"""

from __future__ import annotations

from formats.model import Sample

#: How much of the beginning is classified (siegfried uses 4 KiB; a little more costs nothing).
TEXT_WINDOW = 8192
#: How much of the end must also be free of binary bytes (catches text headers on binary files).
TAIL_WINDOW = 1024

ASCII = "ASCII"
UTF8 = "UTF-8 Unicode"
UTF8_BOM = "UTF-8 Unicode (with BOM)"
UTF16_LE = "UTF-16 Unicode (little-endian)"
UTF16_BE = "UTF-16 Unicode (big-endian)"
ISO8859 = "ISO-8859"
EXTENDED = "Non-ISO extended-ASCII"
EBCDIC = "EBCDIC"
EBCDIC_INTL = "International EBCDIC"

#: Classes whose text is Unicode (the "unicode" slot of the format mapping).
UNICODE_CLASSES = frozenset({UTF8, UTF8_BOM, UTF16_LE, UTF16_BE})
#: Slot names operators use in ``formatIdentifier.TextHeuristicIdentifier.formats.<slot>``.
CLASS_SLOTS: dict[str, str] = {
    ASCII: "ascii", UTF8: "utf8", UTF8_BOM: "utf8", UTF16_LE: "utf16", UTF16_BE: "utf16",
    ISO8859: "iso8859", EXTENDED: "extended", EBCDIC: "ebcdic", EBCDIC_INTL: "ebcdic",
}

_TEXT_ASCII = bytes([7, 8, 9, 10, 11, 12, 13, 27]) + bytes(range(0x20, 0x7F))
_HIGH = bytes(range(0x80, 0x100))
_ISO = bytes(range(0xA0, 0x100))
_EXT = bytes(range(0x80, 0xA0))
#: EBCDIC's newline (0x15) becomes NEL (0x85) in Latin-1; libmagic counts NEL as text
_NEL = b"\x85"
#: bytes that never occur in text of any 8-bit family
_BINARY = bytes(b for b in range(0x100) if b not in _TEXT_ASCII and b < 0x80)
#: EBCDIC (code page 037) to Latin-1: cp037 is a permutation of Latin-1.
_FROM_EBCDIC = bytes(ord(c) for c in bytes(range(256)).decode("cp037"))


def _only(data: bytes, allowed: bytes) -> bool:
    return not data.translate(None, allowed)


def _utf8_text(data: bytes, truncated: bool) -> bool:
    """Valid UTF-8 (a sequence cut by the window end is forgiven) whose ASCII part is text."""
    if not _only(data, _TEXT_ASCII + _HIGH):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        cut = exc.reason == "unexpected end of data" and exc.start >= len(data) - 3
        if not (truncated and cut):
            return False
        try:
            data[:exc.start].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


def _utf16_text(data: bytes, encoding: str) -> bool:
    body = data[2:]
    if len(body) % 2:
        body = body[:-1]
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        # a surrogate pair cut by the window end
        try:
            text = body[:-2].decode(encoding)
        except UnicodeDecodeError:
            return False
    return all(ch in _TEXT_CHARS or ord(ch) >= 0xA0 for ch in set(text))


_TEXT_CHARS = frozenset(chr(b) for b in _TEXT_ASCII)


def classify_text(data: bytes, truncated: bool = False) -> str | None:
    """The text class of ``data`` (a file's first bytes), or None when it looks binary.

    ``truncated`` says ``data`` is a window of a longer file, so a multi-byte character cut at
    the end is not held against it.
    """
    if not data:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        return UTF8_BOM if _utf8_text(data[3:], truncated) else None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data.startswith(b"\xff\xfe\x00\x00"):
        encoding = "utf-16-le" if data[0] == 0xFF else "utf-16-be"
        if _utf16_text(data, encoding):
            return UTF16_LE if encoding.endswith("le") else UTF16_BE
        return None
    if b"\x00" in data:     # fast exit for most binary files: NUL is text in no 8-bit family
        return None
    if _only(data, _TEXT_ASCII):
        return ASCII
    if _utf8_text(data, truncated):
        return UTF8
    if _only(data, _TEXT_ASCII + _ISO):
        return ISO8859
    if _only(data, _TEXT_ASCII + _ISO + _EXT):
        return EXTENDED
    converted = data.translate(_FROM_EBCDIC)
    if _only(converted, _TEXT_ASCII + _NEL):
        return EBCDIC
    if _only(converted, _TEXT_ASCII + _NEL + _ISO):
        return EBCDIC_INTL
    return None


def _tail_is_text(sample: Sample, cls: str) -> bool:
    """The end of a longer file must not contain binary bytes either (8-bit families only)."""
    if sample.size <= TEXT_WINDOW or cls in (UTF16_LE, UTF16_BE, EBCDIC, EBCDIC_INTL):
        return True
    tail = sample.eof(TAIL_WINDOW)
    return not tail.translate(None, _TEXT_ASCII + _HIGH)


# One-entry memo: every text refiner in a stack asks about the same sample in turn.
_memo: tuple[Sample, str | None] | None = None


def sample_text_class(sample: Sample) -> str | None:
    """:func:`classify_text` of a sample's first :data:`TEXT_WINDOW` bytes, memoised per sample."""
    global _memo
    memo = _memo
    if memo is not None and memo[0] is sample:
        return memo[1]
    head = sample.bof(TEXT_WINDOW)
    cls = classify_text(head, truncated=sample.size > len(head))
    if cls is not None and not _tail_is_text(sample, cls):
        cls = None
    _memo = (sample, cls)
    return cls


def decode_text(data: bytes, cls: str) -> str:
    """Best-effort text of ``data`` for a known class (for parsers such as json/csv)."""
    if cls == UTF8_BOM:
        return data[3:].decode("utf-8", "replace")
    if cls in (UTF16_LE, UTF16_BE):
        return data[2:].decode("utf-16-le" if cls == UTF16_LE else "utf-16-be", "replace")
    if cls in (EBCDIC, EBCDIC_INTL):
        return data.decode("cp037", "replace")
    if cls in (ISO8859, EXTENDED):
        return data.decode("cp1252" if cls == EXTENDED else "latin-1", "replace")
    return data.decode("utf-8", "replace")
