"""Phase 2's overlapped database work (PostgreSQL) keeps the one-batch-one-transaction contract.

On PostgreSQL a helper thread claims/loads batch N+1 and commits batch N-1 while batch N is
identified; these tests pin what must not change: a failed write keeps exactly the batches
before it, the writer is never more than one batch behind, batches commit in plan order, and
the single-statement (JSON) write stores awkward text exactly.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import upgrade.phase2 as phase2_module
import upgrade.phase2_batch as batch_module
from archive.schema import T16
from formats.model import Confidence, Match, Sample
from registries.model import FormatKey
from tests.upgrade.helpers import UPGRADABLE, FakeStack, add_update_counter, build_archive
from tests.upgrade.test_resume import _invariants
from upgrade.runner import run_step
from upgrade.scope import PHASE2_SOURCE, count_unconverted
from upgrade.state import batches


def test_failed_batch_write_keeps_exactly_the_batches_before_it(engine, tmp_path: Path,
                                                                monkeypatch) -> None:
    arch = build_archive(engine, tmp_path / "assets", bulk=20)
    run_step("phase0", arch.context(out=io.StringIO()))
    add_update_counter(engine)
    real = batch_module.write_batch
    calls: list[int] = []

    def flaky(ctx: Any, conn: Any, batch: Any, outcome: Any, ids: Any) -> dict[str, int]:
        calls.append(int(batch.batch_id))
        if len(calls) == 3:
            real(ctx, conn, batch, outcome, ids)  # written, then the transaction fails
            raise RuntimeError("database went away while writing the third batch")
        return real(ctx, conn, batch, outcome, ids)

    monkeypatch.setattr(batch_module, "write_batch", flaky)
    monkeypatch.setattr(phase2_module, "write_batch", flaky)
    with pytest.raises(RuntimeError, match="third batch"):
        run_step("phase2", arch.context(out=io.StringIO(), batch_size=4))
    assert _invariants(engine) == 8  # batches 1 and 2 committed, 3 rolled back, none after
    with engine.connect() as conn:
        done = conn.execute(select(batches.c.batch_id).where(batches.c.status == "done")
                            .order_by(batches.c.batch_id)).scalars().all()
    assert done == calls[:2]
    monkeypatch.undo()
    out = io.StringIO()
    run_step("phase2", arch.context(out=out, batch_size=4))  # nothing left locked or lost
    total = len(UPGRADABLE) + 20
    assert _invariants(engine) == total
    assert f"Total bitstreams touched = {total}" in out.getvalue()


class _WatchingStack(FakeStack):
    """Records, at every identification, how many batches are committed (own connection)."""

    def __init__(self, engine: Any) -> None:
        super().__init__()
        self.engine = engine
        self.seen: list[int] = []

    def identify(self, sample: Sample) -> Match:
        with self.engine.connect() as conn:
            self.seen.append(int(conn.execute(select(func.count()).select_from(batches)
                                              .where(batches.c.status == "done")).scalar_one()))
        return super().identify(sample)


def test_writer_is_at_most_one_batch_behind_and_commits_in_order(engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets", bulk=28)
    run_step("phase0", arch.context(out=io.StringIO()))
    add_update_counter(engine)
    stack = _WatchingStack(engine)
    committed: list[int] = []
    run_step("phase2", arch.context(out=io.StringIO(), batch_size=4, stack=stack,
                                    after_batch=committed.append))
    total = len(UPGRADABLE) + 28
    assert _invariants(engine) == total
    assert committed == sorted(committed) and len(committed) == total // 4
    for call, done in enumerate(stack.seen):
        batch_index = call // 4  # every batch holds 4 bitstreams, identified in order
        assert batch_index - 1 <= done <= batch_index, (call, done)


class _AwkwardStack(FakeStack):
    BASIS = 'byte "match" at 0, \\x00-free\nsecond line \u00e9\u4e2d \U0001f600 \'q\' %s'
    WARNING = "tab\there; backslash \\ and {json: [1, 2]}"

    def identify(self, sample: Sample) -> Match:
        return Match(FormatKey("PRONOM", "fmt/18"), Confidence.POSITIVE_SPECIFIC,
                     "Identifier " + "x" * 300, self.BASIS, self.WARNING)


def test_batch_write_stores_awkward_text_exactly(engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets", bulk=3)
    run_step("phase0", arch.context(out=io.StringIO()))
    run_step("phase2", arch.context(out=io.StringIO(), batch_size=5, stack=_AwkwardStack()))
    bs = T16.bitstream
    with engine.connect() as conn:
        assert count_unconverted(conn) == 0
        rows = conn.execute(select(bs.c.format_source, bs.c.format_basis, bs.c.format_warning,
                                   bs.c.format_confidence)
                            .where(bs.c.format_source.like(PHASE2_SOURCE + "%"))).all()
    assert len(rows) == len(UPGRADABLE) + 3
    expected_source = (PHASE2_SOURCE + "Identifier " + "x" * 300)[:256]
    for source, basis, warning, confidence in rows:
        assert source == expected_source
        assert basis == _AwkwardStack.BASIS
        assert warning == _AwkwardStack.WARNING
        assert confidence == int(Confidence.POSITIVE_SPECIFIC)


def test_phase2_leaves_planner_statistics_of_the_converted_data(engine, tmp_path: Path) -> None:
    """Phase 0 empties the format column and analyzes; without a second ANALYZE after phase 2
    PostgreSQL plans every format filter as if the column were still empty."""
    if engine.dialect.name != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    from sqlalchemy import text

    arch = build_archive(engine, tmp_path / "assets", bulk=40)
    run_step("phase0", arch.context(out=io.StringIO()))

    def null_fraction() -> float:
        with engine.connect() as conn:
            return float(conn.execute(text(
                "SELECT null_frac FROM pg_stats WHERE schemaname = current_schema() "
                "AND tablename = 'bitstream' AND attname = 'bitstream_format_id'")).scalar_one())

    assert null_fraction() == 1.0
    run_step("phase2", arch.context(out=io.StringIO(), batch_size=8))
    with engine.connect() as conn:
        unconverted = conn.execute(select(func.count()).select_from(T16.bitstream).where(
            T16.bitstream.c.bitstream_format_id.is_(None))).scalar_one()
        total = conn.execute(select(func.count()).select_from(T16.bitstream)).scalar_one()
    assert null_fraction() == pytest.approx(unconverted / total, abs=0.01)
    assert null_fraction() < 1.0
