"""Benchmark: the Upgrade15To16 steps on a demo archive, SQLite and PostgreSQL.

    python benchmarks/upgrade.py [--bitstreams 100000] [--seed 1] [--no-postgres] [--no-sqlite]

For each database a demo DSpace 1.5 archive of about N bitstreams is built, then each step runs
in its own child process (so its peak RSS is its own) and reports bitstreams/s:

* ``cleanup -c`` (stat + open of every asset);
* phase 0 (schema conversion), then phase 1 with the DSpace registry configured (the heaviest
  phase 1: most old formats have an analogue);
* ``undo``, then phase 2 with the default (PRONOM) stack over every bitstream, 1 worker;
* ``undo``, then phase 2 with 2 workers;
* the peer measured in the same run: raw identification of the same files with the same stack
  in one process and no database (``Sample.from_path`` + ``IdentifierStack.identify``, built
  as phase 2 builds its samples), the ceiling phase 2 is compared against (phase 2 / raw).

PostgreSQL: a throw-away database on ``BSF_BENCH_POSTGRES_URL`` (else ``BSF_TEST_POSTGRES_URL``,
else the local default server), dropped afterwards.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import ROOT, emit, run_child

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
BITSTREAMS_PER_ITEM = 3.45

DSPACE_CFG = """\
dspace.dir = {root}
formatRegistry.DSpace.document = ${{dspace.dir}}/config/formats/dspace-formats.xml
formatRegistry.Provisional.document = ${{dspace.dir}}/config/formats/provisional-formats.xml
plugin.named.org.dspace.content.format.FormatRegistry = \\
  org.dspace.content.format.DSpaceFormatRegistry = DSpace, \\
  org.dspace.content.format.ProvisionalFormatRegistry = Provisional
plugin.sequence.org.dspace.content.format.FormatIdentifier = \\
  org.dspace.content.format.DSpaceFormatRegistry, \\
  org.dspace.content.format.TextHeuristicIdentifier, \\
  org.dspace.content.format.CSSIdentifier, \\
  org.dspace.content.format.ProvisionalFormatRegistry, \\
  org.dspace.content.format.TextSubtypeHelper
formatIdentifier.CSSIdentifier.identifiers = DSpace:CSS
"""


# -- child side ---------------------------------------------------------------------------------

def _child(args: argparse.Namespace) -> None:
    from archive.db import open_engine
    from bsfcore.settings import load_settings

    settings = load_settings(args.config, db=args.db, assetstore=args.store)
    engine = open_engine(args.db)
    if args.child == "build":
        from archive.assetstore import AssetStore
        from archive.demo import build_demo

        items = max(1, round(args.bitstreams / BITSTREAMS_PER_ITEM))
        started = time.perf_counter()
        build_demo(engine, AssetStore({0: Path(args.store)}), items=items, seed=args.seed)
        emit({"seconds": time.perf_counter() - started})
        return
    if args.child == "raw":
        emit(_raw_identification(engine, settings))
        return
    from upgrade.runner import run_step
    from upgrade.step import StepContext

    ctx = StepContext(engine, settings=settings, out=io.StringIO(), log=lambda _m: None,
                      workers=args.workers, batch_size=500)
    if args.child == "phase2":
        ctx.identifier_stack()  # compile signatures outside the timed part, like `raw`
    started = time.perf_counter()
    summary = run_step(args.child, ctx)
    seconds = time.perf_counter() - started
    emit({"seconds": seconds, "counts": summary.counts})


def _raw_identification(engine: Any, settings: Any) -> dict[str, Any]:
    """The same stack over the same files, no database writes: phase 2's ceiling."""
    from sqlalchemy import select

    from archive.schema import T15
    from formats.model import Sample
    from formats.stack import stack_from_settings
    from upgrade.assets import open_store
    from upgrade.scope import is_upgradable

    stack, _ = stack_from_settings(settings)
    store = open_store(settings)
    bs = T15.bitstream
    with engine.connect() as conn:
        rows = conn.execute(select(bs.c.name, bs.c.internal_id, bs.c.store_number)
                            .where(is_upgradable(T15)).order_by(bs.c.bitstream_id)).all()
    started = time.perf_counter()
    n = 0
    for name, internal_id, store_number in rows:
        path = store.path(internal_id, store_number)
        try:
            size = os.stat(path).st_size
        except OSError:
            continue
        # the same Sample construction phase 2 uses (upgrade.phase2_batch.identify_rows)
        stack.identify(Sample.from_path(path, name or "", size))
        n += 1
    return {"seconds": time.perf_counter() - started, "files": n}


# -- parent side --------------------------------------------------------------------------------

