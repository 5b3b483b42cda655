"""The object store replicas live in: a small interface and the local/mounted-folder store.

The DSpace Replication Task Suite keeps AIPs and deletion records in an *object store* split into
*groups* (``aip-store``, ``deletions``); its default store is a plain folder that a cloud sync
tool can watch. We keep the same shape: :class:`ObjectStore` is the few operations the rest of
the replication code needs (exists/stat/fetch/transfer/remove/list), so an S3-compatible store
can be added beside :class:`LocalObjectStore` without touching sync, restore or the bag builder.

Every write is atomic (temporary file in the same folder, ``fsync``, ``os.replace``), so a
watcher or a crash never sees half an AIP, and every fetch verifies the MD5 it copied.
"""

from __future__ import annotations

import builtins
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from bsfcore.atomic import default_file_mode
from bsfcore.errors import ConfigError, PackageError
from bsfcore.settings import Settings

CHUNK = 1 << 20

#: Object names are package names such as ``ITEM@123456789-3.zip``: no folders, no dot-files.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._+-]*$")


@dataclass(frozen=True)
class StoredObject:
    """What the store knows of an object (the suite's sizebytes, checksum and modified)."""

    group: str
    name: str
    size: int
    md5: str
    modified: datetime


class ObjectStore(Protocol):
    """The operations replication needs from a store (cf. the suite's ``ObjectStore.java``)."""

    def exists(self, group: str, name: str) -> bool: ...

    def stat(self, group: str, name: str) -> StoredObject | None:
        """Size, MD5 and time of an object, or None when absent."""

    def fetch(self, group: str, name: str, dest: Path) -> StoredObject:
        """Copy an object to ``dest`` (atomically), checking its MD5 against the store's."""

    def transfer(self, group: str, name: str, source: Path) -> StoredObject:
        """Store ``source`` as ``name`` in ``group`` (replacing any older version atomically)."""

    def remove(self, group: str, name: str) -> int:
        """Delete an object; returns the bytes freed (0 when it was absent)."""

    def list(self, group: str) -> Iterator[StoredObject]:
        """Every object in ``group``, by name."""


def md5_file(path: Path) -> tuple[str, int]:
    """MD5 hex digest and size of a file, read in chunks (flat memory for 2 GB AIPs)."""
    digest = hashlib.md5()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _copy_hashing(src: BinaryIO, dst: BinaryIO) -> tuple[str, int]:
    digest = hashlib.md5()
    size = 0
    while chunk := src.read(CHUNK):
        digest.update(chunk)
        dst.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _signature(path: Path) -> tuple[int, int]:
    """(size, mtime ns): enough to notice a file rewritten while we copied it, without a
    second read of a large AIP."""
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def check_name(name: str) -> str:
    """Refuse object names that could leave their group folder."""
    if not _NAME.match(name) or ".." in name:
        raise PackageError(f"invalid object name {name!r} (expected e.g. ITEM@123456789-3.zip)")
    return name


