"""Phase 2 survives kill -9 at any point, and several workers share the work safely."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from archive.schema import T16
from tests.upgrade.helpers import UPGRADABLE, add_update_counter, build_archive
from upgrade.runner import run_step
from upgrade.scope import PHASE2_SOURCE, count_unconverted
from upgrade.state import batches

ROOT = Path(__file__).resolve().parents[2]


def _invariants(engine) -> int:  # type: ignore[no-untyped-def]
    """Progress records match the data; no bitstream was written twice. Returns done count."""
    bs = T16.bitstream
    with engine.connect() as conn:
        done = conn.execute(select(func.count()).select_from(bs).where(
            bs.c.format_source.like(PHASE2_SOURCE + "%"),
            bs.c.bitstream_format_id.is_not(None))).scalar_one()
        recorded = conn.execute(select(func.coalesce(func.sum(batches.c.touched), 0))
                                ).scalar_one() if _has_batches(conn) else 0
        twice = conn.execute(text(
            "SELECT count(*) FROM (SELECT bitstream_id FROM upd_log GROUP BY bitstream_id "
            "HAVING count(*) > 1) AS d")).scalar_one()
        logged = conn.execute(text("SELECT count(*) FROM upd_log")).scalar_one()
    assert twice == 0
    assert recorded == done == logged
    return int(done)


def _done(engine) -> int:  # type: ignore[no-untyped-def]
    bs = T16.bitstream
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(bs).where(
            bs.c.bitstream_format_id.is_not(None))).scalar_one())


def _has_batches(conn) -> bool:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    return inspect(conn).has_table("bsf_upgrade_batch")


def _child(db_url: str, store: Path, delay: float, workers: int = 1) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "tests.upgrade.phase2_child", db_url, str(store), "7",
         str(delay), str(workers)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_kill_9_at_random_points_then_resume(db_url: str, engine, tmp_path: Path) -> None:
    bulk = 100
    arch = build_archive(engine, tmp_path / "assets", bulk=bulk)
    run_step("phase0", arch.context(out=io.StringIO()))
    add_update_counter(engine)
    total = len(UPGRADABLE) + bulk
    rng = random.Random(5)
    kills = 0
    progress = [0]

    def kill(proc: subprocess.Popen[str]) -> None:
        nonlocal kills
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        _out, err = proc.communicate()
        assert proc.returncode in (0, -signal.SIGKILL) or "lock is held" in err, err
        progress.append(_invariants(engine))

    # once during start-up or planning, then inside the work at random progress points
    proc = _child(db_url, arch.store_dir, 0.01)
    time.sleep(rng.uniform(0.1, 0.8))
    kill(proc)
    for target in sorted(rng.sample(range(10, total - 10), 3)):
        proc = _child(db_url, arch.store_dir, 0.01)
        deadline = time.monotonic() + 120
        while (proc.poll() is None and _done(engine) < target
               and time.monotonic() < deadline):
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.08))  # anywhere in the next batch (7 x 10 ms) or its commit
        kill(proc)
    assert kills >= 3, progress
    assert progress == sorted(progress)  # work is never lost
    assert sum(0 < p < total for p in progress) >= 2  # kills landed in the middle of the work
    for _attempt in range(10):  # PostgreSQL may take a moment to drop a killed session's lock
        proc = _child(db_url, arch.store_dir, 0.0)
        out, err = proc.communicate(timeout=120)
        if proc.returncode == 0:
            break
        assert "lock is held" in err, err
        time.sleep(0.3)
    assert proc.returncode == 0, err
    assert _invariants(engine) == total
    if progress[-1] < total:
        assert f"Total bitstreams touched = {total}" in out
    with engine.connect() as conn:
        assert count_unconverted(conn) == 0


def test_batch_failure_midway_resumes_in_process(engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets", bulk=20)
    run_step("phase0", arch.context(out=io.StringIO()))
    add_update_counter(engine)
    seen: list[int] = []

    def boom(batch_id: int) -> None:
        seen.append(batch_id)
        if len(seen) == 3:
            raise RuntimeError("simulated crash after the third batch")

    with pytest.raises(RuntimeError):
        run_step("phase2", arch.context(out=io.StringIO(), batch_size=4, after_batch=boom))
    assert _invariants(engine) == 12
    out = io.StringIO()
    run_step("phase2", arch.context(out=out, batch_size=4))
    assert _invariants(engine) == len(UPGRADABLE) + 20
    assert f"Total bitstreams touched = {len(UPGRADABLE) + 20}" in out.getvalue()


def test_two_workers_share_the_work(engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets", bulk=60)
    run_step("phase0", arch.context(out=io.StringIO()))
    add_update_counter(engine)
    out = io.StringIO()
    from tests.upgrade.helpers import FakeStack

    run_step("phase2", arch.context(out=out, batch_size=4, workers=2,
                                    stack=FakeStack(0.03)))
    total = len(UPGRADABLE) + 60
    assert _invariants(engine) == total
    assert f"Total bitstreams touched = {total}" in out.getvalue()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            workers = conn.execute(select(func.count(func.distinct(batches.c.worker)))
                                   ).scalar_one()
        assert workers == 2  # both processes claimed batches


def test_worker_mode_joins_a_planned_phase2(engine, tmp_path: Path) -> None:
    from bsfcore.errors import StepError
    from upgrade.phase2 import Phase2
    from upgrade.state import ensure_state_tables

    arch = build_archive(engine, tmp_path / "assets", bulk=8)
    run_step("phase0", arch.context(out=io.StringIO()))
    ctx = arch.context(out=io.StringIO(), batch_size=3)
    if engine.dialect.name != "postgresql":
        with pytest.raises(StepError, match="--worker needs PostgreSQL"):
            run_step("phase2", replace(ctx, worker_only=True))
        return
    ensure_state_tables(engine)
    assert Phase2()._plan(ctx) == 1  # a coordinator planned, then (say) died
    out = io.StringIO()
    run_step("phase2", replace(arch.context(out=out), worker_only=True))
    assert "Phase 2 worker finished" in out.getvalue()
    with engine.connect() as conn:
        assert count_unconverted(conn) == 0
    out = io.StringIO()
    run_step("phase2", arch.context(out=out))  # the coordinator finds nothing left
    assert "Total bitstreams touched = 0" in out.getvalue()


def test_undo_sql_during_an_unfinished_plan_is_still_covered(engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets", bulk=9)
    run_step("phase0", arch.context(out=io.StringIO()))

    def stop(batch_id: int) -> None:
        raise RuntimeError("crash after the first batch")

    with pytest.raises(RuntimeError):
        run_step("phase2", arch.context(out=io.StringIO(), batch_size=4, after_batch=stop))
    with engine.begin() as conn:  # the instructions' undo, while the plan is half done
        conn.execute(text("UPDATE Bitstream SET bitstream_format_id = NULL"))
    out = io.StringIO()
    run_step("phase2", arch.context(out=out, batch_size=4))
    with engine.connect() as conn:
        assert count_unconverted(conn) == 0
    assert f"Total bitstreams touched = {len(UPGRADABLE) + 9 + 4}" in out.getvalue()


def test_missing_asset_stops_parallel_phase2(engine, tmp_path: Path) -> None:
    from bsfcore.errors import AssetError
    from tests.upgrade.helpers import FakeStack

    arch = build_archive(engine, tmp_path / "assets", bulk=30, missing=True)
    run_step("phase0", arch.context(out=io.StringIO()))
    with pytest.raises(AssetError, match=f"Bitstream id={arch.ids['missing']} "):
        run_step("phase2", arch.context(out=io.StringIO(), batch_size=4, workers=2,
                                        stack=FakeStack(0.005)))
    with engine.connect() as conn:
        bs = T16.bitstream
        missing = conn.execute(select(bs.c.bitstream_format_id).where(
            bs.c.bitstream_id == arch.ids["missing"])).scalar_one()
    assert missing is None
    run_step("cleanup", arch.context(out=io.StringIO()))
    run_step("phase2", arch.context(out=io.StringIO(), batch_size=4, workers=2))
    with engine.connect() as conn:
        assert count_unconverted(conn) == 0
