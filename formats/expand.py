"""Expanding archives during a scan (``-z``): members identified, named and capped as sf does.

Naming follows siegfried: ``outer.zip#inner/path.txt``, and a nested archive's members continue
the chain (``outer.zip#inner.tar.gz#inner.tar#x.txt``). The archive's own row comes first (kind
CONTAINER), then for zip and tar a folder row for each path prefix the first time it is met
(DROID writes them; sf's layouts drop folders), then the members.

Hostile archives, and why each check exists:

* **member count** and **expanded size** are budgets for everything found below one file on disk,
  nested levels included (a zip of zips cannot multiply them). A zip whose central directory
  already exceeds them is refused before anything is read (error on its own row). Exceeded while
  reading (headers lie, streams have none), the scan of that file stops with an error row named
  ``outer.zip#`` (sf's name for "error occurred during decompression"); the scan goes on.
* **compression ratio**: a member (or a gzip/bzip2/xz stream) expanding more than ``max_ratio``
  times its compressed size, past ``ratio_floor`` bytes, is refused: that member's row has the
  error, the other members go on.
* **depth**: archives nested deeper than ``max_depth`` are reported but not opened.
* Members are read in blocks into memory up to ``in_memory`` bytes, else into a file created by
  :func:`tempfile.mkstemp` inside a private temporary folder (mode 0700), never named after the
  member, deleted as soon as the member is done. No member path ever reaches the file system.

Errors inside an archive have ``error_kind`` ARCHIVE_ERROR: reported, counted, not an exit failure.
"""

from __future__ import annotations

import io
import lzma
import os
import posixpath
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO

from formats.archives import (
    BZIP2,
    GZIP,
    TAR,
    XZ,
    ZIP,
    ArchiveFormatError,
    archive_kind,
    entries,
    precheck,
)
from formats.archives import Entry as ArchiveEntry
from formats.hashing import BLOCK, new_hasher
from formats.locations import member_path, member_uri
from formats.model import Sample
from formats.scan_model import ARCHIVE_ERROR, CONTAINER, ArchiveLimits, ScanResult
from formats.stack import IdentifierStack
from formats.walk import FILE, FOLDER

_READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, ArchiveFormatError, RuntimeError,
                NotImplementedError, ValueError)
_COMPRESSED = (GZIP, BZIP2, XZ)


class ArchiveLimitError(Exception):
    """A budget of the whole tree ran out: the file's expansion stops."""


class _RatioError(Exception):
    """One member expands too much: that member is refused."""


@dataclass(frozen=True)
class Level:
    """The archive being expanded: how its members are named and where their caps come from."""

    kind: str
    filename: str        # its sf-style name (members are ``filename#path``)
    name: str            # its own base name (names a compressed file's one member)
    uri: str             # DROID URI
    droid_path: str      # DROID FILE_PATH form of the URI ("file:/..." at the top)
    size: int            # its compressed size (ratio base of a gzip/bzip2/xz member)
    depth: int = 1


