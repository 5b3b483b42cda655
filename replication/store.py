"""The folder object store, the store configuration, and the names objects get in a store.

A store is split into *groups* (``aip-store``, ``deletions``); :class:`LocalObjectStore` keeps
them as folders of a local or mounted folder that a cloud sync tool may watch, as the
Replication Task Suite's default store does; ``replicate.store.url = s3://bucket/prefix``
selects the S3-compatible store (:mod:`replication.store_s3`) instead. Both implement
:class:`replication.store_base.ObjectStore`; :func:`replication.stores.open_store` opens the
configured one.

Every write is atomic (temporary file in the same folder, ``fsync``, ``os.replace``), so a
watcher or a crash never sees half an AIP. The MD5 of each transferred object is recorded in
``<root>/.bsf-md5/<group>/<name>`` (removed before the object is replaced and written after,
so it never describes another version), which lets a fetch verify a copy with no database at
hand — a restore from the store alone — and ``list`` report it without reading the objects.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from bsfcore.errors import ConfigError, PackageError
from bsfcore.settings import Settings
from replication.store_base import (
    NAME,
    ObjectStore,
    StoredObject,
    atomic_copy,
    check_name,
    corrupt,
    md5_file,
)

_NAME = NAME
CHECKSUMS = ".bsf-md5"
__all__ = ["LocalObjectStore", "ObjectStore", "StoreConfig", "StoredObject", "atomic_copy",
           "check_name", "deletion_record_name", "md5_file", "parse_storage_name",
           "storage_name"]


def _signature(path: Path) -> tuple[int, int]:
    """(size, mtime ns): enough to notice a file rewritten while we copied it, without a
    second read of a large AIP."""
    st = path.stat()
    return st.st_size, st.st_mtime_ns


class LocalObjectStore:
    """A store in a local or mounted folder: ``<root>/<group>/<name>``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    def describe(self) -> str:
        return str(self.root)

    def _path(self, group: str, name: str) -> Path:
        check_name(group)
        return self.root / group / check_name(name)

    def _sidecar(self, group: str, name: str) -> Path:
        return self.root / CHECKSUMS / check_name(group) / check_name(name)

    def _recorded(self, group: str, name: str) -> str:
        """The MD5 recorded at transfer ('' when none was)."""
        try:
            text = self._sidecar(group, name).read_text(encoding="ascii").split()
        except (OSError, UnicodeDecodeError):
            return ""
        return text[0] if text and len(text[0]) == 32 else ""

    def _object(self, group: str, name: str, path: Path) -> StoredObject:
        st = path.stat()
        return StoredObject(group, name, st.st_size, self._recorded(group, name),
                            datetime.fromtimestamp(st.st_mtime, UTC),
                            f"{st.st_size}:{st.st_mtime_ns}")

    def exists(self, group: str, name: str) -> bool:
        return self._path(group, name).is_file()

    def stat(self, group: str, name: str) -> StoredObject | None:
        path = self._path(group, name)
        if not path.is_file():
            return None
        return self._object(group, name, path)

    def digest(self, group: str, name: str) -> str | None:
        path = self._path(group, name)
        if not path.is_file():
            return None
        return md5_file(path)[0]

    def fetch(self, group: str, name: str, dest: Path) -> StoredObject:
        path = self._path(group, name)
        if not path.is_file():
            raise PackageError(f"{group}/{name}: not in the object store {self.root}")
        before = _signature(path)
        recorded = self._recorded(group, name)
        with path.open("rb") as src:
            md5, size = atomic_copy(src, dest)
        if _signature(path) != before or size != before[0]:
            dest.unlink(missing_ok=True)
            raise PackageError(f"{group}/{name}: changed while it was fetched; try again")
        if recorded and md5 != recorded:
            dest.unlink(missing_ok=True)
            raise corrupt(group, name, md5, recorded, "recorded in the store when it was "
                          "transmitted")
        return StoredObject(group, name, size, md5,
                            datetime.fromtimestamp(before[1] / 1e9, UTC),
                            f"{before[0]}:{before[1]}")

    def transfer(self, group: str, name: str, source: Path) -> StoredObject:
        dest = self._path(group, name)
        sidecar = self._sidecar(group, name)
        before = _signature(Path(source))
        sidecar.unlink(missing_ok=True)  # never describes another version than the object's
        with Path(source).open("rb") as src:
            md5, size = atomic_copy(src, dest)
        if _signature(Path(source)) != before or size != before[0]:
            raise PackageError(f"{group}/{name}: its source {source} changed while it was "
                               "copied into the store")
        atomic_copy(BytesIO(f"{md5} {size}\n".encode("ascii")), sidecar)
        return self._object(group, name, dest)

    def remove(self, group: str, name: str) -> int:
        path = self._path(group, name)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        finally:
            self._sidecar(group, name).unlink(missing_ok=True)
        return size

    def list(self, group: str) -> Iterator[StoredObject]:
        folder = self.root / check_name(group)
        if not folder.is_dir():
            return
        for path in sorted(folder.iterdir()):
            if path.is_file() and _NAME.match(path.name) and not path.name.endswith(".part"):
                yield self._object(group, path.name, path)

    def names(self, group: str) -> builtins.list[str]:
        """Object names in ``group`` (cheap listing)."""
        folder = self.root / check_name(group)
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir()
                      if p.is_file() and _NAME.match(p.name) and not p.name.endswith(".part"))


