"""Read one zip entry from its raw stream, so that the size it declares holds.

Python's :mod:`zipfile` stops reading an entry at the size the central directory declares and
says nothing about data beyond it: an entry that inflates past its declared size (with the
CRC-32 of the declared part) was silently cut. :class:`ZipEntryReader` reads the member's raw
bytes after its local header and inflates them with :mod:`zlib` itself (stored entries are
copied): more data than declared is :class:`ZipEntryTooLong` (a zip bomb), less, a broken
stream or a wrong CRC-32 :class:`CorruptZipEntry`. Only stored and deflated entries are read
this way (:data:`METHODS`); callers hand other methods to :mod:`zipfile`.

Used by the AIP guard (:mod:`packager.safezip`) and by ``bsf identify -z``
(:mod:`formats.archives`), so both refuse the same entries.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from typing import BinaryIO

from bsfcore.errors import BsfError, UnsafeInputError

METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_CHUNK = 1 << 16


class ZipEntryTooLong(UnsafeInputError):
    """The entry holds more data than it declares."""


class CorruptZipEntry(BsfError):
    """The entry is truncated, its stream broken, or its CRC-32 wrong."""


class ZipEntryReader:
    """``read(n)`` over one entry of the zip in ``fh`` (which may be shared: every raw read
    seeks to where this reader is)."""

    def __init__(self, fh: BinaryIO, info: zipfile.ZipInfo, name: str) -> None:
        self.name = name
        self._fh = fh
        self._size = info.file_size
        self._crc_expected = info.CRC
        self._produced = 0
        self._crc = 0
        self._done = False
        method = info.compress_type
        if method not in METHODS:
            raise CorruptZipEntry(f"{name}: compression method {method} is not supported here")
        if method == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise ZipEntryTooLong(f"{name}: stored entry holds {info.compress_size} bytes but "
                                  f"declares {info.file_size}")
        self._inflate = zlib.decompressobj(-15) if method == zipfile.ZIP_DEFLATED else None
        fh.seek(info.header_offset)
        header = fh.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise CorruptZipEntry(f"{name}: entry is corrupt (no local header)")
        name_len, extra_len = struct.unpack_from("<HH", header, 26)
        self._pos = info.header_offset + 30 + name_len + extra_len
        self._left = info.compress_size

    def _raw(self, most: int = _CHUNK) -> bytes:
        if self._left <= 0:
            return b""
        self._fh.seek(self._pos)
        data = self._fh.read(min(self._left, most, _CHUNK))
        if not data:
            raise CorruptZipEntry(f"{self.name}: entry is corrupt or truncated (its data ends "
                                  "before its compressed size)")
        self._pos += len(data)
        self._left -= len(data)
        return data

    def _more(self, want: int) -> bytes:
        """Up to ``want`` more bytes of content (b'' when the stream has none left)."""
        inflate = self._inflate
        if inflate is None:
            return self._raw(want)
        try:
            while True:
                if inflate.unconsumed_tail:
                    out = inflate.decompress(inflate.unconsumed_tail, want)
                elif inflate.eof:
                    return b""
                else:
                    raw = self._raw()
                    if not raw:
                        return b""
                    out = inflate.decompress(raw, want)
                if out:
                    return out
        except zlib.error as exc:
            raise CorruptZipEntry(f"{self.name}: entry is corrupt ({exc})") from None

    def read(self, n: int = -1, /) -> bytes:
        if self._done:
            return b""
        want = n if n is not None and n >= 0 else self._size - self._produced + 1
        parts: list[bytes] = []
        got = 0
        while got < want:
            room = self._size - self._produced
            if room <= 0:
                self._finish()
                break
            chunk = self._more(min(want - got, room))
            if not chunk:
                self._finish()
                break
            parts.append(chunk)
            got += len(chunk)
            self._produced += len(chunk)
            self._crc = zlib.crc32(chunk, self._crc)
        return b"".join(parts)

    def _finish(self) -> None:
        """At the declared size: nothing may follow, the stream must end, the CRC match."""
        self._done = True
        if self._produced < self._size:
            raise CorruptZipEntry(f"{self.name}: entry is corrupt or truncated "
                                  f"({self._produced} of {self._size} declared bytes)")
        if self._more(1):
            raise ZipEntryTooLong(f"{self.name}: entry inflates beyond its declared size of "
                                  f"{self._size} bytes (zip bomb)")
        if self._inflate is not None and not self._inflate.eof:
            raise CorruptZipEntry(f"{self.name}: entry is corrupt or truncated (its compressed "
                                  "stream does not end)")
        if self._crc != self._crc_expected:
            raise CorruptZipEntry(f"{self.name}: entry is corrupt (CRC-32 mismatch)")

    def close(self) -> None:
        """Nothing to release (the file belongs to the caller)."""
