"""Measure replication on a demo archive (a script, not collected by pytest).

    .venv/bin/python benchmarks/replication.py 1000 [DB_URL]

Builds a demo archive of N items (SQLite in a temp folder unless DB_URL names an empty
database), then times: the first sync, a no-change sync, a full (--full) sync, a sync after
changing 30 bitstreams, deleting a collection plus the sync that records it, one restore-bag.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from archive.assetstore import AssetStore
from archive.db import open_engine
from archive.delete import delete_object
from archive.demo.build import build_demo
from archive.schema import COLLECTION, T15
from replication.aip import DSpaceAipPackager
from replication.bags.restored import restore_bag
from replication.store import LocalObjectStore, StoreConfig
from replication.sync import sync


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main(items: int, url: str | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="replbench-"))
    (tmp / "as").mkdir()
    eng = open_engine(url or f"sqlite:///{tmp}/a.db")
    assets = AssetStore({0: tmp / "as"})
    demo = build_demo(eng, assets, items=items, seed=1)
    print(f"demo: {demo.items} items, {demo.bitstreams} bitstreams ({eng.dialect.name})")
    cfg = StoreConfig(tmp / "store")
    store = LocalObjectStore(cfg.store_dir)
    pk = DSpaceAipPackager(assets, export_options={"validate": "false"})

    r, d = timed(lambda: sync(eng, store, cfg, pk))
    n = len(r.transmitted)
    size = sum(p.stat().st_size for p in (cfg.store_dir / cfg.aip_group).iterdir())
    print(f"first sync: {n} AIPs, {size / 1e6:.1f} MB in {d:.1f}s = {n / d:.1f} objects/s, "
          f"failed={len(r.failed)}")
    r, d = timed(lambda: sync(eng, store, cfg, pk))
    print(f"no-change sync: {r.unchanged} unchanged, {len(r.transmitted)} sent in {d:.1f}s "
          f"= {r.unchanged / d:.1f} objects/s")
    r, d = timed(lambda: sync(eng, store, cfg, pk, full=True))
    print(f"full sync (every AIP rebuilt): {r.unchanged} unchanged, {len(r.transmitted)} sent "
          f"in {d:.1f}s = {r.unchanged / d:.1f} objects/s")
    with eng.begin() as c:
        c.execute(update(T15.bitstream).where(T15.bitstream.c.bitstream_id <= 30)
                  .values(description="changed"))
    r, d = timed(lambda: sync(eng, store, cfg, pk))
    print(f"after changing bitstreams 1..30: {len(r.transmitted)} sent in {d:.1f}s")
    with eng.connect() as c:
        col = c.execute(select(T15.handle.c.handle)
                        .where(T15.handle.c.resource_type_id == COLLECTION)
                        .order_by(T15.handle.c.handle_id)).scalars().first()
    assert col is not None
    res, d1 = timed(lambda: delete_object(eng, col))
    r, d = timed(lambda: sync(eng, store, cfg, pk))
    print(f"deleted collection {col} ({len(res.handles)} objects) in {d1:.2f}s; sync wrote "
          f"{r.deletion_records} in {d:.1f}s")
    item = res.handles[1]
    b, d = timed(lambda: restore_bag(eng, store, cfg, item, tmp / "bags"))
    print(f"restore-bag {item}: {b.payload_files} files, {b.payload_bytes} bytes in {d:.2f}s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    eng.dispose()
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
         sys.argv[2] if len(sys.argv) > 2 else None)
