"""Access to DSpace's asset store: where a bitstream's bytes live on disk.

DSpace 1.5 (``BitstreamStorageManager``) keeps each bitstream in a file named by its
``internal_id`` — a 38-39 digit decimal string made from 16 random bytes — under three levels of
two-digit folders: ``<store>/<id[0:2]>/<id[2:4]>/<id[4:6]>/<internal_id>``. A *registered*
bitstream (``internal_id`` starting ``-R``) is a file the operator placed in the store himself;
its id is ``-R`` plus the path relative to the store, with no intermediate folders, and it is
never deleted by us. ``store_number`` -1 (old rows) means store 0.

Everything here refuses to touch a path outside its store: an ``internal_id`` coming from the
database is outside input (a hand-edited row, a restored AIP) and must not become ``../../etc``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import random
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from bsfcore.atomic import default_file_mode
from bsfcore.errors import AssetError

if TYPE_CHECKING:
    from bsfcore.settings import Settings

REGISTERED_PREFIX = "-R"
_DIGITS_PER_LEVEL = 2
_LEVELS = 3
_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredAsset:
    """A file just written into the store: the key to record in ``bitstream`` and its facts."""

    internal_id: str
    size: int
    md5: str


def new_internal_id(rng: random.Random | None = None) -> str:
    """A DSpace-style key: ``abs(BigInteger(16 random bytes))`` in decimal, 38-39 digits.

    DSpace's key can be shorter when the high bits happen to be zero; we draw again in that
    (rare) case so every key fills the three folder levels. ``rng`` makes keys deterministic
    (the demo archive); without it the system's secure generator is used.
    """
    while True:
        raw = rng.randbytes(16) if rng is not None else secrets.token_bytes(16)
        value = abs(int.from_bytes(raw, "big", signed=True))
        key = str(value)
        if len(key) >= 38:
            return key


def is_registered(internal_id: str) -> bool:
    return internal_id.startswith(REGISTERED_PREFIX)


class AssetStore:
    """The numbered asset stores of one archive (store 0 = ``assetstore.dir``)."""

    def __init__(self, stores: Mapping[int, Path | str]) -> None:
        if not stores:
            raise AssetError("no asset store configured")
        self.stores: dict[int, Path] = {int(n): Path(p) for n, p in stores.items()}
        self._real_roots: dict[Path, Path] = {}

    @classmethod
    def from_settings(cls, settings: Settings, *, create: bool = False) -> AssetStore:
        """The stores named by the settings (``assetstore.dir``, ``assetstore.dir.N``).

        Without ``create`` a store folder that does not exist is an error (a typo in the config
        would otherwise make every bitstream look missing); with it the folders are made.
        """
        dirs = settings.assetstore_dirs()
        where = settings.path
        for number, folder in sorted(dirs.items()):
            if create:
                folder.mkdir(parents=True, exist_ok=True)
            elif not folder.is_dir():
                key = "assetstore.dir" if number == 0 else f"assetstore.dir.{number}"
                origin = (f" ({key} in {where})" if where
                          else "; create it, or set assetstore.dir or --assetstore")
                raise AssetError(f"asset store folder {folder} does not exist{origin}",
                                 path=str(folder))
        return cls(dirs)

    # -- locating -----------------------------------------------------------------------------

    def root(self, store_number: int | None) -> Path:
        """The folder of store ``store_number`` (None and -1 mean store 0)."""
        number = 0 if store_number is None or store_number == -1 else int(store_number)
        try:
            return self.stores[number]
        except KeyError:
            raise AssetError(f"asset store {number} is not configured "
                             f"(set assetstore.dir.{number})") from None

    def path(self, internal_id: str, store_number: int | None = 0) -> Path:
        """Where the asset lives, following DSpace's layout; never a path outside the store."""
        if not internal_id or "\x00" in internal_id:
            raise AssetError(f"invalid internal_id {internal_id!r}")
        root = self.root(store_number)
        if is_registered(internal_id):
            relative = internal_id[len(REGISTERED_PREFIX):]
            if not relative or os.path.isabs(relative):
                raise AssetError(f"registered internal_id {internal_id!r} must be a path "
                                 f"relative to its store", path=relative)
            candidate = root / relative
        else:
            # DSpace's own guard: only the part after the last separator counts.
            key = internal_id.replace("\\", "/").rsplit("/", 1)[-1]
            if key in ("", ".", "..") or len(key) < _DIGITS_PER_LEVEL * _LEVELS:
                raise AssetError(f"invalid internal_id {internal_id!r}")
            parts = [key[i * _DIGITS_PER_LEVEL:(i + 1) * _DIGITS_PER_LEVEL]
                     for i in range(_LEVELS)]
            if any(p in (".", "..") or p[0] == "." for p in parts):
                raise AssetError(f"invalid internal_id {internal_id!r}")
            candidate = root.joinpath(*parts, key)
        self._check_inside(root, candidate, internal_id)
        return candidate

    def _check_inside(self, root: Path, candidate: Path, internal_id: str) -> None:
        real_root = self._real_roots.get(root)
        if real_root is None:
            real_root = self._real_roots[root] = root.resolve()
        real = candidate.resolve()
        if real_root not in real.parents:
            raise AssetError(f"internal_id {internal_id!r} leads outside asset store {root}",
                             path=str(candidate))

    def exists(self, internal_id: str, store_number: int | None = 0) -> bool:
        try:
            return self.path(internal_id, store_number).is_file()
        except AssetError:
            return False

    # -- reading ------------------------------------------------------------------------------

    def open(self, internal_id: str, store_number: int | None = 0) -> BinaryIO:
        """The asset opened for binary reading; AssetError if missing or unreadable."""
        path = self.path(internal_id, store_number)
        try:
            return path.open("rb")
        except FileNotFoundError:
            raise AssetError(f"asset file {path} is missing", path=str(path)) from None
        except OSError as exc:
            raise AssetError(f"asset file {path} is unreadable: {exc.strerror}",
                             path=str(path)) from None

    def iter_chunks(self, internal_id: str, store_number: int | None = 0,
                    chunk_size: int = _CHUNK) -> Iterator[bytes]:
        with self.open(internal_id, store_number) as handle:
            while chunk := handle.read(chunk_size):
                yield chunk

    def checksum(self, internal_id: str, store_number: int | None = 0) -> tuple[int, str]:
        """(size, hex MD5) of the asset as it is on disk now, read in chunks."""
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        for chunk in self.iter_chunks(internal_id, store_number):
            digest.update(chunk)
            size += len(chunk)
        return size, digest.hexdigest()

    # -- writing ------------------------------------------------------------------------------

    def write_stream(self, stream: BinaryIO, store_number: int = 0, *,
                     internal_id: str | None = None, fsync: bool = True) -> StoredAsset:
        """Copy ``stream`` into a new asset and return its key, size and MD5.

        The bytes go to a temporary file in the target folder and are renamed into place only
        when complete, so a crash never leaves a half-written asset under a real key. An
        existing asset is never overwritten. ``fsync=False`` is for callers that make a whole
        run durable at once before they commit (AIP ingest), instead of once per file.
        """
        key = internal_id or new_internal_id()
        target = self.path(key, store_number)
        if target.exists():
            raise AssetError(f"asset {key} already exists in store {store_number}",
                             path=str(target))
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix=".bsf-", suffix=".tmp", dir=target.parent)
        os.fchmod(fd, default_file_mode())  # as DSpace writes assets, not mkstemp's 0600
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                if fsync:
                    out.flush()
                    os.fsync(out.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        return StoredAsset(key, size, digest.hexdigest())

    def write_bytes(self, data: bytes, store_number: int = 0, *, internal_id: str | None = None,
                    durable: bool = True) -> StoredAsset:
        """:meth:`write_stream` for bytes already in memory.

        ``durable=False`` is for bulk builders whose whole output can be rebuilt (the demo
        archive): the file is created in place (still never overwriting one) without the
        temporary file and fsync, which is several times faster for 100,000 small files.
        """
        if durable:
            return self.write_stream(io.BytesIO(data), store_number, internal_id=internal_id)
        key = internal_id or new_internal_id()
        if key.isdigit() and len(key) >= _DIGITS_PER_LEVEL * _LEVELS:
            # A digits-only key cannot name anything but its own slot: skip the resolve().
            root = os.fspath(self.root(store_number))
            folder = os.path.join(root, key[0:2], key[2:4], key[4:6])
            target = os.path.join(folder, key)
        else:
            target = os.fspath(self.path(key, store_number))
            folder = os.path.dirname(target)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(target, flags, 0o644)
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
            fd = os.open(target, flags, 0o644)
        except FileExistsError:
            raise AssetError(f"asset {key} already exists in store {store_number}",
                             path=target) from None
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        return StoredAsset(key, len(data), hashlib.md5(data, usedforsecurity=False).hexdigest())

    def delete(self, internal_id: str, store_number: int | None = 0) -> bool:
        """Remove an asset file and its then-empty folders; True if a file was removed.

        Registered bitstreams belong to the operator, not to the store: like DSpace's cleanup
        we never delete their files (returns False).
        """
        if is_registered(internal_id):
            return False
        path = self.path(internal_id, store_number)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        root = self.root(store_number).resolve()
        parent = path.parent
        for _ in range(_LEVELS):
            if parent.resolve() == root:
                break
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent
        return True
