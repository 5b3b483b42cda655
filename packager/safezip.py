"""Zips from outside are hostile: one guard for AIPs and for zips read back from a store.

Every check happens before anything is written. Refused, each with a clear error: a file that is
not a complete zip (truncated: no central directory), entry names that leave their folder
(zip-slip ``../``, absolute paths, drive letters, backslashes, NUL), symbolic links, duplicate
names, encrypted entries, too many entries, a declared total size over the limit, an entry whose
compression ratio is implausible (zip bomb), an entry that inflates to more bytes than it
declared (:class:`BoundedEntry` inflates the raw stream itself and checks it ends exactly at the
declared size), a manifest over its size limit, and ``mets.xml`` with a DOCTYPE/ENTITY (XXE, entity
expansion) or malformed XML.

Two uses, two named presets of :class:`ZipLimits`: :data:`AIP_LIMITS` for AIPs (flat, big
payloads; overridable with ``packager.zip.*``) and :data:`STORE_RECORD_LIMITS` for deletion
records and bags unpacked from an object store (folders allowed, small). Restored bags unpack
whole AIPs, so they use :data:`STORE_AIP_LIMITS`.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import IO

from lxml import etree

from bsfcore.errors import ConfigError, InputError, PackageError, UnsafeInputError
from bsfcore.settings import Settings
from bsfcore.zipentry import CorruptZipEntry, ZipEntryReader
from packager.naming import is_plain_name
from registries.xmlsafe import parse_xml

MANIFEST = "mets.xml"


@dataclass(frozen=True)
class ZipLimits:
    """Bounds checked against a zip's central directory before any entry is read."""

    max_entries: int = 100_000
    max_total_bytes: int = 1 << 40  # uncompressed, per package
    max_ratio: int = 1_000  # uncompressed / compressed, for entries over ratio_floor
    ratio_floor: int = 1 << 20
    max_manifest_bytes: int = 256 << 20


#: AIPs: up to 100,000 flat entries and 1 TiB; ratio checked above 1 MiB.
AIP_LIMITS = ZipLimits()
#: Deletion records read back from a store: a few KB in practice; a generous cap still stops a
#: zip bomb early.
STORE_RECORD_LIMITS = ZipLimits(max_entries=1_000_000, max_total_bytes=256 << 20, max_ratio=200)
#: Whole AIPs read back from a store to build a restored bag.
STORE_AIP_LIMITS = ZipLimits(max_entries=1_000_000, max_total_bytes=1 << 44, max_ratio=200)


def limits_from_settings(settings: Settings | None) -> ZipLimits:
    """:data:`AIP_LIMITS` with ``packager.zip.maxEntries`` / ``maxBytes`` / ``maxRatio`` /
    ``maxManifestBytes`` overrides from the configuration."""
    limits = AIP_LIMITS
    if settings is None:
        return limits
    values = {}
    for key, field_name in (("maxEntries", "max_entries"), ("maxBytes", "max_total_bytes"),
                            ("maxRatio", "max_ratio"), ("maxManifestBytes", "max_manifest_bytes")):
        raw = settings.get(f"packager.zip.{key}")
        if raw is None:
            continue
        if not str(raw).strip().isdigit() or int(raw) <= 0:
            raise ConfigError.at(settings.path, None,
                                 f"packager.zip.{key} must be a positive integer, not {raw!r}")
        values[field_name] = int(raw)
    return replace(limits, **values)