def atomic_copy(src: BinaryIO, dest: Path) -> tuple[str, int]:
    """Write ``src`` to ``dest`` through a temp file in the same folder; returns (md5, size)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.fchmod(fd, default_file_mode())  # not mkstemp's 0600 (bsfcore.atomic)
    try:
        with os.fdopen(fd, "wb") as out:
            md5, size = _copy_hashing(src, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return md5, size


class LocalObjectStore:
    """A store in a local or mounted folder: ``<root>/<group>/<name>``.

    The MD5 attribute is computed from the file when asked (like the suite's LocalObjectStore);
    sync compares against the checksum recorded at transmission, so a full re-hash of the store
    happens only for ``status --verify``.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    def _path(self, group: str, name: str) -> Path:
        check_name(group)
        return self.root / group / check_name(name)

    def exists(self, group: str, name: str) -> bool:
        return self._path(group, name).is_file()

    def stat(self, group: str, name: str) -> StoredObject | None:
        path = self._path(group, name)
        if not path.is_file():
            return None
        md5, size = md5_file(path)
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        return StoredObject(group, name, size, md5, modified)

    def fetch(self, group: str, name: str, dest: Path) -> StoredObject:
        path = self._path(group, name)
        if not path.is_file():
            raise PackageError(f"{group}/{name}: not in the object store {self.root}")
        before = _signature(path)
        with path.open("rb") as src:
            md5, size = atomic_copy(src, dest)
        if _signature(path) != before or size != before[0]:
            dest.unlink(missing_ok=True)
            raise PackageError(f"{group}/{name}: changed while it was fetched; try again")
        return StoredObject(group, name, size, md5,
                            datetime.fromtimestamp(before[1] / 1e9, UTC))

    def transfer(self, group: str, name: str, source: Path) -> StoredObject:
        dest = self._path(group, name)
        before = _signature(Path(source))
        with Path(source).open("rb") as src:
            md5, size = atomic_copy(src, dest)
        if _signature(Path(source)) != before or size != before[0]:
            raise PackageError(f"{group}/{name}: its source {source} changed while it was "
                               "copied into the store")
        modified = datetime.fromtimestamp(dest.stat().st_mtime, UTC)
        return StoredObject(group, name, size, md5, modified)

    def remove(self, group: str, name: str) -> int:
        path = self._path(group, name)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size

    def list(self, group: str) -> Iterator[StoredObject]:
        folder = self.root / check_name(group)
        if not folder.is_dir():
            return
        for path in sorted(folder.iterdir()):
            if path.is_file() and _NAME.match(path.name) and not path.name.endswith(".part"):
                md5, size = md5_file(path)
                yield StoredObject(group, path.name, size, md5,
                                   datetime.fromtimestamp(path.stat().st_mtime, UTC))

    def names(self, group: str) -> builtins.list[str]:
        """Object names in ``group`` without hashing them (cheap listing)."""
        folder = self.root / check_name(group)
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir()
                      if p.is_file() and _NAME.match(p.name) and not p.name.endswith(".part"))


@dataclass(frozen=True)
class StoreConfig:
    """Where replicas go: the store folder and the suite's group names."""

    store_dir: Path
    aip_group: str = "aip-store"
    delete_group: str = "deletions"

    @classmethod
    def from_settings(cls, settings: Settings) -> StoreConfig:
        """Read ``replicate.store.dir`` and the group names (``group.aip.name`` as in the
        suite's replicate.cfg, or with the ``replicate.`` prefix)."""
        store_dir = settings.get("replicate.store.dir")
        if not store_dir:
            raise ConfigError.at(settings.path, None,
                                 "no object store configured: set replicate.store.dir "
                                 "(a local or mounted folder)")

        def group(kind: str, default: str) -> str:
            name = (settings.get(f"replicate.group.{kind}.name")
                    or settings.get(f"group.{kind}.name") or default).strip()
            if not _NAME.match(name):
                raise ConfigError.at(settings.path, None,
                                     f"group.{kind}.name: invalid group name {name!r}")
            return name

        return cls(Path(store_dir), group("aip", "aip-store"), group("delete", "deletions"))


def open_store(settings: Settings) -> tuple[LocalObjectStore, StoreConfig]:
    """The configured store (only the folder store exists today) and its configuration."""
    config = StoreConfig.from_settings(settings)
    return LocalObjectStore(config.store_dir), config


TYPE_NAMES = {2: "ITEM", 3: "COLLECTION", 4: "COMMUNITY", 5: "SITE"}
TYPE_IDS = {name: type_id for type_id, name in TYPE_NAMES.items()}


def storage_name(type_name: str, handle: str) -> str:
    """``ITEM@123456789-3.zip``: the AIP's name in the store (DSpace's package name)."""
    return f"{type_name}@{handle.replace('/', '-')}.zip"


def deletion_record_name(handle: str) -> str:
    """``DELETION-RECORD@123456789-3.zip``."""
    return f"DELETION-RECORD@{handle.replace('/', '-')}.zip"


def parse_storage_name(name: str) -> tuple[str, str] | None:
    """``ITEM@123456789-3.zip`` -> (``ITEM``, ``123456789/3``); None for other names.

    The handle prefix may itself contain dashes only in theory; DSpace prefixes are digits and
    dots, so the *first* dash separates prefix and suffix, as in the suite's canonicalId.
    """
    match = re.match(r"^([A-Z-]+)@([^-]+)-(.+)\.zip$", name)
    if not match or match.group(2).startswith("internal"):
        return None
    return match.group(1), f"{match.group(2)}/{match.group(3)}"