def _pg_admin_url() -> str:
    from archive.db import normalise_url

    return normalise_url(os.environ.get("BSF_BENCH_POSTGRES_URL")
                         or os.environ.get("BSF_TEST_POSTGRES_URL") or PG_DEFAULT)


def _bench_db(kind: str, work: Path) -> tuple[str, Any]:
    if kind == "sqlite":
        return f"sqlite:///{work / 'archive.db'}", None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = _pg_admin_url()
    name = f"bsf_bench_{uuid.uuid4().hex[:10]}"
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with eng.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()

    return make_url(admin).set(database=name).render_as_string(hide_password=False), drop


def _run(step: str, db: str, store: Path, args: argparse.Namespace, *, config: Path | None = None,
         workers: int = 1) -> dict[str, Any]:
    argv = ["--child", step, "--db", db, "--store", str(store), "--bitstreams",
            str(args.bitstreams), "--seed", str(args.seed), "--workers", str(workers)]
    if config is not None:
        argv += ["--config", str(config)]
    result = run_child(Path(__file__), argv, timeout=7200)
    print(f"  {step:8} workers={workers} {result['seconds']:8.1f} s  "
          f"peak {result['peak_rss_mb']:6.0f} MiB  {json.dumps(result.get('counts', {}))}",
          file=sys.stderr, flush=True)
    return result


def _measure(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"bsf-bench-upgrade-{kind}-"))
    db, drop = _bench_db(kind, work)
    store = work / "assetstore"
    store.mkdir()
    cfg = work / "dspace.cfg"
    cfg.write_text(DSPACE_CFG.format(root=ROOT))
    print(f"{kind}: building demo archive of ~{args.bitstreams} bitstreams", file=sys.stderr)
    try:
        _run("build", db, store, args)
        r: dict[str, Any] = {}
        r["cleanup"] = _run("cleanup", db, store, args)
        r["phase0"] = _run("phase0", db, store, args)
        r["phase1"] = _run("phase1", db, store, args, config=cfg)
        _run("undo", db, store, args)
        r["raw"] = _run("raw", db, store, args)
        r["phase2_w1"] = _run("phase2", db, store, args)
        _run("undo", db, store, args)
        r["phase2_w2"] = _run("phase2", db, store, args, workers=2)
        return r
    finally:
        if drop is not None:
            drop()
        shutil.rmtree(work, ignore_errors=True)


def _rate(n: float, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bitstreams", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    kinds = [k for k, off in (("sqlite", args.no_sqlite), ("postgres", args.no_postgres))
             if not off]
    print(f"Upgrade15To16 benchmark, ~{args.bitstreams} bitstreams, seed {args.seed}")
    for kind in kinds:
        r = _measure(kind, args)
        checked = r["cleanup"]["counts"]["checked"]
        touched1 = r["phase1"]["counts"]["touched"]
        p2 = r["phase2_w1"]["counts"]["touched"]
        p2b = r["phase2_w2"]["counts"]["touched"]
        raw = _rate(r["raw"]["files"], r["raw"]["seconds"])
        w1 = _rate(p2, r["phase2_w1"]["seconds"])
        w2 = _rate(p2b, r["phase2_w2"]["seconds"])
        print(f"\n[{kind}] {checked} upgradable bitstreams")
        print(f"  cleanup -c   {_rate(checked, r['cleanup']['seconds']):10,.0f} bitstreams/s "
              f"({r['cleanup']['seconds']:.2f} s, peak {r['cleanup']['peak_rss_mb']:.0f} MiB)")
        print(f"  phase 0      {r['phase0']['seconds']:10.2f} s "
              f"(peak {r['phase0']['peak_rss_mb']:.0f} MiB)")
        print(f"  phase 1      {_rate(touched1, r['phase1']['seconds']):10,.0f} bitstreams/s "
              f"({r['phase1']['seconds']:.2f} s, DSpace registry, "
              f"{r['phase1']['counts'].get('DSpace', 0)} translated, "
              f"peak {r['phase1']['peak_rss_mb']:.0f} MiB)")
        print(f"  raw identify {raw:10,.0f} files/s (same stack, same files, no database)")
        print(f"  phase 2 x1   {w1:10,.0f} bitstreams/s ({r['phase2_w1']['seconds']:.1f} s, "
              f"peak {r['phase2_w1']['peak_rss_mb']:.0f} MiB) = {w1 / raw:.2f} x raw")
        print(f"  phase 2 x2   {w2:10,.0f} bitstreams/s ({r['phase2_w2']['seconds']:.1f} s, "
              f"peak {r['phase2_w2']['peak_rss_mb']:.0f} MiB coordinator) = "
              f"{w2 / w1:.2f} x 1 worker")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
