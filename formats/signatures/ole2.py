"""A minimal, bounded OLE2 (Compound File Binary) reader: directory and stream heads.

Legacy Office container signatures name streams (``WordDocument``, ``CompObj``) and match
bytes near their start. We read the header, then only what a question needs: the directory
chain, and for a named stream the sectors covering the bytes asked for. The FAT is read one
sector at a time as chains reach it (a 2 GiB file has a 16 MiB FAT; nobody needs all of it).

Every table and chain is hostile input (a 2 GiB sparse file whose DIFAT chain points at an
all-zero sector 0 once took 94 s and 8 GiB):

* each chain (DIFAT, FAT, mini-FAT, directory, mini stream) stops at a loop and at a sector
  past the end of what it may address; its length is bounded by the file size, never by a
  count the header chooses;
* storages nest at most :data:`MAX_DEPTH` deep and the directory holds at most
  :data:`MAX_DIR_ENTRIES` entries;
* all reads of one file share a :class:`~formats.signatures.window.ReadBudget`.

A broken bound ends that chain; what was read before still counts, and ``problems`` names what
broke (the identifier reports it as a warning).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import BinaryIO, NamedTuple

from formats.signatures.window import ReadBudget

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END = 0xFFFFFFFA  # any sector id at or above this ends a chain (MAXREGSECT + 1)
MAX_DIR_ENTRIES = 100_000
#: storages nested deeper than this are not listed (paths would grow quadratically)
MAX_DEPTH = 64
_HEADER_DIFAT = 109
_CONTROL = "".join(chr(c) for c in range(32))


class OleEntry:
    __slots__ = ("kind", "name", "path", "size", "start")

    def __init__(self, name: str, kind: int, start: int, size: int) -> None:
        self.name = name
        self.kind = kind  # 1 storage, 2 stream, 5 root
        self.start = start
        self.size = size
        self.path = name


class _Node(NamedTuple):
    entry: OleEntry
    left: int
    right: int
    child: int


def _clean(name: str) -> str:
    """Stream names as container signatures write them: leading control characters dropped
    (``\\x01CompObj`` -> ``CompObj``, ``\\x05SummaryInformation``)."""
    return name.lstrip(_CONTROL)


class _Chain:
    """A sector chain followed lazily: ``get(i)`` is its i-th sector id (None past its end).

    ``bound`` is the number of sectors the chain may address (derived from the file size);
    ``cap`` the most sectors it may have. Loops, out-of-range ids and overlong chains end it
    with a problem. The next id is looked up only when asked for, so a chain whose links are
    read as it goes (the DIFAT) works too.
    """

    __slots__ = ("_bound", "_cap", "_next", "_note", "_seen", "_start", "_what", "done",
                 "sids")

    def __init__(self, start: int, next_of: Callable[[int], int], bound: int, cap: int,
                 what: str, note: Callable[[str], None]) -> None:
        self.sids: list[int] = []
        self._seen: set[int] = set()
        self._start = start
        self._next = next_of
        self._bound = bound
        self._cap = cap
        self._what = what
        self._note = note
        self.done = False

    def get(self, index: int) -> int | None:
        while len(self.sids) <= index and not self.done:
            self._step()
        return self.sids[index] if index < len(self.sids) else None

    def _step(self) -> None:
        sid = self._next(self.sids[-1]) if self.sids else self._start
        if sid >= _END:
            self.done = True
            return
        problem = None
        if sid >= self._bound:
            problem = f"{self._what} chain points past the end (sector {sid})"
        elif sid in self._seen:
            problem = f"{self._what} chain loops at sector {sid}"
        elif len(self.sids) >= self._cap:
            problem = f"{self._what} chain is longer than the file allows"
        if problem is not None:
            self._note(problem)
            self.done = True
            return
        self.sids.append(sid)
        self._seen.add(sid)

    def take(self, count: int) -> list[int]:
        """The first ``count`` sector ids (fewer when the chain ends first)."""
        if count > 0:
            self.get(count - 1)
        return self.sids[:count]


class OleDirectory:
    """Streams and storages of an OLE2 file by path (``Storage/Stream``)."""

    def __init__(self, fh: BinaryIO, size: int, budget: ReadBudget | None = None) -> None:
        self._fh = fh
        self.size = size
        self.problems: list[str] = budget.problems if budget is not None else []
        self._budget = budget if budget is not None else ReadBudget(self.problems)
        self.entries: dict[str, OleEntry] = {}
        self._root: OleEntry | None = None
        self._fat_cache: dict[int, bytes] = {}
        self._minifat_cache: dict[int, bytes] = {}
        self._fat_sids: list[int] = []
        self._difat: _Chain | None = None
        self._minifat: _Chain | None = None
        self._mini_stream: _Chain | None = None
        try:
            self._read()
        except (struct.error, ValueError, OSError) as exc:
            self._note(f"unreadable ({type(exc).__name__})")

    def _note(self, problem: str) -> None:
        text = f"OLE2 {problem}"
        if text not in self.problems:
            self.problems.append(text)

    # -- sectors and the FAT ----------------------------------------------------------------

    def _sector(self, sid: int) -> bytes | None:
        """One whole sector, or None (past the end of the file, or the budget is used up)."""
        if sid >= self._n_sectors or not self._budget.spend(self._ssize):
            return None
        self._fh.seek((sid + 1) << self._shift)
        data = self._fh.read(self._ssize)
        return data if len(data) == self._ssize else None

    def _next(self, sid: int) -> int:
        """The FAT entry of ``sid`` (the chain's next sector); ENDOFCHAIN when unreadable."""
        index, slot = divmod(sid, self._per)
        block = self._fat_cache.get(index)
        if block is None:
            fsid = self._fat_sector(index)
            block = self._sector(fsid) if fsid is not None else None
            if block is None:
                if fsid is not None and fsid >= self._n_sectors:
                    self._note(f"FAT sector {fsid} lies past the end of the file")
                return 0xFFFFFFFE
            self._fat_cache[index] = block
        return int(struct.unpack_from("<I", block, slot * 4)[0])

    def _fat_sector(self, index: int) -> int | None:
        """Where FAT sector ``index`` lies: in the header's DIFAT, else down the DIFAT chain."""
        if index >= self._n_fat:
            self._note(f"a chain points past the FAT ({self._n_fat} sectors)")
            return None
        while index >= len(self._fat_sids) and self._difat is not None \
                and not self._difat.done:
            before = len(self._difat.sids)
            sid = self._difat.get(before)
            if sid is None:
                break
            block = self._sector(sid)
            if block is None:
                self._difat.done = True
                break
            values = struct.unpack(f"<{self._per}I", block)
            self._fat_sids.extend(v for v in values[:-1] if v < _END)
            self._difat_next[sid] = values[-1]
        if index >= len(self._fat_sids):
            self._note(f"DIFAT lists {len(self._fat_sids)} FAT sectors, a chain needs "
                       f"sector {index}")
            return None
        return self._fat_sids[index]

    # -- the header and the directory -------------------------------------------------------

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
        self._per = self._ssize // 4
        #: sectors the file can hold after its header (a partial last sector counts)
        self._n_sectors = max(0, (self.size - 1) >> shift)
        n_fat, dir_start = struct.unpack_from("<II", header, 44)
        self._cutoff, minifat_start, n_minifat, difat_start, _n_difat = \
            struct.unpack_from("<IIIII", header, 56)
        # the FAT needs no more sectors than it takes to describe every sector of the file
        self._n_fat = min(n_fat, -(-self._n_sectors // self._per))
        self._fat_sids = [s for s in struct.unpack_from(f"<{_HEADER_DIFAT}I", header, 76)
                          if s < _END][:self._n_fat]
        extra = max(0, self._n_fat - _HEADER_DIFAT)
        self._difat_next: dict[int, int] = {}
        if extra:
            self._difat = _Chain(difat_start, lambda s: self._difat_next.get(s, 0xFFFFFFFE),
                                 self._n_sectors, -(-extra // (self._per - 1)), "DIFAT",
                                 self._note)
        self._minifat = _Chain(minifat_start, self._next, self._n_sectors,
                               min(n_minifat or self._n_sectors, self._n_sectors), "mini-FAT",
                               self._note)
        directory = _Chain(dir_start, self._next, self._n_sectors,
                           MAX_DIR_ENTRIES * 128 // self._ssize + 1, "directory", self._note)
        nodes: list[_Node] = []
        index = 0
        while len(nodes) < MAX_DIR_ENTRIES:
            sid = directory.get(index)
            if sid is None:
                break
            index += 1
            data = self._sector(sid)
            if data is None:
                break
            for at in range(0, len(data) - 127, 128):
                nodes.append(_parse_entry(data, at))
        if not nodes or nodes[0].entry.kind != 5:
            return
        self._root = nodes[0].entry
        per_big = self._ssize // 64
        self._mini_stream = _Chain(self._root.start, self._next, self._n_sectors,
                                   min(-(-self._root.size // self._ssize), self._n_sectors),
                                   "mini stream", self._note)
        self._mini_sectors = min(-(-self._root.size // 64), self._n_sectors * per_big)
        self._walk(nodes, nodes[0].child)

    def _walk(self, nodes: list[_Node], first: int) -> None:
        """Name every entry by its path; iterative, so hostile nesting cannot overflow."""
        stack = [(first, "", 1)]
        seen: set[int] = set()
        deep = False
        while stack:
            i, base, depth = stack.pop()
            if i >= len(nodes) or i in seen:
                continue
            seen.add(i)
            node = nodes[i]
            stack.append((node.left, base, depth))
            stack.append((node.right, base, depth))
            entry = node.entry
            entry.path = base + _clean(entry.name)
            self.entries.setdefault(entry.path, entry)
            if entry.kind == 1:
                if depth >= MAX_DEPTH:
                    deep = True
                    continue
                stack.append((node.child, entry.path + "/", depth + 1))
        if deep:
            self._note(f"storages nest deeper than {MAX_DEPTH}; deeper entries not listed")

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
            chain = _Chain(entry.start, self._next, self._n_sectors, self._n_sectors,
                           f"stream {path}", self._note)
            out: list[bytes] = []
            for sid in chain.take(-(-want // self._ssize)):
                data = self._sector(sid)
                if data is None:
                    break
                out.append(data)
            return b"".join(out)[:want]
        except (OSError, struct.error):
            return b""

    def _minifat_next(self, msid: int) -> int:
        index, slot = divmod(msid, self._per)
        block = self._minifat_cache.get(index)
        if block is None:
            assert self._minifat is not None
            sid = self._minifat.get(index)
            block = self._sector(sid) if sid is not None else None
            if block is None:
                return 0xFFFFFFFE
            self._minifat_cache[index] = block
        return int(struct.unpack_from("<I", block, slot * 4)[0])

    def _read_mini(self, entry: OleEntry, want: int) -> bytes:
        assert self._mini_stream is not None
        per_big = self._ssize // 64
        chain = _Chain(entry.start, self._minifat_next, self._mini_sectors, self._mini_sectors,
                       f"mini-FAT (stream {entry.path})", self._note)
        out: list[bytes] = []
        for msid in chain.take(-(-want // 64)):
            big = self._mini_stream.get(msid // per_big)
            if big is None or not self._budget.spend(64):
                break
            self._fh.seek(((big + 1) << self._shift) + (msid % per_big) * 64)
            out.append(self._fh.read(64))
        return b"".join(out)[:want]


def _parse_entry(data: bytes, at: int) -> _Node:
    nlen = struct.unpack_from("<H", data, at + 64)[0]
    name = data[at:at + max(0, min(nlen, 64) - 2)].decode("utf-16-le", "replace")
    kind = data[at + 66]
    left, right, child = struct.unpack_from("<III", data, at + 68)
    start, size = struct.unpack_from("<II", data, at + 116)
    return _Node(OleEntry(name, kind, start, size), left, right, child)
