"""Reading archives for ``bsf identify -z``: which answers are archives, and their members.

An archive is recognised by its identification, as siegfried and DROID do (a ``.docx`` is a zip
inside, but it is reported as a document, not opened): the PRONOM PUIDs of zip, tar, gzip, bzip2,
xz, WARC and ARC, or, for other namespaces, a format whose MIME type is one of theirs.

Each reader yields :class:`Entry` objects in archive order. An entry's ``open()`` gives a stream
of its bytes that must be read before the next entry is requested (tar and WARC are read as
streams). Nothing here touches the disk: members are never extracted under their own names, so
no member path can escape anywhere (``expand.py`` decides memory or private temp file).

* zip: :mod:`zipfile`; directory entries are yielded as folders; the central directory's count
  and declared sizes are given to the caller before any member is read (``precheck``).
* tar: :mod:`tarfile` in stream mode (``r|``); only regular files are members, links and devices
  inside are ignored, directories are folders.
* gzip, bzip2, xz: one member, named from the gzip header's file name when present, else the
  archive's name without its compression suffix (``.tgz`` → ``.tar``), as sf and DROID do.
* WARC and ARC (:mod:`warcio`): records with a payload (response, resource, conversion),
  named ``<14-digit date>/<target URI>`` as siegfried names them.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import posixpath
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol

from bsfcore.errors import BsfError
from bsfcore.zipentry import METHODS as ZIP_METHODS
from bsfcore.zipentry import ZipEntryReader
from formats.model import Match
from registries.model import RegistrySet

ZIP, TAR, GZIP, BZIP2, XZ, WARC, ARC = "zip", "tar", "gzip", "bzip2", "xz", "warc", "arc"

PUID_KINDS = {
    "x-fmt/263": ZIP, "x-fmt/265": TAR, "x-fmt/266": GZIP, "x-fmt/268": BZIP2,
    "fmt/1098": XZ, "fmt/289": WARC, "fmt/1281": WARC, "fmt/1355": WARC,
    "x-fmt/219": ARC, "fmt/410": ARC,
}
MIME_KINDS = {
    "application/zip": ZIP, "application/x-zip-compressed": ZIP, "application/x-tar": TAR,
    "application/gzip": GZIP, "application/x-gzip": GZIP, "application/x-bzip2": BZIP2,
    "application/x-xz": XZ, "application/warc": WARC, "application/x-internet-archive": ARC,
}
_SUFFIXES = {GZIP: (".gz", ".z", ".gzip"), BZIP2: (".bz2", ".bz", ".bzip2"), XZ: (".xz",)}
_TAR_ALIASES = {".tgz": ".tar", ".taz": ".tar", ".tbz2": ".tar", ".tbz": ".tar", ".txz": ".tar"}
_MAGIC = {GZIP: b"\x1f\x8b", BZIP2: b"BZh", XZ: b"\xfd7zXZ\x00"}


class Readable(Protocol):
    """A member's byte stream (zip, tar, gzip/bzip2/xz and warcio streams all qualify)."""

    def read(self, size: int = -1, /) -> bytes: ...
    def close(self) -> None: ...


class ArchiveFormatError(Exception):
    """The bytes are not the archive the identification promised (or are damaged)."""


@dataclass(frozen=True)
class Entry:
    path: str                        # the member's path inside the archive, as named there
    size: int | None                 # declared expanded size, when the archive says
    compressed: int | None           # its compressed size, when known (zip)
    mtime: float | None
    open: Callable[[], Readable]
    is_dir: bool = False
    error: str = ""                  # a member that cannot be read (e.g. encrypted)


@dataclass(frozen=True)
class Precheck:
    members: int
    declared: int


def archive_kind(match: Match | None, registries: RegistrySet | None) -> str | None:
    """The archive type an answer names, or None (see the module docstring)."""
    if match is None or match.key is None or not match.identified:
        return None
    if match.key.namespace == "PRONOM":
        return PUID_KINDS.get(match.key.identifier)
    fmt = registries.get(match.key) if registries is not None else None
    if fmt is None or not fmt.mime_type:
        return None
    for mime in fmt.mime_type.split(","):
        kind = MIME_KINDS.get(mime.strip().lower())
        if kind is not None:
            return kind
    return None


def member_name(kind: str, archive_name: str, header_name: str | None = None) -> str:
    """The one member's name of a compressed file (sf: header name, else name minus suffix)."""
    if header_name:
        return posixpath.basename(header_name.replace("\\", "/")) or header_name
    base = posixpath.basename(archive_name)
    stem, dot, ext = base.rpartition(".")
    if dot and stem:
        lowered = "." + ext.lower()
        if lowered in _TAR_ALIASES:
            return stem + _TAR_ALIASES[lowered]
        if lowered in _SUFFIXES.get(kind, ()):
            return stem
    return base


def _gzip_header_name(head: bytes) -> str | None:
    """FNAME of a gzip header (RFC 1952), from the first bytes; None when absent or odd."""
    if len(head) < 10 or head[:2] != b"\x1f\x8b" or not head[3] & 0x08:
        return None
    pos = 10
    if head[3] & 0x04:  # FEXTRA
        if len(head) < 12:
            return None
        pos += 2 + int.from_bytes(head[10:12], "little")
    end = head.find(b"\x00", pos)
    if end < 0:
        return None
    return head[pos:end].decode("latin-1") or None


def precheck(kind: str, source: BinaryIO) -> Precheck | None:
    """For zip, the member count and declared total size before anything is expanded."""
    if kind != ZIP:
        return None
    try:
        with zipfile.ZipFile(source) as archive:
            files = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveFormatError(str(exc)) from None
    finally:
        source.seek(0)
    return Precheck(len(files), sum(i.file_size for i in files))


