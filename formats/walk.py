"""Walking the operator's paths the way siegfried does: recursive, symlinks not followed.

Rules, and why:

* A path named on the command line is used as given, and followed if it is a symlink (the
  operator asked for it). If it cannot be read it is an error row: that is a real failure.
* A folder yields a ``folder`` item (DROID writes folder rows; sf's layouts drop them), then its
  files in sorted order, then its subfolders depth first (``recursive``, the default, as sf).
* Met while walking, a symlink, FIFO, socket or device is **skipped**: no row, no error, no effect
  on the exit status, only a count by kind (sf reports 0 errors on such trees; a FIFO would block
  a reader). With ``follow_symlinks`` symlinks are followed instead; a broken one, or one leading
  back into a folder already walked, or to a sibling folder (a loop, or the same folder twice), is
  skipped.
* A folder that cannot be listed is an error on its folder item and the walk goes on.

``filename`` is ``os.path.join`` of the path as given and the names below it; ``parent`` is the
``filename`` of the folder item that holds the entry ("" at the top), so writers can link rows.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: kinds of ``ScanItem``
FILE, FOLDER, SKIP = "file", "folder", "skip"

#: ``error_kind`` values (DROID's node statuses are derived from them)
NOT_FOUND, ACCESS_DENIED, READ_ERROR = "not found", "access denied", "error"


@dataclass(frozen=True, slots=True)
class ScanItem:
    """One entry the walk met; ``error`` set when it cannot be read, ``skip`` for skipped kinds."""

    filename: str
    error: str = ""
    kind: str = FILE
    parent: str = ""
    error_kind: str = ""
    skip: str = ""    # why a SKIP item was skipped: symlink, FIFO, socket, device, ...


def os_error(exc: OSError) -> str:
    return exc.strerror or str(exc)


def error_kind(exc: OSError) -> str:
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return NOT_FOUND
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ACCESS_DENIED
    return READ_ERROR


def _special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def walk(paths: Iterable[str], *, recursive: bool = True, follow_symlinks: bool = False
         ) -> Iterator[ScanItem]:
    """Every entry under ``paths`` in a stable order (see the module docstring)."""
    for given in paths:
        try:
            st = os.stat(given)
        except OSError as exc:
            if os.path.islink(given):
                yield ScanItem(given, "broken symlink", error_kind=NOT_FOUND)
            else:
                yield ScanItem(given, os_error(exc), error_kind=error_kind(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _Walker(recursive, follow_symlinks).run(given, st)
        elif stat.S_ISREG(st.st_mode):
            yield ScanItem(given)
        else:
            yield ScanItem(given, f"not a regular file ({_special(st.st_mode)})",
                           error_kind=READ_ERROR)


class _Walker:
    """One named folder's walk; ``seen`` guards followed symlinks against loops and repeats."""

    def __init__(self, recursive: bool, follow: bool) -> None:
        self.recursive = recursive
        self.follow = follow
        self.seen: set[tuple[int, int]] = set()

    def run(self, top: str, st: os.stat_result) -> Iterator[ScanItem]:
        self.seen.add((st.st_dev, st.st_ino))
        stack: list[tuple[str, str]] = [(top, "")]
        while stack:
            directory, parent = stack.pop()
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                yield ScanItem(directory, f"cannot list directory: {os_error(exc)}", FOLDER,
                               parent, error_kind(exc))
                continue
            yield ScanItem(directory, kind=FOLDER, parent=parent)
            if self.follow and self.recursive:
                self._mark_real_subdirs(entries)
            subdirs: list[str] = []
            for entry in entries:
                path = os.path.join(directory, entry.name)
                try:
                    item = self._entry(entry, path, directory, subdirs)
                except OSError as exc:
                    item = ScanItem(path, os_error(exc), parent=directory,
                                    error_kind=error_kind(exc))
                if item is not None:
                    yield item
            stack.extend((sub, directory) for sub in reversed(subdirs))

    def _entry(self, entry: os.DirEntry[str], path: str, directory: str,
               subdirs: list[str]) -> ScanItem | None:
        if entry.is_symlink():
            if not self.follow:
                return ScanItem(path, kind=SKIP, parent=directory, skip="symlink")
            return self._followed(path, directory, subdirs)
        if entry.is_dir(follow_symlinks=False):
            if self.recursive:
                subdirs.append(path)
            return None
        if entry.is_file(follow_symlinks=False):
            return ScanItem(path, parent=directory)
        mode = entry.stat(follow_symlinks=False).st_mode
        return ScanItem(path, kind=SKIP, parent=directory, skip=_special(mode))

    def _mark_real_subdirs(self, entries: list[os.DirEntry[str]]) -> None:
        """Real subfolders count as seen first, so a sibling symlink to one is not walked twice."""
        for entry in entries:
            try:
                if not entry.is_symlink() and entry.is_dir(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    self.seen.add((st.st_dev, st.st_ino))
            except OSError:
                continue

    def _followed(self, path: str, directory: str, subdirs: list[str]) -> ScanItem | None:
        try:
            st = os.stat(path)
        except OSError:
            return ScanItem(path, kind=SKIP, parent=directory, skip="broken symlink")
        if stat.S_ISREG(st.st_mode):
            return ScanItem(path, parent=directory)
        if stat.S_ISDIR(st.st_mode):
            if (st.st_dev, st.st_ino) in self.seen:
                return ScanItem(path, kind=SKIP, parent=directory, skip="symlink loop")
            if self.recursive:
                self.seen.add((st.st_dev, st.st_ino))
                subdirs.append(path)
            return None
        return ScanItem(path, kind=SKIP, parent=directory, skip=_special(st.st_mode))


def count_files(paths: Iterable[str], *, recursive: bool = True,
                follow_symlinks: bool = False) -> int:
    """The number of file items a walk will yield (the fast first pass behind a progress total)."""
    return sum(1 for item in walk(paths, recursive=recursive, follow_symlinks=follow_symlinks)
               if item.kind == FILE)
