"""Unpacking zips from the object store, treating each one as hostile.

A store is outside our control (a cloud bucket, a mounted share), so a deletion record or a bag
read back from it may be truncated, tampered with or crafted: no entry may leave the target
folder, no symlinks or special files, and sizes are bounded before anything is written.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from bsfcore.errors import PackageError, UnsafeInputError

#: Deletion records are a few KB; a generous cap still stops a zip bomb early.
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200
MAX_ENTRIES = 1_000_000


def safe_member_path(name: str, where: str) -> PurePosixPath:
    """The relative path of a zip entry, refusing absolute paths, ``..`` and backslashes."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        raise UnsafeInputError(f"{where}: unsafe entry name {name!r}")
    path = PurePosixPath(name)
    if any(part in ("..", "") for part in path.parts) or path.is_absolute():
        raise UnsafeInputError(f"{where}: unsafe entry name {name!r}")
    if len(path.parts) and ":" in path.parts[0]:
        raise UnsafeInputError(f"{where}: unsafe entry name {name!r}")
    return path


def open_zip(path: Path, where: str) -> zipfile.ZipFile:
    """Open a zip, turning a truncated or non-zip file into a clear PackageError."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise PackageError(f"{where}: not a readable zip ({exc})") from None


def extract_all(path: Path, dest: Path, where: str, *,
                max_total: int = MAX_TOTAL_BYTES) -> list[PurePosixPath]:
    """Extract every regular entry of ``path`` under ``dest`` after checking all of them."""
    with open_zip(path, where) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise UnsafeInputError(f"{where}: too many entries ({len(infos)})")
        total = 0
        checked: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        for info in infos:
            rel = safe_member_path(info.filename, where)
            mode = info.external_attr >> 16
            if mode and stat.S_ISLNK(mode):
                raise UnsafeInputError(f"{where}: symbolic link entry {info.filename!r} refused")
            total += info.file_size
            if total > max_total:
                raise UnsafeInputError(f"{where}: uncompressed size exceeds {max_total} bytes")
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO \
                    and info.file_size > 1024 * 1024:
                raise UnsafeInputError(f"{where}: entry {info.filename!r} compression ratio "
                                       "too high (zip bomb?)")
            checked.append((info, rel))
        written: list[PurePosixPath] = []
        for info, rel in checked:
            target = dest.joinpath(*rel.parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as src, target.open("wb") as out:
                    remaining = info.file_size + 1
                    while chunk := src.read(1 << 20):
                        remaining -= len(chunk)
                        if remaining <= 0:
                            raise UnsafeInputError(
                                f"{where}: entry {info.filename!r} larger than declared")
                        out.write(chunk)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise PackageError(f"{where}: entry {info.filename!r} is corrupt ({exc})") \
                    from None
            written.append(rel)
        return written
