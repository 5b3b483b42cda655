"""Lazy BOF/EOF byte windows over a Sample: read once, slice many times."""

from __future__ import annotations

from typing import Protocol


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
