"""Bulk writing for the demo archive: buffered multi-row inserts with pre-allocated ids, and
asset files written from a small pool of generated contents.

A 100,000-bitstream archive means roughly a million rows and 100,000 files. Row-at-a-time ORM
inserts would take minutes, so rows are buffered per table and sent with one ``executemany`` per
table and batch, parents before children; ids are allocated in blocks (PostgreSQL: from the
DSpace sequences, so they stay consistent). File contents are generated once per (kind, variant)
and reused, with their MD5, for every bitstream that draws that variant: the dominant cost left
is the file system creating 100,000 files in DSpace's three-level folder layout.
"""

from __future__ import annotations

import hashlib
import random
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, insert

from archive.assetstore import AssetStore, new_internal_id
from archive.db import IdAllocator
from archive.demo.samples import KINDS
from archive.schema import Tables

#: Parents before children, so every foreign key points at a row already written.
_ORDER = ("bitstream", "community", "collection", "community2community",
          "community2collection", "item", "collection2item", "workspaceitem", "bundle",
          "item2bundle", "bundle2bitstream", "handle", "metadatavalue", "resourcepolicy")


class BulkWriter:
    """Buffers rows per table and flushes them in foreign-key order with executemany."""

    def __init__(self, conn: Connection, tables: Tables, batch_rows: int = 5000) -> None:
        self.conn = conn
        self.tables = tables
        self.batch_rows = batch_rows
        self._buffers: dict[str, list[dict[str, object]]] = {name: [] for name in _ORDER}
        self._pending = 0
        self._allocators: dict[str, IdAllocator] = {}
        self._free: dict[str, list[int]] = {}
        self.counts: dict[str, int] = dict.fromkeys(_ORDER, 0)
        self._postgres = conn.dialect.name == "postgresql"
        self._statements: dict[tuple[str, tuple[str, ...]], tuple[str, list[Any]]] = {}

    def table(self, name: str) -> Table:
        table = getattr(self.tables, name)
        assert isinstance(table, Table)
        return table

    def new_id(self, name: str) -> int:
        """A fresh primary key for ``name``, drawn from a pre-allocated block."""
        free = self._free.get(name)
        if not free:
            allocator = self._allocators.get(name)
            if allocator is None:
                allocator = self._allocators[name] = IdAllocator(self.conn, self.table(name))
            free = self._free[name] = allocator.block(1000)[::-1]
        return free.pop()

    def add(self, name: str, row: dict[str, object]) -> None:
        self._buffers[name].append(row)
        self._pending += 1
        if self._pending >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        for name in _ORDER:
            rows = self._buffers[name]
            if rows:
                if self._postgres:
                    self._copy(name, rows)
                elif self.conn.dialect.name == "sqlite":
                    self._driver_many(name, rows)
                else:
                    self.conn.execute(insert(self.table(name)), rows)
                self.counts[name] += len(rows)
                self._buffers[name] = []
        self._pending = 0

    def _driver_many(self, name: str, rows: list[dict[str, object]]) -> None:
        """SQLite: one driver-level executemany of plain tuples.

        SQLAlchemy's per-row parameter processing costs more than SQLite's insert itself;
        here the columns' own bind processors (datetime -> SQLAlchemy's text format) are
        applied directly, so the rows read back exactly as if SQLAlchemy had written them.
        """
        columns = list(rows[0])
        key = (name, tuple(columns))
        prepared = self._statements.get(key)
        if prepared is None:
            table = self.table(name)
            processors = [table.c[c].type.bind_processor(self.conn.dialect) for c in columns]
            quoted = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            sql = f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})'
            prepared = self._statements[key] = (sql, processors)
        sql, processors = prepared
        active = [(i, p) for i, p in enumerate(processors) if p is not None]
        params = []
        for row in rows:
            values = [row[c] for c in columns]
            for i, processor in active:
                values[i] = processor(values[i])
            params.append(tuple(values))
        self.conn.exec_driver_sql(sql, params)

    def _copy(self, name: str, rows: list[dict[str, object]]) -> None:
        """PostgreSQL: stream the rows with COPY on the same connection and transaction."""
        columns = list(rows[0])
        driver = self.conn.connection.driver_connection
        assert driver is not None
        quoted = ", ".join(f'"{c}"' for c in columns)
        with driver.cursor() as cursor, cursor.copy(
                f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])


@dataclass(frozen=True)
class Content:
    data: bytes
    md5: str

    @property
    def size(self) -> int:
        return len(self.data)


class ContentPool:
    """The bytes of each (kind, variant), generated on first use and kept for reuse."""

    def __init__(self, seed: int, variants: int) -> None:
        self.seed = seed
        self.variants = variants
        self._cache: dict[tuple[str, int], Content] = {}

    def get(self, kind: str, variant: int) -> Content:
        key = (kind, variant % self.variants)
        content = self._cache.get(key)
        if content is None:
            rng = random.Random(f"bsf-demo:{self.seed}:{kind}:{key[1]}")
            title = f"Demo {KINDS[kind].key} sample {key[1] + 1}"
            data = KINDS[kind].generate(rng, title)
            content = self._cache[key] = Content(
                data, hashlib.md5(data, usedforsecurity=False).hexdigest())
        return content


class AssetWriter:
    """Writes demo assets under fresh DSpace keys; counts files and bytes.

    Files are handed to a small thread pool in batches: creating a file is almost all kernel
    time with the GIL released, so it overlaps with the planning and database work of the main
    thread. Keys are drawn in the main thread, so the result stays deterministic.
    """

    def __init__(self, store: AssetStore, seed: int, *, threads: int = 2,
                 batch: int = 256) -> None:
        self.store = store
        self._rng = random.Random(f"bsf-demo:{seed}:internal-ids")
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bsf-assets")
        self._batch: list[tuple[str, bytes, int]] = []
        self._batch_size = batch
        self._pending: list[Future[None]] = []
        self.files = 0
        self.bytes = 0

    def new_key(self) -> str:
        return new_internal_id(self._rng)

    def write(self, key: str, content: Content, store_number: int) -> None:
        self._batch.append((key, content.data, store_number))
        self.files += 1
        self.bytes += content.size
        if len(self._batch) >= self._batch_size:
            self._submit()

    def _submit(self) -> None:
        batch, self._batch = self._batch, []
        if batch:
            self._pending.append(self._pool.submit(self._write_batch, batch))
        # Keep the backlog (and memory) bounded; surface errors early.
        while len(self._pending) > 8:
            self._pending.pop(0).result()

    def _write_batch(self, batch: list[tuple[str, bytes, int]]) -> None:
        for key, data, store_number in batch:
            self.store.write_bytes(data, store_number, internal_id=key, durable=False)

    def close(self) -> None:
        """Write what is left and wait for every file; re-raises the first failure."""
        try:
            self._submit()
            for future in self._pending:
                future.result()
        finally:
            self._pending = []
            self._pool.shutdown(wait=True)
