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
import hashlib
import io
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from bsfcore.atomic import AtomicFile, atomic_replace
from bsfcore.errors import AssetError, PackageError
from packager.model import DEFAULT_DATE, utc

CHUNK = 1 << 20
_MIN_DATE = datetime(1980, 1, 1)


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
        dest.parent.mkdir(parents=True, exist_ok=True)
        self._file = AtomicFile(dest, fsync=False)
        self._raw = self._file.file
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
        self.md5 = self._out.digest.hexdigest()
        self.size = self._out.position
        self._file.commit()  # the mode a new file gets, or the replaced zip's own

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._zip.close()
        self._file.abort()


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
    dest.parent.mkdir(parents=True, exist_ok=True)
    atomic_replace(dest, data, fsync=False)


__all__ = ["DeterministicZip", "PackageError", "deterministic_zip", "file_md5", "write_atomic",
           "zip_time"]