class Spill:
    """A private temporary folder, made on first use, for members too large for memory."""

    def __init__(self) -> None:
        self._dir: str | None = None

    def new(self) -> tuple[int, str]:
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="bsf-scan-")
        return tempfile.mkstemp(dir=self._dir, prefix="member-")

    def close(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


class _Content:
    """A member's bytes (in memory or in a spill file), its size and its checksum."""

    def __init__(self, data: bytes | None, path: str | None, size: int, digest: str) -> None:
        self.data, self.path, self.size, self.digest = data, path, size, digest

    def sample(self, name: str) -> Sample:
        if self.data is not None:
            return Sample.from_bytes(self.data, name)
        assert self.path is not None
        return Sample.from_path(self.path, name, self.size)

    def stream(self) -> BinaryIO:
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        return open(self.path, "rb")

    def discard(self) -> None:
        if self.path is not None:
            os.unlink(self.path)
            self.path = None


class Expander:
    """Expands the archives found below one file on disk, within one set of budgets."""

    def __init__(self, stack: IdentifierStack, limits: ArchiveLimits, hash_name: str | None,
                 spill: Spill) -> None:
        self.stack = stack
        self.limits = limits
        self.hash_name = hash_name
        self.spill = spill
        self.members = 0
        self.expanded = 0
        self.exhausted = False

    # --- the archive's own row ------------------------------------------------------------------

    def check(self, kind: str, source: BinaryIO) -> str:
        """An error for the archive's own row, found before expansion ('' when it may go on)."""
        try:
            pre = precheck(kind, source)
        except ArchiveFormatError as exc:
            return f"failed to decompress, got: {exc}"
        if pre is None:
            return ""
        if self.members + pre.members > self.limits.max_members:
            return (f"archive has {pre.members} members, over the cap of "
                    f"{self.limits.max_members} (--max-members)")
        if self.expanded + pre.declared > self.limits.max_expanded:
            return (f"archive declares {pre.declared} expanded bytes, over the cap of "
                    f"{self.limits.max_expanded} (--max-expanded)")
        return ""

    # --- members ------------------------------------------------------------------------------

    def expand(self, level: Level, source: BinaryIO) -> Iterator[ScanResult]:
        """The rows below ``level``: folders, members, nested archives, or one error row."""
        written: set[str] = set()
        try:
            for entry in entries(level.kind, source, level.name):
                if self.exhausted:
                    return
                if level.kind in (ZIP, TAR):
                    yield from self._folders(level, entry, written)
                if not entry.is_dir:
                    yield from self._member(level, entry)
        except ArchiveLimitError as exc:
            self.exhausted = True
            yield self._error_row(level, str(exc))
        except _READ_ERRORS as exc:
            yield self._error_row(level, f"error occurred during decompression: {exc}")

    def _error_row(self, level: Level, message: str) -> ScanResult:
        return ScanResult(f"{level.filename}#", "", None, None, message, None, FILE,
                          level.filename, ARCHIVE_ERROR, uri=level.uri + "!/",
                          droid_path=level.droid_path + "!/")

    def _folders(self, level: Level, entry: ArchiveEntry, written: set[str]
                 ) -> Iterator[ScanResult]:
        parts = _parts(entry.path)
        upto = len(parts) if entry.is_dir else len(parts) - 1
        parent = level.filename
        for i in range(1, upto + 1):
            inner = "/".join(parts[:i])
            filename = f"{level.filename}#{inner}"
            if inner not in written:
                written.add(inner)
                yield ScanResult(filename, parts[i - 1], None, None, kind=FOLDER, parent=parent,
                                 uri=member_uri(level.kind, level.uri, inner, folder=True),
                                 droid_path=member_path(level.kind, level.droid_path, inner,
                                                        folder=True))
            parent = filename

    def _member(self, level: Level, entry: ArchiveEntry) -> Iterator[ScanResult]:
        parts = _parts(entry.path)
        name = parts[-1] if parts and level.kind in (ZIP, TAR) else (
            posixpath.basename(entry.path.rstrip("/")) or entry.path)
        parent = (f"{level.filename}#{'/'.join(parts[:-1])}"
                  if level.kind in (ZIP, TAR) and len(parts) > 1 else level.filename)
        base = ScanResult(f"{level.filename}#{entry.path}", name, entry.size, entry.mtime,
                          parent=parent,
                          uri=member_uri(level.kind, level.uri, entry.path),
                          droid_path=member_path(level.kind, level.droid_path, entry.path))
        if entry.error:
            yield replace(base, error=entry.error, error_kind=ARCHIVE_ERROR)
            return
        self.members += 1
        if self.members > self.limits.max_members:
            raise ArchiveLimitError(f"archive has more than {self.limits.max_members} members "
                                    "(--max-members)")
        compressed = entry.compressed if entry.compressed is not None else (
            level.size if level.kind in _COMPRESSED else None)
        try:
            content = self._read(entry, compressed)
        except _RatioError as exc:
            yield replace(base, size=None, error=str(exc), error_kind=ARCHIVE_ERROR)
            return
        except _READ_ERRORS as exc:
            yield replace(base, size=None, error=f"cannot read member: {exc}",
                        error_kind=ARCHIVE_ERROR)
            return
        try:
            match = self.stack.identify(content.sample(name))
            row = replace(base, size=content.size, match=match, hash=content.digest)
            kind = archive_kind(match, self.stack.registries)
            if kind is None:
                yield row
                return
            if level.depth >= self.limits.max_depth:
                yield replace(row, kind=CONTAINER, error_kind=ARCHIVE_ERROR,
                            error=f"archive nested deeper than {self.limits.max_depth} levels "
                                  "not opened")
                return
            with content.stream() as stream:
                error = self.check(kind, stream)
                yield replace(row, kind=CONTAINER, error=error,
                            error_kind=ARCHIVE_ERROR if error else "")
                if not error:
                    inner = Level(kind, row.filename, name, row.uri, row.droid_path,
                                  content.size, level.depth + 1)
                    yield from self.expand(inner, stream)
        finally:
            content.discard()

    def _read(self, entry: ArchiveEntry, compressed: int | None) -> _Content:
        limits = self.limits
        hasher = new_hasher(self.hash_name) if self.hash_name else None
        chunks: list[bytes] = []
        total = 0
        fd: int | None = None
        path: str | None = None
        try:
            stream = entry.open()
            try:
                while block := stream.read(BLOCK):
                    total += len(block)
                    self.expanded += len(block)
                    if self.expanded > limits.max_expanded:
                        raise ArchiveLimitError(f"archive expands beyond {limits.max_expanded} "
                                                "bytes (--max-expanded)")
                    if (compressed is not None and total > limits.ratio_floor
                            and total > compressed * limits.max_ratio):
                        raise _RatioError(f"member expands more than {limits.max_ratio:g} times "
                                          "its compressed size (--max-ratio)")
                    if hasher is not None:
                        hasher.update(block)
                    if fd is None and total > limits.in_memory:
                        fd, path = self.spill.new()
                        for chunk in chunks:
                            _write_all(fd, chunk)
                        chunks = []
                    if fd is not None:
                        _write_all(fd, block)
                    else:
                        chunks.append(block)
            finally:
                stream.close()
        except BaseException:
            if fd is not None:
                os.close(fd)
                fd = None
            if path is not None:
                os.unlink(path)
            raise
        finally:
            if fd is not None:
                os.close(fd)
        digest = hasher.hexdigest() if hasher is not None else ""
        if path is not None:
            return _Content(None, path, total, digest)
        return _Content(b"".join(chunks), None, total, digest)


def _parts(path: str) -> list[str]:
    """A member path's folder names, without empty, ``.`` and ``..`` parts (labels only)."""
    return [p for p in path.split("/") if p not in ("", ".", "..")]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


