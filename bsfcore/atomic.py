"""Replace a file atomically without changing who may read it.

Every file bsf rewrites (the Provisional registry, the operator's configuration, AIP zips,
registry documents) is written to a temporary file in the same folder and renamed over the
target, so a crash never leaves half a file. ``tempfile.mkstemp`` creates that file with mode
0600, and the rename used to carry it over: ``bsf registry add-provisional`` turned a 0644
registry into 0600 and the DSpace web application, running as another user, could no longer
read it. Here the new file gets the target's mode, owner and group (or, for a new file, the
mode ``open()`` would give it under the current umask) *before* it replaces the target. When
the owner cannot be kept (another user's file, and we are not root) nothing is replaced and
the error says so. A symbolic link is followed: the file it points to is replaced, the link
stays.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from bsfcore.errors import BsfError


def default_file_mode() -> int:
    """The mode a new file gets from ``open()``: 0666 less the process umask."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no /proc: read the umask by setting it (and put it back)
    os.umask(mask)
    return 0o666 & ~mask


class AtomicFile:
    """A temporary file beside ``target`` that :meth:`commit` renames over it (keeping the
    target's mode and ownership) and :meth:`abort` removes."""

    def __init__(self, target: str | os.PathLike[str], *, fsync: bool = True) -> None:
        path = Path(target)
        self.target = Path(os.path.realpath(path)) if path.is_symlink() else path
        self._fsync = fsync
        fd, tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".part",
                                   dir=self.target.parent)
        self.tmp = Path(tmp)
        self.file: BinaryIO = os.fdopen(fd, "wb")

    def commit(self, check: Callable[[Path], None] | None = None) -> None:
        """Finish the file, run ``check`` on it (e.g. reload a registry), take over the
        target's attributes and rename it into place; on any failure the target is
        untouched and the temporary file is gone."""
        try:
            self.file.flush()
            if self._fsync:
                os.fsync(self.file.fileno())
            self.file.close()
            if check is not None:
                check(self.tmp)
            _take_attributes(self.tmp, self.target)
            os.replace(self.tmp, self.target)
        except BaseException:
            self.abort()
            raise
        if self._fsync:
            _fsync_folder(self.target.parent)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()


def _take_attributes(tmp: Path, target: Path) -> None:
    try:
        st = os.stat(target)
    except FileNotFoundError:
        os.chmod(tmp, default_file_mode())
        return
    mine = os.stat(tmp)
    if (st.st_uid, st.st_gid) != (mine.st_uid, mine.st_gid):
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except PermissionError:
            raise BsfError(f"cannot rewrite {target} keeping its owner and group "
                           f"({st.st_uid}:{st.st_gid}); run as its owner. It was not "
                           "changed") from None
    os.chmod(tmp, stat.S_IMODE(st.st_mode))


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_file(target: str | os.PathLike[str], *, fsync: bool = True,
                check: Callable[[Path], None] | None = None) -> Iterator[BinaryIO]:
    """``with atomic_file(path) as fh: fh.write(...)`` — replaced only when the block ends
    without an error (see :class:`AtomicFile`)."""
    out = AtomicFile(target, fsync=fsync)
    try:
        yield out.file
    except BaseException:
        out.abort()
        raise
    out.commit(check)


def atomic_replace(target: str | os.PathLike[str], data: bytes, *, fsync: bool = True,
                   check: Callable[[Path], None] | None = None) -> None:
    """Replace ``target`` with ``data`` atomically, keeping its mode and ownership."""
    with atomic_file(target, fsync=fsync, check=check) as fh:
        fh.write(data)
