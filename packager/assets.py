"""Asset writes for one ingest run: durable once, before the commit, not once per file.

``AssetStore.write_stream`` fsyncs every file by default, which on a restore of thousands of
bitstreams costs more than everything else together. An ingest run needs durability only at one
point: before its database transaction commits. So this writer asks the store for each file
without fsync (still temp file + rename, never overwriting), and
:meth:`RunAssets.make_durable` flushes them all with one ``os.sync()`` before the commit.
Everything written is remembered so a failed run can delete it again.
"""

from __future__ import annotations

import contextlib
import os
from typing import BinaryIO

from archive.assetstore import AssetStore, StoredAsset

CHUNK = 1 << 20


class RunAssets:
    def __init__(self, store: AssetStore, store_number: int = 0) -> None:
        self.store = store
        self.store_number = store_number
        self.written: list[tuple[str, int]] = []

    def write_stream(self, stream: BinaryIO) -> StoredAsset:
        """A new asset (temp file + rename, never overwriting), made durable later."""
        asset = self.store.write_stream(stream, self.store_number, fsync=False)
        self.written.append((asset.internal_id, self.store_number))
        return asset

    def write_bytes(self, data: bytes) -> StoredAsset:
        import io

        return self.write_stream(io.BytesIO(data))

    def make_durable(self) -> None:
        """Flush every file written so far to disk (called before the commit)."""
        if self.written:
            os.sync()

    def discard(self) -> None:
        """Delete everything this run wrote (the run failed)."""
        for key, number in self.written:
            with contextlib.suppress(Exception):
                self.store.delete(key, number)
        self.written.clear()