def entries(kind: str, source: BinaryIO, archive_name: str) -> Iterator[Entry]:
    """The members of ``source`` (seekable for zip), in archive order."""
    if kind == ZIP:
        yield from _zip(source)
    elif kind == TAR:
        yield from _tar(source)
    elif kind in _MAGIC:
        yield from _compressed(kind, source, archive_name)
    elif kind in (WARC, ARC):
        yield from _web(source)
    else:
        raise ArchiveFormatError(f"unknown archive type {kind}")


def _zip(source: BinaryIO) -> Iterator[Entry]:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveFormatError(str(exc)) from None
    with archive:
        for info in archive.infolist():
            stamp = _zip_time(info.date_time)
            if info.is_dir():
                yield Entry(info.filename, None, None, stamp, _nothing, is_dir=True)
                continue
            error = "encrypted member (not read)" if info.flag_bits & 0x1 else ""
            yield Entry(info.filename, info.file_size, info.compress_size, stamp,
                        _opener(archive, source, info), error=error)


def _opener(archive: zipfile.ZipFile, source: BinaryIO,
            info: zipfile.ZipInfo) -> Callable[[], Readable]:
    """Stored and deflated members are read from their raw stream and must end exactly at
    their declared size (as AIP entries must: :mod:`bsfcore.zipentry`); zipfile alone would
    silently cut a member holding more. Other methods go through zipfile."""
    if info.compress_type not in ZIP_METHODS:
        return lambda: archive.open(info)

    def open_checked() -> Readable:
        try:
            return _CheckedMember(ZipEntryReader(source, info, info.filename))
        except BsfError as exc:
            raise ArchiveFormatError(str(exc)) from None

    return open_checked


class _CheckedMember:
    """A member whose refusals are archive errors (its row gets the error, the scan goes on)."""

    def __init__(self, reader: ZipEntryReader) -> None:
        self._reader = reader

    def read(self, size: int = -1, /) -> bytes:
        try:
            return self._reader.read(size)
        except BsfError as exc:
            raise ArchiveFormatError(str(exc)) from None

    def close(self) -> None:
        self._reader.close()


def _nothing() -> Readable:
    import io

    return io.BytesIO(b"")


def _zip_time(date_time: tuple[int, int, int, int, int, int]) -> float | None:
    try:
        return datetime(*date_time).timestamp()
    except (ValueError, OverflowError):
        return None


def _tar(source: BinaryIO) -> Iterator[Entry]:
    try:
        archive = tarfile.open(fileobj=source, mode="r|")  # noqa: SIM115 - closed below
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ArchiveFormatError(str(exc)) from None
    with archive:
        try:
            for info in archive:
                if info.isdir():
                    yield Entry(info.name, None, None, float(info.mtime), _nothing, is_dir=True)
                elif info.isreg():
                    yield Entry(info.name, info.size, None, float(info.mtime),
                                _tar_opener(archive, info))
        except (tarfile.TarError, EOFError) as exc:
            raise ArchiveFormatError(str(exc)) from None


def _tar_opener(archive: tarfile.TarFile, info: tarfile.TarInfo) -> Callable[[], Readable]:
    def open_member() -> Readable:
        stream = archive.extractfile(info)
        if stream is None:
            raise ArchiveFormatError(f"cannot read tar member {info.name}")
        return stream
    return open_member


def _compressed(kind: str, source: BinaryIO, archive_name: str) -> Iterator[Entry]:
    head = source.read(1024)
    source.seek(0)
    if not head.startswith(_MAGIC[kind]):
        raise ArchiveFormatError(f"not {kind} data")
    header_name = _gzip_header_name(head) if kind == GZIP else None
    mtime = int.from_bytes(head[4:8], "little") if kind == GZIP and len(head) >= 8 else 0
    yield Entry(member_name(kind, archive_name, header_name), None, None,
                float(mtime) if mtime else None, lambda: _decompressed(kind, source))


def _decompressed(kind: str, source: BinaryIO) -> Readable:
    if kind == GZIP:
        return gzip.GzipFile(fileobj=source, mode="rb")
    if kind == BZIP2:
        return bz2.BZ2File(source, mode="rb")
    return lzma.LZMAFile(source, mode="rb")


def _web(source: BinaryIO) -> Iterator[Entry]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        for record in ArchiveIterator(source, arc2warc=True):
            if record.rec_type not in ("response", "resource", "conversion"):
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            stamp = _warc_time(record.rec_headers.get_header("WARC-Date") or "")
            label = stamp.strftime("%Y%m%d%H%M%S") if stamp else ""
            yield Entry(f"{label}/{uri}", None, None, stamp.timestamp() if stamp else None,
                        _web_opener(record))
    except ArchiveLoadFailed as exc:
        raise ArchiveFormatError(str(exc)) from None


class _Record(Protocol):
    def content_stream(self) -> Readable: ...


class _Unclosed:
    """warcio's payload stream, whose ``close`` would close the whole archive reader."""

    def __init__(self, stream: Readable) -> None:
        self._stream = stream

    def read(self, size: int = -1, /) -> bytes:
        return self._stream.read(size)

    def close(self) -> None:
        pass


def _web_opener(record: _Record) -> Callable[[], Readable]:
    return lambda: _Unclosed(record.content_stream())


def _warc_time(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        if text.isdigit() and len(text) >= 14:
            return datetime.strptime(text[:14], "%Y%m%d%H%M%S")
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
