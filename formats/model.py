"""What identifiers see (Sample), what they answer (Match), and how sure they are (Confidence)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import BinaryIO, Protocol

from registries.model import FormatKey


class Confidence(IntEnum):
    """A coarse, ordered scale of how sure an identification is.

    The renovation's own names were never published; these mirror DROID's hit types
    (tentative = EXTENSION, positive generic/specific). MANUAL is a person's decision in the
    workbench, which nothing automatic may overwrite.
    """

    UNIDENTIFIED = 0
    EXTENSION = 1
    HEURISTIC = 2
    POSITIVE_GENERIC = 3
    POSITIVE_SPECIFIC = 4
    MANUAL = 5

    @classmethod
    def parse(cls, text: str) -> Confidence:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(c.name for c in cls)
            raise ValueError(f"unknown confidence {text!r}; use one of {names}") from None


@dataclass(frozen=True)
class Match:
    """One identifier's answer. Unknown is a Match with ``key=None`` and UNIDENTIFIED."""

    key: FormatKey | None
    confidence: Confidence
    source: str
    basis: str = ""
    warning: str = ""

    @property
    def identified(self) -> bool:
        return self.key is not None and self.confidence > Confidence.UNIDENTIFIED

    def with_(self, **changes: object) -> Match:
        return replace(self, **changes)  # type: ignore[arg-type]


def unknown(source: str, warning: str = "no match", basis: str = "") -> Match:
    return Match(None, Confidence.UNIDENTIFIED, source, basis, warning)


Opener = Callable[[], BinaryIO]

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISDIR, "a directory"))


class NotRegularFile(OSError):
    """The path is a FIFO, device, socket or folder: never opened (a FIFO would block, a
    device may never end). An ``OSError``, so every caller that reports unreadable files
    reports it the same way."""

    def __init__(self, path: str, mode: int) -> None:
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        super().__init__(f"not a regular file ({kind})")
        self.strerror = f"not a regular file ({kind})"
        self.filename = path


def check_regular(path: str, mode: int) -> None:
    """Raise :class:`NotRegularFile` unless ``mode`` is a regular file's."""
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path, mode)


def open_regular(path: str) -> int:
    """A read-only descriptor of ``path``, refusing anything but a regular file without ever
    blocking on it (``O_NONBLOCK`` for the open, ``fstat`` of what was opened)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        check_regular(path, os.fstat(fd).st_mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _opener(path: str) -> Opener:
    def open_file() -> BinaryIO:
        return os.fdopen(open_regular(path), "rb")

    return open_file


class Sample:
    """What an identifier sees of one bitstream: its original name, size and lazy byte windows.

    ``name`` is the bitstream's name (the original filename), never the asset path. Windows are
    read on demand and cached; the whole file is read only through :meth:`read_all`.
    """

    __slots__ = ("_all", "_bof", "_eof", "_ext", "_opener", "_path", "name", "problems",
                 "size")

    #: a file up to this size is read whole by its first window request (one syscall; its
    #: tail and whole content are then free)
    SMALL_FILE = 65536

    def __init__(self, name: str, size: int, opener: Opener) -> None:
        self.name = name
        self.size = size
        self._opener = opener
        self._bof = b""
        self._eof = b""
        self._all: bytes | None = None
        self._ext: str | None = None
        #: the file's path when known (from_path): windows are read with os.open/os.pread,
        #: a third of the cost of a buffered file object for small files
        self._path: str | None = None
        #: bounds the file broke while an identifier read it (a container directory that
        #: loops, a read budget used up): the stack adds them to the answer's warning
        self.problems: list[str] = []

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], name: str | None = None,
                  size: int | None = None, *, stat_result: os.stat_result | None = None
                  ) -> Sample:
        """A sample of the regular file at ``path``; anything else (FIFO, device, socket,
        folder) raises :class:`NotRegularFile` and is never opened.

        ``stat_result``: the caller's fresh ``os.stat`` of the path, when it has one (saves a
        stat). ``size`` overrides the size (the file is still checked)."""
        # os-level calls, not pathlib: this runs once per file in every scan (~5 µs saved).
        file = os.fspath(path)
        st = stat_result if stat_result is not None else os.stat(file)
        check_regular(file, st.st_mode)
        sample = cls(name if name is not None else os.path.basename(file),
                     st.st_size if size is None else size, _opener(file))
        sample._path = file
        return sample

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "") -> Sample:
        import io

        sample = cls(name, len(data), lambda: io.BytesIO(data))
        sample._all = data
        return sample

    @property
    def extension(self) -> str:
        """Lower-cased text after the last dot of the name ('' when there is none); every
        identifier asks, so it is worked out once."""
        ext = self._ext
        if ext is None:
            base = self.name.rsplit("/", 1)[-1]
            dot = base.rfind(".")
            ext = self._ext = base[dot + 1:].lower() if dot > 0 else ""
        return ext

    def bof(self, n: int) -> bytes:
        """The first ``n`` bytes (fewer if the file is shorter)."""
        if self._all is not None:
            return self._all[:n]
        if len(self._bof) < n and len(self._bof) < self.size:
            if self._path is not None:
                if self.size <= max(n, self.SMALL_FILE):
                    return self.read_all()[:n]
                self._bof = self._pread(n, 0)
            else:
                with self._opener() as fh:
                    self._bof = fh.read(n)
        return self._bof[:n]

    def eof(self, n: int) -> bytes:
        """The last ``n`` bytes (fewer if the file is shorter)."""
        if self._all is not None:
            return self._all[-n:] if n else b""
        if n <= 0:
            return b""
        if len(self._eof) < n and len(self._eof) < self.size:
            if n >= self.size or self.size <= self.SMALL_FILE:
                return self.read_all()[-n:]
            if self._path is not None:
                self._eof = self._pread(n, self.size - n)
            else:
                with self._opener() as fh:
                    fh.seek(self.size - n)
                    self._eof = fh.read(n)
        return self._eof[-n:]

    def read_all(self) -> bytes:
        if self._all is None:
            if self._path is not None and self.size <= self.SMALL_FILE:
                # one read of size + 1 bytes also sees a file that grew since the stat
                data = self._pread(self.size + 1, 0)
                if len(data) == self.size + 1:
                    with self._opener() as fh:
                        data = fh.read()
                self._all = data
            else:
                with self._opener() as fh:
                    self._all = fh.read()
        return self._all

    def _pread(self, n: int, offset: int) -> bytes:
        """Up to ``n`` bytes at ``offset`` through the path (fewer only at the end of file)."""
        assert self._path is not None
        fd = open_regular(self._path)
        try:
            data = os.pread(fd, n, offset)
            if 0 < len(data) < n:  # a short read before the end: keep reading
                parts = [data]
                got = len(data)
                while got < n:
                    more = os.pread(fd, n - got, offset + got)
                    if not more:
                        break
                    parts.append(more)
                    got += len(more)
                data = b"".join(parts)
            return data
        finally:
            os.close(fd)

    def open(self) -> BinaryIO:
        """A fresh binary stream over the whole file (for containers)."""
        return self._opener()


class Identifier(Protocol):
    """One identification method. Stateless after construction, safe to share across files."""

    name: str

    def identify(self, sample: Sample, previous: Match | None) -> Match | None:
        """Answer for ``sample``, or None to abstain. ``previous`` is the stack's best so far."""
        ...
