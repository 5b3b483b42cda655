"""Open an AIP as hostile input: every check happens before anything is written.

Refused, each with a clear error: a file that is not a complete zip (truncated: no central
directory), entry names that are not plain file names (zip-slip ``../``, absolute paths, drive
letters, folders — an AIP is flat), duplicate names, encrypted entries, too many entries, a
declared total size over the limit, an entry whose compression ratio is implausible (zip
bomb), an entry that inflates to more bytes than it declared, a manifest over its size limit,
and ``mets.xml`` with a DOCTYPE/ENTITY (XXE, entity expansion) or malformed XML.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from bsfcore.errors import ConfigError, InputError, PackageError, UnsafeInputError
from packager.naming import is_plain_name
from registries.xmlsafe import parse_xml

MANIFEST = "mets.xml"


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 100_000
    max_total_bytes: int = 1 << 40  # 1 TiB uncompressed per package
    max_ratio: int = 1_000  # uncompressed / compressed, for entries over ratio_floor
    ratio_floor: int = 1 << 20
    max_manifest_bytes: int = 256 << 20


def limits_from_settings(settings: object | None) -> ZipLimits:
    """ZipLimits with ``packager.zip.maxEntries`` / ``maxBytes`` / ``maxRatio`` /
    ``maxManifestBytes`` overrides from the configuration."""
    limits = ZipLimits()
    if settings is None:
        return limits
    values = {}
    for key, field_name in (("maxEntries", "max_entries"), ("maxBytes", "max_total_bytes"),
                            ("maxRatio", "max_ratio"), ("maxManifestBytes", "max_manifest_bytes")):
        raw = settings.get(f"packager.zip.{key}")  # type: ignore[attr-defined]
        if raw is None:
            continue
        if not str(raw).strip().isdigit() or int(raw) <= 0:
            raise ConfigError.at(getattr(settings, "path", None), None,
                                 f"packager.zip.{key} must be a positive integer, not {raw!r}")
        values[field_name] = int(raw)
    return replace(limits, **values)


class _Bounded:
    """A reader that refuses to yield more bytes than the entry declared."""

    def __init__(self, raw: BinaryIO, limit: int, name: str) -> None:
        self.raw = raw
        self.left = limit
        self.name = name

    def read(self, n: int = -1) -> bytes:
        try:
            data = self.raw.read(n if n is not None and n >= 0 else self.left + 1)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise PackageError(f"{self.name}: entry is corrupt or truncated ({exc})") from None
        self.left -= len(data)
        if self.left < 0:
            raise UnsafeInputError(f"{self.name}: entry inflates beyond its declared size "
                                   "(zip bomb)")
        return data

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> _Bounded:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Package:
    """An opened, checked AIP: its manifest tree and its entries by name."""

    def __init__(self, path: Path, limits: ZipLimits | None = None) -> None:
        self.path = Path(path)
        self.limits = limits or ZipLimits()
        self._zip: zipfile.ZipFile | None = None
        self.sizes: dict[str, int] = {}
        if self.path.suffix.lower() == ".xml":
            self.root = self._parse(self._read_plain())
            return
        try:
            self._zip = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise PackageError(f"package {self.path} does not exist") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise PackageError(f"{self.path.name}: not a readable zip (truncated or corrupt: "
                               f"{exc})") from None
        self._check_entries()
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

    def _check_entries(self) -> None:
        assert self._zip is not None
        infos = self._zip.infolist()
        name = self.path.name
        if len(infos) > self.limits.max_entries:
            raise UnsafeInputError(f"{name}: {len(infos)} entries, over the limit of "
                                   f"{self.limits.max_entries}")
        total = 0
        for info in infos:
            entry = info.filename
            if entry.startswith(("/", "\\")) or (len(entry) > 1 and entry[1] == ":"):
                raise UnsafeInputError(f"{name}: entry {entry!r} has an absolute path")
            if ".." in entry.replace("\\", "/").split("/"):
                raise UnsafeInputError(f"{name}: entry {entry!r} escapes the package (zip-slip)")
            if not is_plain_name(entry):
                raise UnsafeInputError(f"{name}: entry {entry!r} is not a plain file name "
                                       "(AIPs are flat)")
            if entry in self.sizes:
                raise UnsafeInputError(f"{name}: duplicate entry {entry!r}")
            if info.flag_bits & 0x1:
                raise UnsafeInputError(f"{name}: entry {entry!r} is encrypted")
            if info.file_size > self.limits.ratio_floor and \
                    info.file_size > self.limits.max_ratio * max(info.compress_size, 1):
                raise UnsafeInputError(f"{name}: entry {entry!r} compresses "
                                       f"{info.file_size}:{info.compress_size} (zip bomb)")
            total += info.file_size
            if total > self.limits.max_total_bytes:
                raise UnsafeInputError(f"{name}: entries declare more than "
                                       f"{self.limits.max_total_bytes} bytes (zip bomb)")
            self.sizes[entry] = info.file_size

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

    def open_entry(self, name: str) -> _Bounded:
        if self._zip is None or name not in self.sizes:
            raise PackageError(f"{self.path.name}: no entry {name!r}")
        try:
            raw = self._zip.open(name)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise PackageError(f"{self.path.name}: entry {name} is unreadable ({exc})") from None
        return _Bounded(raw, self.sizes[name], f"{self.path.name}:{name}")  # type: ignore[arg-type]

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_package(path: Path, limits: ZipLimits | None = None) -> Package:
    return Package(path, limits)
