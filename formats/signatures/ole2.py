"""A minimal, hostile-safe OLE2 (Compound File Binary) reader: directory and stream heads.

Legacy Office container signatures name streams (``WordDocument``, ``CompObj``) and match
bytes near their start. We read the header, the FAT (only the sectors the DIFAT lists), the
directory chain, and, for a named stream, only the sectors covering the bytes asked for.
Loops in sector chains and out-of-range sector numbers end the chain instead of hanging.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END = 0xFFFFFFFA  # any sector id at or above this ends a chain
MAX_DIR_ENTRIES = 100_000
_CONTROL = "".join(chr(c) for c in range(32))


class OleEntry:
    __slots__ = ("kind", "name", "path", "size", "start")

    def __init__(self, name: str, kind: int, start: int, size: int) -> None:
        self.name = name
        self.kind = kind  # 1 storage, 2 stream, 5 root
        self.start = start
        self.size = size
        self.path = name


def _clean(name: str) -> str:
    """Stream names as container signatures write them: leading control characters dropped
    (``\\x01CompObj`` -> ``CompObj``, ``\\x05SummaryInformation``)."""
    return name.lstrip(_CONTROL)


class OleDirectory:
    """Streams and storages of an OLE2 file by path (``Storage/Stream``)."""

    def __init__(self, fh: BinaryIO, size: int) -> None:
        self._fh = fh
        self.size = size
        self.entries: dict[str, OleEntry] = {}
        self._fat: list[int] = []
        self._minifat: list[int] | None = None
        self._root: OleEntry | None = None
        self._root_chain: list[int] | None = None
        try:
            self._read()
        except (struct.error, ValueError, OSError, IndexError):
            self.entries = {}

    # -- low level ------------------------------------------------------------------------

    def _sector(self, sid: int) -> bytes:
        self._fh.seek((sid + 1) << self._shift)
        return self._fh.read(self._ssize)

    def _chain(self, start: int, fat: list[int], limit: int | None = None) -> list[int]:
        out: list[int] = []
        seen: set[int] = set()
        sid = start
        while sid < _END and sid < len(fat) and sid not in seen:
            out.append(sid)
            seen.add(sid)
            if limit is not None and len(out) >= limit:
                break
            sid = fat[sid]
        return out

    def _read(self) -> None:
        fh = self._fh
        fh.seek(0)
        header = fh.read(512)
        if header[:8] != MAGIC or len(header) < 512:
            return
        shift, mini_shift = struct.unpack_from("<HH", header, 30)
        if shift not in (9, 12) or mini_shift != 6:
            return
        self._shift, self._ssize = shift, 1 << shift
        n_fat, dir_start = struct.unpack_from("<II", header, 44)
        self._cutoff, self._minifat_start, _n_minifat, difat_start, n_difat = \
            struct.unpack_from("<IIIII", header, 56)
        max_sectors = self.size // self._ssize + 1
        fat_sids = [s for s in struct.unpack_from("<109I", header, 76) if s < _END]
        sid, hops = difat_start, 0
        per = self._ssize // 4 - 1
        while sid < _END and hops < min(n_difat, max_sectors):
            block = struct.unpack(f"<{per + 1}I", self._sector(sid))
            fat_sids.extend(s for s in block[:per] if s < _END)
            sid = block[per]
            hops += 1
        fat: list[int] = []
        for fsid in fat_sids[:min(n_fat, max_sectors)]:
            data = self._sector(fsid)
            fat.extend(struct.unpack(f"<{len(data) // 4}I", data[:len(data) // 4 * 4]))
        self._fat = fat
        raw = b"".join(self._sector(s) for s in self._chain(dir_start, fat))
        count = min(len(raw) // 128, MAX_DIR_ENTRIES)
        nodes = []
        for i in range(count):
            rec = raw[i * 128:(i + 1) * 128]
            nlen = struct.unpack_from("<H", rec, 64)[0]
            name = rec[:max(0, min(nlen, 64) - 2)].decode("utf-16-le", "replace")
            kind = rec[66]
            left, right, child = struct.unpack_from("<III", rec, 68)
            start, size = struct.unpack_from("<II", rec, 116)
            nodes.append((OleEntry(name, kind, start, size), left, right, child))
        if not nodes or nodes[0][0].kind != 5:
            return
        self._root = nodes[0][0]
        self._walk(nodes, nodes[0][3], "", set())

    def _walk(self, nodes: list[tuple[OleEntry, int, int, int]], idx: int, prefix: str,
              seen: set[int]) -> None:
        """Name every entry by its path; iterative, so hostile nesting cannot overflow."""
        stack = [(idx, prefix)]
        while stack:
            i, base = stack.pop()
            if i >= len(nodes) or i in seen:
                continue
            seen.add(i)
            entry, left, right, child = nodes[i]
            stack.append((left, base))
            stack.append((right, base))
            entry.path = base + _clean(entry.name)
            self.entries.setdefault(entry.path, entry)
            if entry.kind == 1:
                stack.append((child, entry.path + "/"))

    # -- public ---------------------------------------------------------------------------

    def has(self, path: str) -> bool:
        return path in self.entries

    def read(self, path: str, limit: int) -> bytes:
        """Up to ``limit`` bytes of the stream at ``path`` (b'' if absent or unreadable)."""
        entry = self.entries.get(path)
        if entry is None or entry.kind != 2:
            return b""
        want = min(limit, entry.size)
        try:
            if entry.size < self._cutoff and self._root is not None:
                return self._read_mini(entry, want)
            sectors = self._chain(entry.start, self._fat, want // self._ssize + 1)
            return b"".join(self._sector(s) for s in sectors)[:want]
        except (OSError, struct.error):
            return b""

    def _read_mini(self, entry: OleEntry, want: int) -> bytes:
        if self._minifat is None:
            raw = b"".join(self._sector(s) for s in self._chain(self._minifat_start, self._fat))
            self._minifat = list(struct.unpack(f"<{len(raw) // 4}I", raw[:len(raw) // 4 * 4]))
        assert self._root is not None
        if self._root_chain is None:
            self._root_chain = self._chain(self._root.start, self._fat)
        root_chain = self._root_chain
        per = self._ssize // 64
        out: list[bytes] = []
        for msid in self._chain(entry.start, self._minifat, want // 64 + 1):
            big = msid // per
            if big >= len(root_chain):
                break
            self._fh.seek(((root_chain[big] + 1) << self._shift) + (msid % per) * 64)
            out.append(self._fh.read(64))
        return b"".join(out)[:want]