def safe_member_path(name: str, where: str) -> PurePosixPath:
    """The relative path of a zip entry, refusing absolute paths, drive letters, ``..``,
    backslashes and NUL."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsafeInputError(f"{where}: entry {name!r} has an absolute path")
    if ".." in name.replace("\\", "/").split("/"):
        raise UnsafeInputError(f"{where}: entry {name!r} escapes its folder (zip-slip)")
    path = PurePosixPath(name)
    if not name or "\\" in name or "\x00" in name or "" in name.split("/") \
            or (path.parts and ":" in path.parts[0]):
        raise UnsafeInputError(f"{where}: unsafe entry name {name!r}")
    return path


def check_entries(infos: list[zipfile.ZipInfo], where: str, limits: ZipLimits, *,
                  flat: bool) -> dict[str, int]:
    """Check every entry against ``limits``; returns name -> declared size.

    ``flat``: entries must be plain file names (AIPs have no folders).
    """
    if len(infos) > limits.max_entries:
        raise UnsafeInputError(f"{where}: {len(infos)} entries, over the limit of "
                               f"{limits.max_entries}")
    sizes: dict[str, int] = {}
    total = 0
    for info in infos:
        entry = info.filename
        safe_member_path(entry.rstrip("/") if info.is_dir() and not flat else entry, where)
        if flat and not is_plain_name(entry):
            raise UnsafeInputError(f"{where}: entry {entry!r} is not a plain file name "
                                   "(AIPs are flat)")
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise UnsafeInputError(f"{where}: symbolic link entry {entry!r} refused")
        if entry in sizes:
            raise UnsafeInputError(f"{where}: duplicate entry {entry!r}")
        if info.flag_bits & 0x1:
            raise UnsafeInputError(f"{where}: entry {entry!r} is encrypted")
        if info.file_size > limits.ratio_floor and \
                info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise UnsafeInputError(f"{where}: entry {entry!r} compresses "
                                   f"{info.file_size}:{info.compress_size} (zip bomb)")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise UnsafeInputError(f"{where}: entries declare more than "
                                   f"{limits.max_total_bytes} bytes (zip bomb)")
        sizes[entry] = info.file_size
    return sizes


def open_zip(path: Path, where: str) -> zipfile.ZipFile:
    """Open a zip, turning a missing, truncated or non-zip file into a clear PackageError."""
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise PackageError(f"package {path} does not exist") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise PackageError(f"{where}: not a readable zip (truncated or corrupt: {exc})") \
            from None


class BoundedEntry:
    """One entry's bytes, refused unless it inflates to exactly its declared size.

    :class:`bsfcore.zipentry.ZipEntryReader` reads the raw member itself (Python's zipfile
    would silently cut an entry that holds more than it declares): more data is an
    :class:`~bsfcore.errors.UnsafeInputError` (zip bomb), a truncated or damaged entry a
    :class:`~bsfcore.errors.PackageError`. Only stored and deflated entries (all a DSpace AIP
    has) are read.
    """

    def __init__(self, path: Path, info: zipfile.ZipInfo, name: str) -> None:
        self.name = name
        try:
            self._fh: IO[bytes] = path.open("rb")
        except OSError as exc:
            raise PackageError(f"{name}: cannot read the package ({exc.strerror})") from None
        try:
            self._reader = ZipEntryReader(self._fh, info, name)
        except CorruptZipEntry as exc:
            self._fh.close()
            raise PackageError(str(exc)) from None
        except BaseException:
            self._fh.close()
            raise

    def read(self, n: int = -1) -> bytes:
        try:
            return self._reader.read(n)
        except CorruptZipEntry as exc:
            raise PackageError(str(exc)) from None
        except OSError as exc:
            raise PackageError(f"{self.name}: entry is unreadable ({exc})") from None

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> BoundedEntry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Package:
    """An opened, checked AIP: its manifest tree and its entries by name."""

    def __init__(self, path: Path, limits: ZipLimits | None = None) -> None:
        self.path = Path(path)
        self.limits = limits or AIP_LIMITS
        self._zip: zipfile.ZipFile | None = None
        self.sizes: dict[str, int] = {}
        if self.path.suffix.lower() == ".xml":
            self.root = self._parse(self._read_plain())
            return
        self._zip = open_zip(self.path, self.path.name)
        self.sizes = check_entries(self._zip.infolist(), self.path.name, self.limits, flat=True)
        if MANIFEST not in self.sizes:
            raise PackageError(f"{self.path.name}: no {MANIFEST} in the package")
        if self.sizes[MANIFEST] > self.limits.max_manifest_bytes:
            raise UnsafeInputError(f"{self.path.name}: {MANIFEST} declares "
                                   f"{self.sizes[MANIFEST]} bytes, over the limit")
        with self.open_entry(MANIFEST) as fh:
            data = fh.read()
        self.root = self._parse(data)

    def _read_plain(self) -> bytes:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            raise PackageError(f"package {self.path} does not exist") from None
        if size > self.limits.max_manifest_bytes:
            raise UnsafeInputError(f"{self.path.name}: manifest over the size limit")
        return self.path.read_bytes()

    def _parse(self, data: bytes) -> etree._Element:
        try:
            tree = parse_xml(data, name=f"{self.path.name}:{MANIFEST}")
        except UnsafeInputError:
            raise
        except InputError as exc:
            raise PackageError(f"{self.path.name}: {MANIFEST} is not well-formed XML: {exc}") \
                from None
        return tree.getroot()

    @property
    def manifest_only(self) -> bool:
        return self._zip is None

    def open_entry(self, name: str) -> BoundedEntry:
        if self._zip is None or name not in self.sizes:
            raise PackageError(f"{self.path.name}: no entry {name!r}")
        return BoundedEntry(self.path, self._zip.getinfo(name), f"{self.path.name}:{name}")

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_package(path: Path, limits: ZipLimits | None = None) -> Package:
    return Package(path, limits)


def extract_all(path: Path, dest: Path, where: str, *,
                limits: ZipLimits = STORE_RECORD_LIMITS) -> list[PurePosixPath]:
    """Extract every entry of ``path`` under ``dest`` after checking all of them; returns the
    relative paths of the files written."""
    with open_zip(path, where) as archive:
        infos = archive.infolist()
        check_entries(infos, where, limits, flat=False)
        written: list[PurePosixPath] = []
        for info in infos:
            rel = safe_member_path(info.filename.rstrip("/") if info.is_dir() else
                                   info.filename, where)
            target = dest.joinpath(*rel.parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with BoundedEntry(path, info, f"{where}:{info.filename}") as src, \
                        target.open("wb") as out:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
            except BaseException:
                target.unlink(missing_ok=True)  # no half entry left behind
                raise
            written.append(rel)
        return written
