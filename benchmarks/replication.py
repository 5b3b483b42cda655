"""Measure replication on a demo archive (a script, not collected by pytest).

    .venv/bin/python benchmarks/replication.py 1000 [DB_URL]

Builds a demo archive of N items (SQLite in a temp folder unless DB_URL names an empty
database), then:

1. **folder store vs S3 store, same run, same archive**: the first sync (every AIP built and
   sent), a no-change sync (the store's listing checked against the registry) and a
   ``--verify`` sync (every stored object read back and hashed), first into the folder
   store, then — registry reset — into an S3 bucket of moto's standalone S3 server started
   on 127.0.0.1 (real HTTP, a separate process); AIPs/s, MB/s and the S3/folder ratios;
2. on the folder store: a full (--full) sync, a sync after changing 30 bitstreams, deleting a
   collection plus the sync that records it, one restore-bag.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from replication.aip import DSpaceAipPackager
    from replication.store import StoreConfig
    from replication.store_base import ObjectStore

# run as a script, this file would shadow the ``replication`` package: the project comes first
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


@contextmanager
def s3_server() -> Iterator[str]:
    """moto's standalone S3 server on a free 127.0.0.1 port, in its own process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def reset_registry(eng: Engine) -> None:
    """Forget every replica (so the next sync starts from an empty store)."""
    from sqlalchemy import delete

    from replication import queue as q

    with eng.begin() as c:
        for table in (q.QUEUE, q.REPLICA, q.EVENTS):
            c.execute(delete(table))


def store_round(label: str, eng: Engine, store: ObjectStore, cfg: StoreConfig,
                pk: DSpaceAipPackager) -> dict[str, float]:
    """First, no-change and --verify sync into ``store``; prints and returns the rates."""
    from replication.sync import sync

    r, d = timed(lambda: sync(eng, store, cfg, pk))
    n = len(r.transmitted)
    mb = sum(o.size for o in store.list(cfg.aip_group)) / 1e6
    out = {"first_aips": n / d, "first_mb": mb / d}
    print(f"{label:6} first sync:      {n} AIPs, {mb:.1f} MB in {d:.1f}s = {n / d:.1f} AIPs/s, "
          f"{mb / d:.2f} MB/s, failed={len(r.failed)}")
    r, d = timed(lambda: sync(eng, store, cfg, pk))
    out["check_aips"] = r.unchanged / d
    print(f"{label:6} no-change sync:  {r.unchanged} unchanged, {len(r.transmitted)} sent in "
          f"{d:.1f}s = {r.unchanged / d:.1f} AIPs/s")
    r, d = timed(lambda: sync(eng, store, cfg, pk, verify=True))
    out["verify_aips"], out["verify_mb"] = r.unchanged / d, mb / d
    print(f"{label:6} --verify sync:   {r.unchanged} unchanged, {len(r.damaged)} damaged in "
          f"{d:.1f}s = {r.unchanged / d:.1f} AIPs/s, {mb / d:.2f} MB/s read back")
    return out


def compare_stores(eng: Engine, tmp: Path, pk: DSpaceAipPackager) -> None:
    from replication.store import LocalObjectStore, StoreConfig
    from replication.store_s3 import S3ObjectStore

    folder_cfg = StoreConfig(tmp / "cmp-store")
    folder = store_round("folder", eng, LocalObjectStore(tmp / "cmp-store"), folder_cfg, pk)
    reset_registry(eng)
    with s3_server() as endpoint:
        os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                          AWS_REGION="us-east-1", AWS_ENDPOINT_URL=endpoint)
        import boto3

        boto3.client("s3").create_bucket(Bucket="bsf-bench")
        s3_cfg = StoreConfig(None, url="s3://bsf-bench/replicas")
        s3 = store_round("s3", eng, S3ObjectStore.from_config(s3_cfg), s3_cfg, pk)
    reset_registry(eng)
    print("s3/folder ratios (same run): "
          + ", ".join(f"{k} {s3[k] / folder[k]:.2f}" for k in folder))


def main(items: int, url: str | None) -> None:
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

    tmp = Path(tempfile.mkdtemp(prefix="replbench-"))
    (tmp / "as").mkdir()
    eng = open_engine(url or f"sqlite:///{tmp}/a.db")
    assets = AssetStore({0: tmp / "as"})
    demo = build_demo(eng, assets, items=items, seed=1)
    print(f"demo: {demo.items} items, {demo.bitstreams} bitstreams ({eng.dialect.name})")
    cfg = StoreConfig(tmp / "store")
    store = LocalObjectStore(cfg.store_dir)
    pk = DSpaceAipPackager(assets, export_options={"validate": "false"})
    compare_stores(eng, tmp, pk)

    r, d = timed(lambda: sync(eng, store, cfg, pk))
    n = len(r.transmitted)
    size = sum(o.size for o in store.list(cfg.aip_group))
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


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Replication on a demo archive: folder store vs S3 store in the same run.")
    parser.add_argument("items", nargs="?", type=int, default=1000,
                        help="demo archive size in items (default 1000)")
    parser.add_argument("db_url", nargs="?", default=None,
                        help="an empty database to build it in (default: SQLite in a temp folder)")
    return parser.parse_args()


if __name__ == "__main__":
    args = _arguments()
    main(args.items, args.db_url)
