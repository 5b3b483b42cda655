"""Asset writes for one ingest run: durable once, before the commit, not once per file.

``AssetStore.write_stream`` fsyncs every file, which on a restore of thousands of bitstreams
costs more than everything else together. An ingest run needs durability only at one point:
before its database transaction commits. So this writer puts each file in place with DSpace's
layout (temp file + rename, via :meth:`AssetStore.path`, never overwriting) without fsync, and
:meth:`RunAssets.make_durable` flushes them all with one ``os.sync()`` before the commit.
Everything written is remembered so a failed run can delete it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from archive.assetstore import AssetStore, StoredAsset, new_internal_id
from bsfcore.errors import AssetError

CHUNK = 1 << 20


class RunAssets:
    def __init__(self, store: AssetStore, store_number: int = 0) -> None:
        self.store = store
        self.store_number = store_number
        self.written: list[tuple[str, int]] = []
        self._dirs: set[Path] = set()

    def write_stream(self, stream: BinaryIO) -> StoredAsset:
        key = new_internal_id()
        target = self.store.path(key, self.store_number)
        if target.exists():
            raise AssetError(f"asset {key} already exists", path=str(target))
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        fd, tmp = tempfile.mkstemp(prefix=".bsf-", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        self.written.append((key, self.store_number))
        return StoredAsset(key, size, digest.hexdigest())

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
