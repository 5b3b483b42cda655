"""A minimal, bounded ZIP reader: the central directory and the head of named members.

Container signatures only need member names and the first KBs of a few members, so we read
the end-of-central-directory record from the tail, then the central directory, then only the
members a signature names, inflating no more than the bytes asked for. Nothing is written to
disk; malformed input gives an empty directory, never an exception.

Bounds (a crafted file chooses every count and offset in it): the central directory is read up
to :data:`MAX_DIRECTORY` bytes and :data:`MAX_ENTRIES` entries, and never past the end of the
file; offsets that point outside the file are ignored; all reads of one file share a
:class:`~formats.signatures.window.ReadBudget`. A broken bound keeps what was read before it
and names the problem in ``problems``.
"""

from __future__ import annotations

import bisect
import functools
import struct
import zlib
from typing import BinaryIO

from formats.signatures.window import ReadBudget

_EOCD = b"PK\x05\x06"
_EOCD64_LOC = b"PK\x06\x07"
_CDH = b"PK\x01\x02"
_LFH = b"PK\x03\x04"
#: signature, (skip 4), flags, method, (skip 8), sizes, name/extra/comment lengths, (skip 8),
#: local header offset
_CDH_STRUCT = struct.Struct("<4s4xHH8xIIHHH8xI")
MAX_DIRECTORY = 32 << 20  # refuse central directories larger than 32 MiB
MAX_ENTRIES = 200_000


class ZipEntry:
    __slots__ = ("csize", "flags", "method", "name", "offset", "size")

    def __init__(self, name: str, method: int, flags: int, csize: int, size: int,
                 offset: int) -> None:
        self.name = name
        self.method = method
        self.flags = flags
        self.csize = csize
        self.size = size
        self.offset = offset


