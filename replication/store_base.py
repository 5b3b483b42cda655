"""What every object store offers, and the small pieces all stores share.

The DSpace Replication Task Suite keeps AIPs and deletion records in an *object store* split into
*groups* (``aip-store``, ``deletions``). :class:`ObjectStore` is the few operations the rest of
the replication code needs; :mod:`replication.store` implements it over a folder,
:mod:`replication.store_s3` over an S3-compatible service.

Every store records, at transfer, the MD5 of what it stored (the folder store in a small
checksum file beside the group, S3 in the object's metadata: an S3 multipart ETag is no MD5),
and reports with each object a *token* that changes whenever the object is rewritten (the
folder store's size and modification time, S3's ETag). Listing a group gives name, size,
token (and, where it is free, the recorded MD5) without reading any content, which is what
lets ``sync`` notice a missing, truncated or replaced replica cheaply; :meth:`digest` reads
an object in full, for ``--verify`` and for objects whose token changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from bsfcore.atomic import default_file_mode
from bsfcore.errors import PackageError

CHUNK = 1 << 20

#: Object names are package names such as ``ITEM@123456789-3.zip``: no folders, no dot-files.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._+-]*$")


@dataclass(frozen=True)
class StoredObject:
    """What the store knows of an object (the suite's sizebytes, checksum and modified).

    ``md5`` is the checksum the store recorded when the object was transferred ('' when it
    has none, e.g. for an object put there by other means); ``token`` changes whenever the
    object is rewritten."""

    group: str
    name: str
    size: int
    md5: str
    modified: datetime
    token: str = ""


class ObjectStore(Protocol):
    """The operations replication needs from a store (cf. the suite's ``ObjectStore.java``)."""

    def describe(self) -> str:
        """Where the store is, for messages (a folder, ``s3://bucket/prefix``)."""

    def exists(self, group: str, name: str) -> bool: ...

    def stat(self, group: str, name: str) -> StoredObject | None:
        """Size, recorded MD5, time and token of an object (no content read), or None."""

    def digest(self, group: str, name: str) -> str | None:
        """The MD5 of the object's content, read in full now; None when absent."""

    def fetch(self, group: str, name: str, dest: Path) -> StoredObject:
        """Copy an object to ``dest`` (atomically); a copy whose MD5 differs from the one the
        store recorded is refused (corrupt store object). Returns the copy's MD5."""

    def transfer(self, group: str, name: str, source: Path) -> StoredObject:
        """Store ``source`` as ``name`` in ``group`` (replacing any older version atomically)
        and record its MD5."""

    def remove(self, group: str, name: str) -> int:
        """Delete an object; returns the bytes freed (0 when it was absent)."""

    def list(self, group: str) -> Iterator[StoredObject]:
        """Every object in ``group``, by name, without reading content."""


def md5_file(path: Path) -> tuple[str, int]:
    """MD5 hex digest and size of a file, read in chunks (flat memory for 2 GB AIPs)."""
    with path.open("rb") as fh:
        return md5_stream(fh)


def md5_stream(stream: BinaryIO) -> tuple[str, int]:
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def atomic_copy(src: BinaryIO, dest: Path) -> tuple[str, int]:
    """Write ``src`` to ``dest`` through a temp file in the same folder (fsync'd, renamed into
    place); returns (md5, size). The file gets the mode a plain ``open()`` would give it."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        os.fchmod(fd, default_file_mode())
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


def check_name(name: str) -> str:
    """Refuse object names that could leave their group folder."""
    if not NAME.match(name) or ".." in name:
        raise PackageError(f"invalid object name {name!r} (expected e.g. ITEM@123456789-3.zip)")
    return name


def corrupt(group: str, name: str, found: str, recorded: str, where: str) -> PackageError:
    return PackageError(f"{group}/{name}: corrupt store object: its MD5 {found} differs from "
                        f"{recorded} {where}")


__all__ = ["CHUNK", "NAME", "ObjectStore", "StoredObject", "atomic_copy", "check_name", "corrupt",
           "md5_file", "md5_stream"]
