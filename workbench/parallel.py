"""Identify one workbench batch, in this process or spread over worker processes.

Identification (reading file windows, matching signatures) is the workbench's cost; database
work is small. So ``reidentify --workers N`` keeps one writer — the batch loop in
:mod:`workbench.actions`, which holds the archive lock and writes each batch with its history in
one transaction — and hands only the identification of each batch to a process pool. Asset
paths are resolved in the parent (so the store's path checks stay in one place); workers get
``(bitstream id, path, name)`` and answer a Match or an error text. The stack reaches the
workers once, at pool start (inherited on fork, pickled otherwise).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

from bsfcore.errors import AssetError
from formats.model import Match, Sample

#: The stack of a worker process (set by the pool initializer).
_WORKER_STACK: Any = None

Result = Match | str  # a Match, or why the file could not be identified


def _init_worker(stack: Any) -> None:
    global _WORKER_STACK
    _WORKER_STACK = stack


def _identify_path(stack: Any, path: str, name: str) -> Result:
    try:
        result: Match = stack.identify(Sample.from_path(path, name=name))
        return result
    except FileNotFoundError:
        return f"asset file {path} is missing"
    except OSError as exc:
        return f"asset file {path} is unreadable: {exc.strerror}"


def _work(task: tuple[int, str, str]) -> tuple[int, Result]:
    bid, path, name = task
    return bid, _identify_path(_WORKER_STACK, path, name)


class BatchIdentifier:
    """Maps rows of a batch to identification results; a context manager owning the pool."""

    def __init__(self, stack: Any, assets: Any, workers: int = 1) -> None:
        self.stack = stack
        self.assets = assets
        self.workers = max(1, min(int(workers), os.cpu_count() or 1, 64))
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> BatchIdentifier:
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             initializer=_init_worker, initargs=(self.stack,))
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def identify(self, rows: Sequence[Any]) -> dict[int, Result]:
        """Results for ``rows`` (objects with bitstream_id, name, internal_id, store_number)."""
        results: dict[int, Result] = {}
        tasks: list[tuple[int, str, str]] = []
        for row in rows:
            bid = int(row.bitstream_id)
            try:
                path: Path = self.assets.path(row.internal_id, row.store_number)
            except AssetError as exc:
                results[bid] = str(exc)
                continue
            tasks.append((bid, str(path), row.name or ""))
        if self._pool is None or len(tasks) < 2:
            for bid, path_text, name in tasks:
                results[bid] = _identify_path(self.stack, path_text, name)
            return results
        chunk = max(1, len(tasks) // (self.workers * 4))
        for bid, result in self._pool.map(_work, tasks, chunksize=chunk):
            results[bid] = result
        return results