class ZipDirectory:
    """Entries of a ZIP file by name (directory entries keep their trailing ``/``)."""

    def __init__(self, fh: BinaryIO, size: int, wanted: frozenset[str] | None = None,
                 budget: ReadBudget | None = None) -> None:
        """``wanted``: the only member names anyone will ask for (others are listed in
        ``names`` but get no entry object — a jar holds thousands of members)."""
        self._fh = fh
        self.size = size
        self._wanted = wanted
        self.problems: list[str] = budget.problems if budget is not None else []
        self._budget = budget if budget is not None else ReadBudget(self.problems)
        # the wanted names as their raw bytes under each of the two encodings a ZIP may use:
        # a jar lists thousands of members, and decoding every name cost more than the rest
        spellings = _raw_spellings(wanted) if wanted else None
        self._wanted_utf8: frozenset[bytes] | None = spellings[0] if spellings else None
        self._wanted_cp437: frozenset[bytes] | None = spellings[1] if spellings else None
        self.entries: dict[str, ZipEntry] = {}
        #: every member name as stored, and its UTF-8 flag (decoded only if asked, see names)
        self._raw: list[bytes] = []
        self._utf8: list[bool] = []
        self._names: list[str] | None = None
        self._sorted: list[str] | None = None
        try:
            self._read_directory()
        except (struct.error, ValueError, OSError):
            self.entries = {}
            self._raw, self._utf8 = [], []

    @property
    def names(self) -> list[str]:
        """Every member name, decoded (UTF-8 when flagged, else cp437)."""
        if self._names is None:
            self._names = [raw.decode("utf-8" if utf8 else "cp437", "replace")
                           for raw, utf8 in zip(self._raw, self._utf8, strict=True)]
        return self._names

    def __bool__(self) -> bool:
        return bool(self._raw)

    def _note(self, problem: str) -> None:
        text = f"ZIP {problem}"
        if text not in self.problems:
            self.problems.append(text)

    def _read_directory(self) -> None:
        fh, size = self._fh, self.size
        tail_len = min(size, 65535 + 22)
        if not self._budget.spend(tail_len):
            return
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
        at = tail.rfind(_EOCD)
        if at < 0 or len(tail) - at < 22:
            return
        _, _, _, total, cd_size, cd_offset, _ = struct.unpack_from("<HHHHIIH", tail, at + 4)
        eocd_pos = size - tail_len + at
        if (cd_offset == 0xFFFFFFFF or total == 0xFFFF) and at >= 20 \
                and tail[at - 20:at - 16] == _EOCD64_LOC:
            (z64_off,) = struct.unpack_from("<Q", tail, at - 20 + 8)
            if z64_off + 56 <= size:
                fh.seek(z64_off)
                rec = fh.read(56)
                if rec[:4] == b"PK\x06\x06":
                    total, cd_size, cd_offset = struct.unpack_from("<QQQ", rec, 32)
                    eocd_pos = z64_off
            else:
                self._note("ZIP64 end record lies past the end of the file")
        # self-extracting or prefixed archives: offsets are relative to the archive start
        delta = max(0, eocd_pos - cd_size - cd_offset)
        start = cd_offset + delta
        if start >= size:
            self._note("central directory lies past the end of the file")
            return
        length = min(cd_size, size - start)
        if cd_size > size - start:
            self._note(f"central directory claims {cd_size} bytes, more than the file holds")
        if length > MAX_DIRECTORY:
            self._note(f"central directory of {cd_size} bytes is over the "
                       f"{MAX_DIRECTORY >> 20} MiB bound; only its start was read")
            length = MAX_DIRECTORY
        if not self._budget.spend(length):
            return
        fh.seek(start)
        data = fh.read(length)
        pos = 0
        unpack = _CDH_STRUCT.unpack_from
        entries = self.entries
        raw_names, raw_utf8 = self._raw, self._utf8
        wanted_utf8, wanted_cp437 = self._wanted_utf8, self._wanted_cp437
        while pos + 46 <= len(data):
            (sig, flags, method, csize, usize, nlen, xlen, clen, offset) = unpack(data, pos)
            if sig != _CDH:
                break
            if len(raw_names) >= MAX_ENTRIES:
                self._note(f"more than {MAX_ENTRIES} entries; the rest were not read")
                break
            raw = data[pos + 46:pos + 46 + nlen]
            utf8 = bool(flags & 0x800)
            raw_names.append(raw)
            raw_utf8.append(utf8)
            if wanted_utf8 is not None and wanted_cp437 is not None and raw not in (
                    wanted_utf8 if utf8 else wanted_cp437):
                pos += 46 + nlen + xlen + clen
                continue
            name = raw.decode("utf-8" if utf8 else "cp437", "replace")
            if csize == 0xFFFFFFFF or usize == 0xFFFFFFFF or offset == 0xFFFFFFFF:
                csize, usize, offset = _zip64(data[pos + 46 + nlen:pos + 46 + nlen + xlen],
                                              csize, usize, offset)
            if name not in entries:
                entries[name] = ZipEntry(name, method, flags, csize, usize, offset + delta)
            pos += 46 + nlen + xlen + clen

    def has(self, path: str) -> bool:
        """True when ``path`` is an entry, or (``dir/``) any entry lies below it."""
        if path in self.entries:
            return True
        if path.endswith("/"):
            if self._sorted is None:
                self._sorted = sorted(self.names)
            at = bisect.bisect_left(self._sorted, path)
            return at < len(self._sorted) and self._sorted[at].startswith(path)
        return False

    def read(self, name: str, limit: int) -> bytes:
        """Up to ``limit`` bytes of member ``name`` (b'' if unreadable or encrypted)."""
        entry = self.entries.get(name)
        if entry is None or entry.flags & 0x1:
            return b""
        if entry.offset + 30 > self.size or not self._budget.spend(30):
            return b""
        try:
            fh = self._fh
            fh.seek(entry.offset)
            header = fh.read(30)
            if header[:4] != _LFH:
                return b""
            nlen, xlen = struct.unpack_from("<HH", header, 26)
            fh.seek(entry.offset + 30 + nlen + xlen)
            if entry.method == 0:
                want = min(limit, entry.csize)
                return fh.read(want) if self._budget.spend(want) else b""
            if entry.method != 8:
                return b""
            inflater = zlib.decompressobj(-15)
            out: list[bytes] = []
            got = 0
            left = entry.csize
            while got < limit and left > 0:
                if not self._budget.spend(min(left, 65536)):
                    break
                chunk = fh.read(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
                part = inflater.decompress(chunk, limit - got)
                out.append(part)
                got += len(part)
                if inflater.eof:
                    break
            return b"".join(out)[:limit]
        except (OSError, zlib.error, struct.error):
            return b""


@functools.lru_cache(maxsize=16)
def _raw_spellings(wanted: frozenset[str]) -> tuple[frozenset[bytes], frozenset[bytes]]:
    """The wanted names as UTF-8 and as cp437 bytes, worked out once per set of names (the
    same set serves every ZIP a container signature file is asked about)."""
    return (frozenset(w.encode("utf-8") for w in wanted),
            frozenset(_cp437(w) for w in wanted) - {b""})


def _cp437(name: str) -> bytes:
    try:
        return name.encode("cp437")
    except UnicodeEncodeError:
        return b""     # no cp437 spelling: only a UTF-8-flagged member can carry this name


def _zip64(extra: bytes, csize: int, usize: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 1:
            body = extra[pos + 4:pos + 4 + length]
            vals = [struct.unpack_from("<Q", body, i)[0] for i in range(0, len(body) - 7, 8)]
            if usize == 0xFFFFFFFF and vals:
                usize = vals.pop(0)
            if csize == 0xFFFFFFFF and vals:
                csize = vals.pop(0)
            if offset == 0xFFFFFFFF and vals:
                offset = vals.pop(0)
            break
        pos += 4 + length
    return csize, usize, offset
