"""The standalone scanner behind ``bsf identify``: walk, identify, hash, expand, keep going.

The walk (``formats.walk``) gives files, folders and skipped entries; this module turns each into
result rows, in walk order:

* a file is identified from its bytes and its original name (``--name-from``); with ``hash`` a
  file up to :data:`WHOLE_READ` bytes is read once, identified from memory and hashed from the
  same bytes; a larger one is identified from its windows and hashed by a streamed read (flat
  memory on a multi-GB file);
* with ``archives`` an answer that names an archive type is expanded (``formats.expand``): the
  archive's row, then its members;
* a file that cannot be read becomes a row with its error and the scan goes on;
* skipped entries (symlinks, FIFOs, ...) produce no row; :class:`ScanStats` counts them by kind.

``workers > 1`` identifies in a process pool (fork where available, so the compiled stack is
shared copy-on-write) in bounded batches, and rows come back in walk order.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from itertools import islice
from pathlib import Path

from bsfcore.errors import InputError, Problem
from bsfcore.progress import NO_PROGRESS, Progress
from formats.hashing import hash_bytes, hash_file
from formats.locations import display_path, file_uri
from formats.model import Sample, check_regular
from formats.records import NOT_UTF8, ScanRecord, to_record
from formats.scan_model import (
    ARCHIVE_ERROR,
    CONTAINER,
    ScanOptions,
    ScanResult,
    ScanStats,
)
from formats.stack import IdentifierStack
from formats.walk import FILE, FOLDER, SKIP, ScanItem, count_files, error_kind, os_error, walk

#: with ``--hash``, files up to this size are read once and identified from memory
WHOLE_READ = 16 << 20

__all__ = ["NOT_UTF8", "ScanItem", "ScanOptions", "ScanRecord", "ScanResult", "ScanStats",
           "display_path", "identify_item", "load_name_map", "original_name", "scan",
           "to_record", "walk"]


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
                                                   f"{os_error(exc)}")]) from None
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


def _read_whole(path: str, size: int) -> bytes:
    """The file's bytes in one read (plus any growth since the stat)."""
    with open(path, "rb", buffering=0) as fh:
        return fh.read(size + 1) + fh.read()


def identify_item(stack: IdentifierStack, item: ScanItem,
                  options: ScanOptions = ScanOptions()) -> Iterator[ScanResult]:
    """The rows of one walked entry: one, or an archive's row and its members'."""
    name = original_name(item.filename, options.names)
    if item.kind == FOLDER:
        mtime = None
        if not item.error:
            with contextlib.suppress(OSError):
                mtime = os.stat(item.filename).st_mtime
        yield ScanResult(item.filename, name, None, mtime, item.error, None, FOLDER,
                         item.parent, item.error_kind)
        return
    if item.error:
        yield ScanResult(item.filename, name, None, None, item.error, None, FILE, item.parent,
                         item.error_kind)
        return
    data: bytes | None = None
    try:
        st = os.stat(item.filename)
        size = st.st_size
        if options.hash and size <= WHOLE_READ:
            check_regular(item.filename, st.st_mode)  # a FIFO or device is never opened
            data = _read_whole(item.filename, size)
            size = len(data)
            sample = Sample.from_bytes(data, name)
        else:
            sample = Sample.from_path(item.filename, name, stat_result=st)
        match = stack.identify(sample)
        digest = ""
        if options.hash:
            digest = (hash_bytes(options.hash, data) if data is not None
                      else hash_file(options.hash, item.filename))
    except OSError as exc:
        yield ScanResult(item.filename, name, None, None, os_error(exc), None, FILE,
                         item.parent, error_kind(exc))
        return
    row = ScanResult(item.filename, name, size, st.st_mtime, "", match, FILE, item.parent,
                     hash=digest)
    kind = None
    if options.archives:  # the archive readers (tarfile, lzma, warcio) load only for -z
        from formats.archives import archive_kind

        kind = archive_kind(match, stack.registries)
    if kind is None:
        yield row
        return
    yield from _expand(stack, row, kind, data, options)


