"""The standalone scanner behind ``bsf identify``: walk paths, identify files, keep going.

Walking rules (the operator's tree is never left by accident):

* a path named on the command line is used as given (a symlink named there is followed: the
  operator asked for it); ``filename`` in the output is that path, or ``os.path.join`` of the
  directory as given and the names below it;
* a directory lists its files; ``recursive`` also descends into subdirectories (sorted order);
* below a named directory, a symlink whose target lies **outside** that directory is not
  followed unless ``follow_symlinks``; it is reported with an error instead. A symlink to a file
  inside the tree is identified; a symlink to a directory is only descended with
  ``follow_symlinks`` (with loop protection by device and inode);
* broken symlinks, FIFOs, sockets and devices are reported, never opened (a FIFO would block);
* an unreadable directory or file gets its error in ``errors`` and the scan goes on.

``workers > 1`` identifies in a process pool (fork where available, so the compiled stack is
shared copy-on-write) in bounded batches, and results come back in walk order.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from urllib.parse import quote

from bsfcore.errors import InputError, Problem
from bsfcore.progress import NO_PROGRESS, Progress
from formats.identifiers.common import join
from formats.model import Confidence, Match, Sample
from formats.stack import IdentifierStack
from registries.model import RegistrySet

NOT_UTF8 = "file name is not valid UTF-8 (bytes written as \\xNN)"


@dataclass(frozen=True)
class ScanItem:
    """One path the walk produced; ``error`` set when it cannot be identified."""

    filename: str
    error: str = ""


@dataclass(frozen=True)
class ScanResult:
    filename: str
    name: str
    size: int | None
    mtime: float | None
    error: str
    match: Match | None


@dataclass(frozen=True)
class ScanRecord:
    """Everything a writer prints for one file (plain values; reports/scan.py formats them)."""

    filename: str            # as given; undecodable bytes shown as \\xNN
    abspath: str
    uri: str                 # file: URI of the exact bytes of the absolute path
    name: str                # the name that drove extension matching
    filesize: int | None
    mtime: float | None
    errors: str
    namespace: str
    id: str
    format: str
    version: str
    mime: str
    basis: str
    warning: str
    confidence: str
    source: str


def _os_error(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def walk(paths: Iterable[str], *, recursive: bool = False, follow_symlinks: bool = False
         ) -> Iterator[ScanItem]:
    """The files under ``paths`` in a stable order (see the module docstring for the rules)."""
    for given in paths:
        try:
            st = os.stat(given)
        except OSError as exc:
            broken = os.path.islink(given)
            yield ScanItem(given, "broken symlink" if broken else _os_error(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk_dir(given, os.path.realpath(given), recursive, follow_symlinks,
                                 {(st.st_dev, st.st_ino)})
        elif stat.S_ISREG(st.st_mode):
            yield ScanItem(given)
        else:
            yield ScanItem(given, "not a regular file")


def _walk_dir(top: str, root: str, recursive: bool, follow: bool,
              seen: set[tuple[int, int]]) -> Iterator[ScanItem]:
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield ScanItem(directory, f"cannot list directory: {_os_error(exc)}")
            continue
        subdirs: list[str] = []
        for entry in entries:
            path = os.path.join(directory, entry.name)
            try:
                if entry.is_symlink():
                    item, subdir = _symlink(path, root, follow, seen)
                    if item is not None:
                        yield item
                    if subdir is not None and recursive:
                        subdirs.append(subdir)
                elif entry.is_dir(follow_symlinks=False):
                    if recursive:
                        subdirs.append(path)
                elif entry.is_file(follow_symlinks=False):
                    yield ScanItem(path)
                else:
                    yield ScanItem(path, "not a regular file")
            except OSError as exc:
                yield ScanItem(path, _os_error(exc))
        stack.extend(reversed(subdirs))


def _symlink(path: str, root: str, follow: bool, seen: set[tuple[int, int]]
             ) -> tuple[ScanItem | None, str | None]:
    target = os.path.realpath(path)
    if not follow and not _inside(target, root):
        return ScanItem(path, "symlink to outside the scanned tree not followed "
                              "(use --follow-symlinks)"), None
    try:
        st = os.stat(path)
    except OSError:
        return ScanItem(path, "broken symlink"), None
    if stat.S_ISREG(st.st_mode):
        return ScanItem(path), None
    if stat.S_ISDIR(st.st_mode):
        if not follow:
            return ScanItem(path, "symlink to a directory not followed (use --follow-symlinks)"), \
                None
        if (st.st_dev, st.st_ino) in seen:
            return ScanItem(path, "symlink loop not followed"), None
        seen.add((st.st_dev, st.st_ino))
        return None, path
    return ScanItem(path, "not a regular file"), None


def load_name_map(path: str | Path) -> dict[str, str]:
    """``--name-from FILE``: CSV rows ``path,name`` (a header row ``path,name`` is skipped).

    The first column is matched against the output ``filename`` exactly, then against the
    file's base name (so a list ``internal_id,original name`` exported from an asset store
    works); the second is the original name whose extension drives identification.
    """
    names: dict[str, str] = {}
    problems: list[Problem] = []
    try:
        fh = open(path, encoding="utf-8", errors="surrogateescape", newline="")  # noqa: SIM115
    except OSError as exc:
        raise InputError([Problem(str(path), None, f"cannot read the name list: "
                                                   f"{_os_error(exc)}")]) from None
    with fh:
        for number, row in enumerate(csv.reader(fh), start=1):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if number == 1 and [c.strip().lower() for c in row] == ["path", "name"]:
                continue
            if len(row) != 2:
                problems.append(Problem(str(path), number,
                                        f"expected 2 columns (path,name), found {len(row)}"))
                continue
            names[row[0]] = row[1]
    if problems:
        raise InputError(problems)
    return names


def original_name(filename: str, names: Mapping[str, str] | None) -> str:
    base = os.path.basename(filename.rstrip(os.sep)) or filename
    if names:
        return names.get(filename) or names.get(base) or base
    return base


def identify_item(stack: IdentifierStack, item: ScanItem,
                  names: Mapping[str, str] | None = None) -> ScanResult:
    """Identify one walked path; every failure becomes the result's ``error``."""
    name = original_name(item.filename, names)
    if item.error:
        return ScanResult(item.filename, name, None, None, item.error, None)
    try:
        st = os.stat(item.filename)
        sample = Sample.from_path(item.filename, name, stat_result=st)
        match = stack.identify(sample)
    except OSError as exc:
        return ScanResult(item.filename, name, None, None, _os_error(exc), None)
    return ScanResult(item.filename, name, st.st_size, st.st_mtime, "", match)