#: replicate.store.* keys (besides dir and url): the S3 store's connection settings
S3_KEYS = ("endpoint", "region", "access-key-id", "secret-access-key", "session-token",
           "addressing-style", "multipart.threshold.mb", "multipart.chunk.mb")


@dataclass(frozen=True)
class StoreConfig:
    """Where replicas go: the store folder (or S3 URL), the suite's group names, and the S3
    connection settings (``replicate.store.<key>``; unset ones come from the usual AWS
    variables)."""

    store_dir: Path | None = None
    aip_group: str = "aip-store"
    delete_group: str = "deletions"
    url: str | None = None
    s3: tuple[tuple[str, str], ...] = ()

    @property
    def location(self) -> str:
        return self.url or str(self.store_dir)

    @classmethod
    def from_settings(cls, settings: Settings) -> StoreConfig:
        """Read ``replicate.store.dir`` or ``replicate.store.url`` and the group names
        (``group.aip.name`` as in the suite's replicate.cfg, or with ``replicate.``)."""
        store_dir = settings.get("replicate.store.dir")
        url = settings.get("replicate.store.url")
        if store_dir and url:
            raise ConfigError.at(settings.path, None, "set replicate.store.dir (a folder) or "
                                 "replicate.store.url (s3://bucket/prefix), not both")
        if not store_dir and not url:
            raise ConfigError.at(settings.path, None,
                                 "no object store configured: set replicate.store.dir "
                                 "(a local or mounted folder) or replicate.store.url "
                                 "(s3://bucket/prefix)")
        if url and not url.startswith("s3://"):
            path, line = settings.properties.where("replicate.store.url")
            raise ConfigError.at(path, line, f"replicate.store.url: {url!r} is not an "
                                 "s3://bucket/prefix URL")
        s3: list[tuple[str, str]] = []
        for key in settings.properties:
            if key.startswith("replicate.store.") and key not in ("replicate.store.dir",
                                                                  "replicate.store.url"):
                short = key[len("replicate.store."):]
                path, line = settings.properties.where(key)
                if short not in S3_KEYS:
                    raise ConfigError.at(path, line, f"unknown store setting {key!r} (known: "
                                         "replicate.store.dir, replicate.store.url, "
                                         + ", ".join(f"replicate.store.{k}" for k in S3_KEYS)
                                         + ")")
                if not url:
                    raise ConfigError.at(path, line, f"{key} is only for an S3 store "
                                         "(replicate.store.url)")
                s3.append((short, settings.properties[key]))

        def group(kind: str, default: str) -> str:
            name = (settings.get(f"replicate.group.{kind}.name")
                    or settings.get(f"group.{kind}.name") or default).strip()
            if not _NAME.match(name):
                raise ConfigError.at(settings.path, None,
                                     f"group.{kind}.name: invalid group name {name!r}")
            return name

        return cls(Path(store_dir) if store_dir else None, group("aip", "aip-store"),
                   group("delete", "deletions"), url or None, tuple(s3))


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
