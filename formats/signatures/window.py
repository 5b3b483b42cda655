"""Lazy BOF/EOF byte windows over a Sample: read once, slice many times.

Also the read budget container readers share: a crafted file must not make a reader allocate
or read more than a fixed amount, whatever its header claims.
"""

from __future__ import annotations

from typing import Protocol

#: bytes a container reader (ZIP directory + members, OLE2 tables + streams) may read from one
#: file: enough for a 500,000-member central directory or a 100,000-entry OLE2 directory plus
#: every member head container signatures ask for, and nothing a 2 GiB hostile file can stretch
READ_BUDGET = 64 << 20


class ReadBudget:
    """What one container reader may still read from one file (see :data:`READ_BUDGET`).

    ``spend`` answers False once the budget is used up and records the problem once, so a
    reader stops where it is and identifies the file from what it read so far.
    """

    __slots__ = ("left", "limit", "problems")

    def __init__(self, problems: list[str], limit: int = READ_BUDGET) -> None:
        self.limit = limit
        self.left = limit
        self.problems = problems

    def spend(self, n: int) -> bool:
        if n <= self.left:
            self.left -= n
            return True
        if self.left >= 0:
            self.problems.append(f"read budget of {self.limit >> 20} MiB per file used up; "
                                 "identified from what was read before")
            self.left = -1
        return False


class Source(Protocol):
    size: int

    def bof(self, n: int) -> bytes: ...

    def eof(self, n: int) -> bytes: ...


class Window:
    """The bytes a matcher may look at: the head and the tail of one file.

    The first request reads the head; a request for more extends it. When the file is no
    longer than the head already read, the tail is a slice of it (one read per small file).
    """

    __slots__ = ("_head", "_src", "_tail", "size")

    def __init__(self, source: Source, head: int) -> None:
        self._src = source
        self.size = source.size
        self._head = source.bof(head) if self.size else b""
        self._tail: bytes | None = None

    def head(self, n: int) -> bytes:
        if len(self._head) < n and len(self._head) < self.size:
            self._head = self._src.bof(n)
        return self._head

    def tail(self, n: int) -> bytes:
        if len(self._head) >= self.size:
            return self._head
        tail = self._tail
        if tail is None or (len(tail) < n and len(tail) < self.size):
            tail = self._tail = self._src.eof(n)
        return tail

    @classmethod
    def of_bytes(cls, data: bytes) -> Window:
        win = cls.__new__(cls)
        win._src = _Bytes(data)
        win.size = len(data)
        win._head = data
        win._tail = None
        return win


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def bof(self, n: int) -> bytes:
        return self.data[:n]

    def eof(self, n: int) -> bytes:
        return self.data[-n:] if n else b""