# --- worker processes --------------------------------------------------------------------------

_worker_stack: IdentifierStack | None = None
_worker_names: Mapping[str, str] | None = None


def _init_worker(stack: IdentifierStack, names: Mapping[str, str] | None) -> None:
    global _worker_stack, _worker_names
    _worker_stack, _worker_names = stack, names


def _work(item: ScanItem) -> ScanResult:
    assert _worker_stack is not None
    return identify_item(_worker_stack, item, _worker_names)


def scan(paths: Iterable[str], stack: IdentifierStack, *, recursive: bool = False,
         follow_symlinks: bool = False, workers: int = 1,
         names: Mapping[str, str] | None = None, progress: Progress = NO_PROGRESS,
         chunk: int = 64) -> Iterator[ScanResult]:
    """Identify every file under ``paths``; results in walk order, one per walked path."""
    items = walk(paths, recursive=recursive, follow_symlinks=follow_symlinks)
    progress.start("identify", None)
    try:
        if workers <= 1:
            for item in items:
                yield identify_item(stack, item, names)
                progress.advance()
            return
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
        batch = workers * chunk * 4
        with ctx.Pool(workers, initializer=_init_worker, initargs=(stack, names)) as pool:
            pending = None
            while True:
                block = list(islice(items, batch))
                submitted = pool.map_async(_work, block, chunksize=chunk) if block else None
                if pending is not None:
                    for result in pending.get():
                        yield result
                        progress.advance()
                if submitted is None:
                    break
                pending = submitted
    finally:
        progress.finish()


def to_record(result: ScanResult, registries: RegistrySet | None) -> ScanRecord:
    """The printable record of one result (format name, version, MIME from the registries)."""
    shown, clean = display_path(result.filename)
    raw_abspath = os.path.abspath(result.filename)
    abspath, _ = display_path(raw_abspath)
    uri = "file:" + quote(os.fsencode(raw_abspath), safe="/")
    match = result.match
    namespace = ident = fmt_name = version = mime = basis = warning = confidence = source = ""
    if match is not None:
        basis, warning = match.basis, match.warning
        confidence, source = match.confidence.name, match.source
        if match.key is not None and match.confidence > Confidence.UNIDENTIFIED:
            namespace, ident = match.key.namespace, match.key.identifier
            fmt = registries.get(match.key) if registries is not None else None
            if fmt is not None:
                fmt_name, version, mime = fmt.name, fmt.version or "", fmt.mime_type or ""
        else:
            ident = "UNKNOWN"
    if not clean:
        warning = join(warning, NOT_UTF8)
    name, _ = display_path(result.name)
    return ScanRecord(shown, abspath, uri, name, result.size, result.mtime, result.error, namespace,
                      ident, fmt_name, version, mime, basis, warning, confidence, source)


def display_path(text: str) -> tuple[str, bool]:
    """(text safe to write as UTF-8, whether it was valid). Undecodable bytes become ``\\xNN``."""
    try:
        text.encode("utf-8")
        return text, True
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:   # a surrogate that no byte produced
            return text.encode("utf-8", "replace").decode("utf-8"), False
        return raw.decode("utf-8", "backslashreplace"), False
