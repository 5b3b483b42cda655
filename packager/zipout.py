"""Deterministic zip writing: fixed entry times and attributes, streamed bitstreams.

Python's zipfile would stamp each entry with the current time and the host system; here every
entry gets the object's own date (an item's last-modified time, else DSpace's fixed
2002-11-04), fixed permissions and creator system, so identical content gives identical bytes.
The zip is written forward-only (entries carry data descriptors), so its MD5 is computed
while it is written. Bitstreams are copied in 1 MiB chunks while their MD5 and size are
checked against the archive's record — a damaged asset fails the export instead of being
packaged silently. Finished files get the mode an ordinary ``open()`` would give them (0666
less the process's umask), not the 0600 of the temporary file they were written as.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from bsfcore.errors import AssetError, PackageError
from packager.model import DEFAULT_DATE, utc

CHUNK = 1 << 20
_MIN_DATE = datetime(1980, 1, 1)


@functools.cache
def file_mode() -> int:
    """0666 less the umask: the mode a plain ``open(path, "w")`` creates files with.

    Read from /proc where Linux offers it (no window in which the umask is changed); else the
    classic set-and-restore, once per process."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def temp_beside(dest: Path) -> tuple[int, Path]:
    """A temporary file in ``dest``'s folder (same file system: the rename is atomic), already
    carrying the final file's mode."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        os.fchmod(fd, file_mode())
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    return fd, Path(tmp)


def zip_time(value: datetime | None) -> tuple[int, int, int, int, int, int]:
    when = utc(value or DEFAULT_DATE)
    assert when is not None
    naive = when.replace(tzinfo=None)
    if naive < _MIN_DATE:
        naive = _MIN_DATE
    if naive.year > 2107:
        naive = naive.replace(year=2107)
    return (naive.year, naive.month, naive.day, naive.hour, naive.minute, naive.second)


class _HashingWriter:
    """A forward-only file: zipfile then streams entries with data descriptors instead of
    seeking back, and the zip's MD5 is known when it is closed, without reading it again."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = hashlib.md5(usedforsecurity=False)
        self.position = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.position += len(data)
        return self.raw.write(data)

    def tell(self) -> int:
        return self.position

    def seek(self, *args: object) -> int:
        raise io.UnsupportedOperation("forward-only")

    def flush(self) -> None:
        self.raw.flush()


class DeterministicZip:
    """A zip being written to ``<dest>.part`` and renamed onto ``dest`` on success."""

    def __init__(self, dest: Path, *, when: datetime | None, comment: str,
                 compresslevel: int = 6) -> None:
        self.dest = dest
        self.when = zip_time(when)
        fd, self._tmp = temp_beside(dest)
        self._raw = os.fdopen(fd, "wb")
        self._out = _HashingWriter(self._raw)
        self._zip = zipfile.ZipFile(self._out, "w",  # type: ignore[call-overload]
                                    compression=zipfile.ZIP_DEFLATED,
                                    compresslevel=compresslevel, allowZip64=True)
        self._zip.comment = comment.encode("utf-8")
        self.md5 = ""
        self.size = 0

    def _info(self, name: str, size: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.when)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = 0o100644 << 16
        info.file_size = size
        return info

    def write_bytes(self, name: str, data: bytes) -> None:
        with self._zip.open(self._info(name, len(data)), "w") as out:
            out.write(data)

    def write_stream(self, name: str, stream: BinaryIO, size: int,
                     checksum: str | None = None, what: str = "") -> tuple[int, str]:
        """Copy ``stream`` in chunks; refuse a size or MD5 that differs from the record."""
        digest = hashlib.md5(usedforsecurity=False)
        copied = 0
        with self._zip.open(self._info(name, size), "w", force_zip64=size > 0x7FFFFFFF) as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                copied += len(chunk)
                out.write(chunk)
        md5 = digest.hexdigest()
        if copied != size:
            raise AssetError(f"{what or name}: asset has {copied} bytes, the archive records "
                             f"{size}")
        if checksum and md5.lower() != checksum.lower():
            raise AssetError(f"{what or name}: asset MD5 {md5} differs from the archive's "
                             f"checksum {checksum}")
        return copied, md5

    def close(self) -> None:
        """Finish the zip and move it into place (atomic on one file system)."""
        self._zip.close()
        self._raw.close()
        self.md5 = self._out.digest.hexdigest()
        self.size = self._out.position
        os.replace(self._tmp, self.dest)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._zip.close()
        with contextlib.suppress(Exception):
            self._raw.close()
        with contextlib.suppress(FileNotFoundError):
            self._tmp.unlink()


@contextlib.contextmanager
def deterministic_zip(dest: Path, *, when: datetime | None,
                      comment: str) -> Iterator[DeterministicZip]:
    out = DeterministicZip(dest, when=when, comment=comment)
    try:
        yield out
    except BaseException:
        out.abort()
        raise
    out.close()


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_atomic(dest: Path, data: bytes) -> None:
    fd, tmp = temp_beside(dest)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


__all__ = ["DeterministicZip", "PackageError", "deterministic_zip", "file_md5", "file_mode",
           "temp_beside", "write_atomic", "zip_time"]
