"""The archive lock refuses concurrent runs; dry runs change nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from archive.lock import archive_lock
from archive.schema import T15
from bsfcore.errors import StepError
from tests.upgrade.helpers import build_archive
from upgrade.runner import run_step


def test_second_run_is_refused_while_a_step_holds_the_lock(engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets")
    with archive_lock(engine, "phase1"):
        with pytest.raises(StepError, match=r"archive lock is held by bsf upgrade phase1 pid"):
            run_step("phase0", arch.context(out=io.StringIO()))
        with pytest.raises(StepError, match="lock is held"):
            run_step("report", arch.context(out=io.StringIO()))
    run_step("phase0", arch.context(out=io.StringIO()))  # released: runs now


def test_phase2_workers_may_join_but_not_a_second_coordinator(engine) -> None:
    with archive_lock(engine, "phase2", mode="shared", phase2=True):
        with archive_lock(engine, "phase2", mode="shared"):  # a --worker joins
            pass
        with (pytest.raises(StepError, match="phase 2 lock is held"),
              archive_lock(engine, "phase2", mode="shared", phase2=True)):
            pass
        with (pytest.raises(StepError, match="archive lock is held"),
              archive_lock(engine, "phase1")):
            pass
    with archive_lock(engine, "phase1"):
        pass


def test_dry_runs_write_nothing(engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets", missing=True)
    before = set(inspect(engine).get_table_names())
    ctx = arch.context(out=io.StringIO(), dry_run=True)
    summary = run_step("phase0", ctx)
    assert summary.dry_run and ctx.would_write["alter table"] >= 4
    assert "would convert the schema" in ctx.out.getvalue()
    assert set(inspect(engine).get_table_names()) == before
    assert "format_confidence" not in {c["name"] for c in inspect(engine).get_columns("bitstream")}
    ctx = arch.context(out=io.StringIO(), dry_run=True)
    run_step("cleanup", ctx)
    assert ctx.would_write["mark bitstream deleted"] == 1
    with engine.connect() as conn:
        deleted = conn.execute(select(T15.bitstream.c.deleted).where(
            T15.bitstream.c.bitstream_id == arch.ids["missing"])).scalar_one()
    assert not deleted
    run_step("phase0", arch.context(out=io.StringIO()))
    ctx = arch.context(out=io.StringIO(), dry_run=True)
    summary = run_step("phase1", ctx)
    assert summary.counts["ufd"] == 1
    out = io.StringIO()
    run_step("report", arch.context(out=out))
    assert "SUMMARY Already converted to New BSF = 0" in out.getvalue()


def test_steps_out_of_order_are_refused(engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets")
    for key in ("phase1", "phase2", "report", "phase3", "undo"):
        with pytest.raises(StepError, match="needs phase0 first"):
            run_step(key, arch.context(out=io.StringIO()))


def test_upgradable_scope_matches_the_archive_definition(engine, tmp_path: Path) -> None:
    from archive.queries import upgradable_condition
    from tests.upgrade.helpers import UPGRADABLE
    from upgrade.scope import is_upgradable

    arch = build_archive(engine, tmp_path / "assets", missing=True)
    bs = T15.bitstream
    with engine.connect() as conn:
        ours = set(conn.execute(select(bs.c.bitstream_id).where(is_upgradable(T15))).scalars())
        theirs = set(conn.execute(select(bs.c.bitstream_id)
                                  .where(upgradable_condition(T15))).scalars())
    assert ours == theirs == {arch.ids[k] for k in [*UPGRADABLE, "missing"]}


def test_phase0_refuses_a_half_converted_schema(engine, tmp_path: Path) -> None:
    from archive.schema import T16

    arch = build_archive(engine, tmp_path / "assets")
    assert T16.bsf15_bitstreamformat is not None
    with engine.begin() as conn:
        T16.bsf15_bitstreamformat.create(conn)
    with pytest.raises(StepError, match="phase state is inconsistent"):
        run_step("phase0", arch.context(out=io.StringIO()))


def test_provisional_leaves_out_or_marks_formats_pronom_knows(engine, tmp_path: Path) -> None:
    from sqlalchemy import insert, update

    from registries.dsr import load_registry_document
    from registries.model import RegistrySet
    from tests.upgrade.helpers import PRONOM
    from upgrade.provisional import Provisional

    arch = build_archive(engine, tmp_path / "assets")
    reg = T15.bitstreamformatregistry
    with engine.begin() as conn:
        local_pdf = conn.execute(insert(reg).values(
            mimetype="application/pdf", short_description="Local PDF", support_level=1,
            internal=False)).inserted_primary_key[0]
        conn.execute(insert(T15.fileextension).values(bitstream_format_id=local_pdf,
                                                      extension="pdf"))
        conn.execute(update(T15.bitstream).where(
            T15.bitstream.c.bitstream_id == arch.ids["pdf"]).values(
            bitstream_format_id=local_pdf))
    run_step("phase0", arch.context(out=io.StringIO()))
    logs: list[str] = []
    left_out = tmp_path / "left.xml"
    run_step(Provisional(left_out), arch.context(out=io.StringIO(), log=logs.append,
                                                  registry_set=RegistrySet([PRONOM])))
    names = [f.name for f in load_registry_document(left_out, "Provisional")]
    assert names == ["Gadget Data"]
    assert any("left out 'Local PDF': PRONOM already knows it (PRONOM:fmt/18)" in x
               for x in logs)
    kept = tmp_path / "kept.xml"
    run_step(Provisional(kept, keep_known=True),
             arch.context(out=io.StringIO(), registry_set=RegistrySet([PRONOM])))
    formats = {f.name: f for f in load_registry_document(kept, "Provisional")}
    assert set(formats) == {"Gadget Data", "Local PDF"}
    assert formats["Local PDF"].description.startswith("[PRONOM already knows this format")