def _expand(stack: IdentifierStack, row: ScanResult, kind: str, data: bytes | None,
            options: ScanOptions) -> Iterator[ScanResult]:
    from formats.expand import Expander, Level, Spill

    spill = Spill()
    expander = Expander(stack, options.limits, options.hash, spill)
    abspath = os.path.abspath(row.filename)
    try:
        try:
            source = io.BytesIO(data) if data is not None else open(row.filename, "rb")  # noqa: SIM115
        except OSError as exc:
            yield replace(row, error=os_error(exc), error_kind=error_kind(exc))
            return
        with source:
            error = expander.check(kind, source)
            yield replace(row, kind=CONTAINER, error=error,
                          error_kind=ARCHIVE_ERROR if error else "")
            if not error:
                level = Level(kind, row.filename, row.name, file_uri(abspath),
                              "file:" + display_path(abspath)[0], row.size or 0)
                yield from expander.expand(level, source)
    finally:
        spill.close()


# --- worker processes --------------------------------------------------------------------------

_worker_stack: IdentifierStack | None = None
_worker_options: ScanOptions | None = None


def _init_worker(stack: IdentifierStack, options: ScanOptions) -> None:
    global _worker_stack, _worker_options
    _worker_stack, _worker_options = stack, options


def _work(item: ScanItem) -> list[ScanResult]:
    assert _worker_stack is not None and _worker_options is not None
    return list(identify_item(_worker_stack, item, _worker_options))


def _tally(stats: ScanStats, result: ScanResult) -> None:
    if result.error_kind == ARCHIVE_ERROR:
        stats.archive_errors += 1
    elif result.error_kind:
        stats.unreadable += 1
    if result.droid_path:
        if result.kind != FOLDER:
            stats.members += 1
    elif result.kind == FOLDER:
        stats.folders += 1
    else:
        stats.files += 1


def _kept(items: Iterable[ScanItem], stats: ScanStats) -> Iterator[ScanItem]:
    for item in items:
        if item.kind == SKIP:
            stats.skip(item.skip)
        else:
            yield item


def scan(paths: Iterable[str], stack: IdentifierStack, options: ScanOptions = ScanOptions(), *,
         workers: int = 1, progress: Progress = NO_PROGRESS, stats: ScanStats | None = None,
         count_total: bool = False, chunk: int = 64) -> Iterator[ScanResult]:
    """Every row under ``paths``, in walk order; ``stats`` (when given) is filled as it goes.

    ``count_total`` walks the tree once first (names only, no file is opened) so the progress
    bar can show a total and an ETA; progress units are files on disk.
    """
    paths = list(paths)
    stats = stats if stats is not None else ScanStats()
    total = (count_files(paths, recursive=options.recursive,
                         follow_symlinks=options.follow_symlinks) if count_total else None)
    items = _kept(walk(paths, recursive=options.recursive,
                       follow_symlinks=options.follow_symlinks), stats)
    progress.start("identify", total)
    try:
        if workers <= 1:
            for item in items:
                for result in identify_item(stack, item, options):
                    _tally(stats, result)
                    yield result
                if item.kind == FILE:
                    progress.advance()
            return
        import multiprocessing  # only with --workers: a one-file run never pays for it

        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
        batch = workers * chunk * 4
        with ctx.Pool(workers, initializer=_init_worker, initargs=(stack, options)) as pool:
            pending = None
            pending_files = 0
            while True:
                block = list(islice(items, batch))
                submitted = pool.map_async(_work, block, chunksize=chunk) if block else None
                if pending is not None:
                    for results in pending.get():
                        for result in results:
                            _tally(stats, result)
                            yield result
                    progress.advance(pending_files)
                if submitted is None:
                    break
                pending = submitted
                pending_files = sum(1 for item in block if item.kind == FILE)
    finally:
        progress.finish()
