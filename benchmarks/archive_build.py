"""Benchmark: build a demo DSpace 1.5 archive of N bitstreams on SQLite and on PostgreSQL.

    python benchmarks/archive_build.py [--bitstreams 100000] [--seed 1] [--no-postgres]

Prints bitstreams/s and peak memory for each database, and, as the peer measured in the same
run, the floor set by the file system: creating the same number of small files in DSpace's
three-level asset store layout and nothing else. The ratio says how much the database work and
content generation cost on top of the unavoidable file creation.

PostgreSQL: a throw-away database is created and dropped on the server named by
``BSF_BENCH_POSTGRES_URL`` (else ``BSF_TEST_POSTGRES_URL``, else the local default).
Each configuration runs in its own child process so peak RSS is its own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import emit, peak_rss_mb, run_child

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
#: Bitstreams per item in the demo (measured: ~3.45); used to size the item count.
BITSTREAMS_PER_ITEM = 3.45


def _pg_admin_url() -> str:
    from archive.db import normalise_url

    return normalise_url(os.environ.get("BSF_BENCH_POSTGRES_URL")
                         or os.environ.get("BSF_TEST_POSTGRES_URL") or PG_DEFAULT)


def child_build(backend: str, bitstreams: int, seed: int) -> None:
    """Build one demo archive in a temporary folder and emit its figures."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from archive.assetstore import AssetStore
    from archive.db import open_engine
    from archive.demo import build_demo

    items = max(1, round(bitstreams / BITSTREAMS_PER_ITEM))
    work = Path(tempfile.mkdtemp(prefix="bsf-bench-archive-"))
    admin = None
    name = None
    try:
        if backend == "sqlite":
            url = f"sqlite:///{work / 'archive.db'}"
        else:
            admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
            name = f"bsf_bench_{uuid.uuid4().hex[:10]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(_pg_admin_url()).set(database=name).render_as_string(
                hide_password=False)
        engine = open_engine(url)
        baseline = peak_rss_mb()
        started = time.perf_counter()
        summary = build_demo(engine, AssetStore({0: work / "assetstore"}), items=items,
                             seed=seed)
        seconds = time.perf_counter() - started
        engine.dispose()
        emit({"backend": backend, "items": summary.items, "bitstreams": summary.bitstreams,
              "seconds": round(seconds, 2), "rate": round(summary.bitstreams / seconds),
              "asset_files": summary.asset_files, "baseline_rss_mb": round(baseline, 1)})
    finally:
        if admin is not None and name is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        shutil.rmtree(work, ignore_errors=True)


def child_files(count: int, seed: int) -> None:
    """The floor: create ``count`` ~500-byte files under DSpace keys with the demo's own
    (threaded) asset writer, and nothing else."""
    from archive.assetstore import AssetStore
    from archive.demo.writer import AssetWriter, Content

    work = Path(tempfile.mkdtemp(prefix="bsf-bench-files-"))
    try:
        writer = AssetWriter(AssetStore({0: work}), seed)
        content = Content(bytes(range(256)) * 2, "")
        started = time.perf_counter()
        for _ in range(count):
            writer.write(writer.new_key(), content, 0)
        writer.close()
        seconds = time.perf_counter() - started
        emit({"backend": "files only", "bitstreams": count, "seconds": round(seconds, 2),
              "rate": round(count / seconds)})
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _postgres_reachable() -> str | None:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(_pg_admin_url())
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return str(exc).splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bitstreams", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", choices=("sqlite", "postgres", "files"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "files":
        child_files(args.bitstreams, args.seed)
        return
    if args.child:
        child_build(args.child, args.bitstreams, args.seed)
        return

    script = Path(__file__).resolve()
    common = ["--bitstreams", str(args.bitstreams), "--seed", str(args.seed)]
    backends = ["sqlite"]
    if not args.no_postgres:
        problem = _postgres_reachable()
        if problem:
            print(f"PostgreSQL skipped: {problem}", file=sys.stderr)
        else:
            backends.append("postgres")
    floor = run_child(script, [*common, "--child", "files"])
    print(f"demo archive build, target {args.bitstreams:,} bitstreams, seed {args.seed}")
    print(f"{'backend':<12} {'bitstreams':>10} {'seconds':>8} {'bitstreams/s':>13} "
          f"{'peak RSS MiB':>13} {'x files-only time':>18}")
    print(f"{'files only':<12} {floor['bitstreams']:>10,} {floor['seconds']:>8} "
          f"{floor['rate']:>13,} {floor['peak_rss_mb']:>13} {1.0:>18.2f}")
    for backend in backends:
        result = run_child(script, [*common, "--child", backend])
        ratio = floor["rate"] / result["rate"] if result["rate"] else float("nan")
        print(f"{backend:<12} {result['bitstreams']:>10,} {result['seconds']:>8} "
              f"{result['rate']:>13,} {result['peak_rss_mb']:>13} {ratio:>18.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
