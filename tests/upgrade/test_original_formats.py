"""The record of the original formats: written by phase 3, read by every report afterwards.

Across phase 3 on SQLite and PostgreSQL: the seed lines of ``bsf report -v``, the CSV's
old_format column and the summary's old → new crosstab are the same before and after; the
workbench shows a bitstream's original format and the conversion's answer, also for a
bitstream a person changed between phase 2 and phase 3.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, inspect, select

from archive.original_formats import ORIGINAL_FORMAT, original_of
from formats.model import Confidence
from registries.model import FormatKey, RegistrySet
from reports.csv_writer import CsvReportWriter
from reports.seed import SeedWriter
from reports.stream import write_rows
from reports.summary import SummaryCollector
from reports.summary_html import render_html
from tests.upgrade.helpers import PRONOM, UPGRADABLE, Archive, build_archive
from upgrade.report import iter_report_rows, report_counts
from upgrade.runner import run_step
from workbench.actions import set_format
from workbench.selection import Selection
from workbench.show import show_bitstream


def _run(arch: Archive, key: str, **kw: object) -> str:
    out = io.StringIO()
    run_step(key, arch.context(out=out, log=lambda _: None, **kw))
    return out.getvalue()


def _reports(arch: Archive) -> tuple[str, str, list[tuple[str, str, int]], str]:
    """(seed -r -v text, CSV text, summary crosstab as (old, new, count), HTML summary)."""
    with arch.engine.connect() as conn:
        counts = report_counts(conn)
    seed, csv = io.StringIO(), io.StringIO()
    collector = SummaryCollector()
    write_rows(iter_report_rows(arch.engine), SeedWriter(seed, verbose=True, counts=counts),
               collector)
    write_rows(iter_report_rows(arch.engine), CsvReportWriter(csv))
    pairs = [(p.old, p.new, p.count) for p in collector.summary.pairs.values()]
    html = render_html(collector.summary, generated=datetime(2026, 1, 1, tzinfo=UTC))
    return seed.getvalue(), csv.getvalue(), sorted(pairs, key=str), html


def _converted(arch: Archive) -> Archive:
    registries = RegistrySet([PRONOM])
    for step in ("cleanup", "phase0", "phase1", "phase2"):
        _run(arch, step, registry_set=registries)
    return arch


def test_reports_show_old_to_new_after_phase3(engine, tmp_path: Path) -> None:
    arch = _converted(build_archive(engine, tmp_path / "assets"))
    ids = arch.ids
    # A person corrects DVDit.exe between phase 2 and phase 3: the record keeps phase 2's answer.
    changes = list(set_format(engine, Selection(ids=(ids["exe"],)), FormatKey("PRONOM", "fmt/18"),
                              registries=RegistrySet([PRONOM]), user="ann", note="checked"))
    assert [c.status for c in changes] == ["changed"]
    before = _reports(arch)
    seed_before = _run(arch, "report", verbose=True)
    assert seed_before == before[0]  # Upgrade15To16 -r -v and bsf report -v agree

    out = _run(arch, "phase3")
    assert "Phase 3 finished" in out
    assert not inspect(engine).has_table("bsf15_bitstreamformat")
    after = _reports(arch)
    assert after == before
    lines = [x for x in after[0].splitlines() if x.startswith("BITSTREAM")]
    assert len(lines) == len(UPGRADABLE)
    assert f"BITSTREAM, {ids['pdf']}, paper.pdf, Adobe PDF, Acrobat PDF 1.4, " in after[0]
    assert "(no old format)" not in str(after[2])
    assert ("Adobe PDF", "Acrobat PDF 1.4", 4) in after[2]  # pdf, tricky, withdrawn, exe (now)
    assert ",Adobe PDF," in after[1]
    assert 'data-old="Adobe PDF"' in after[3] and "(no old format)" not in after[3]

    with engine.connect() as conn:
        recorded = conn.execute(select(func.count()).select_from(ORIGINAL_FORMAT)).scalar()
        # every bitstream phase 0 saw, deleted and orphaned ones included
        assert recorded == len(arch.ids)
        exe = original_of(conn, ids["exe"])
        ufd = original_of(conn, ids["ufd"])
        deleted = original_of(conn, ids["deleted"])
    assert exe is not None and exe.old_format_name == "Adobe PDF"
    # the conversion's answer (phase 2: Unknown for the fake stack), not ann's later fix
    assert exe.converted_source is not None
    assert exe.converted_source.startswith("Upgrade15To16 Phase 2 from")
    assert exe.converted_confidence == int(Confidence.UNIDENTIFIED)
    assert ufd is not None and ufd.user_format_description == "SPSS data, v12"
    assert ufd.converted_source == "Upgrade15To16 Phase 1 from UserFormatDescription"
    assert deleted is not None and deleted.old_format_name == "Adobe PDF"
    assert deleted.converted_format_id is None  # phase 3's leftovers are no conversion answer

    view = show_bitstream(engine, ids["exe"])
    assert view.old_format == "Adobe PDF" and view.original is not None
    assert view.original.converted_format_name == "Unknown"
    assert view.current.confidence is Confidence.MANUAL
    pdf = show_bitstream(engine, ids["pdf"])
    assert pdf.original is not None and pdf.original.converted_format_key == "PRONOM:fmt/18"


def test_phase3_dry_run_records_nothing(engine, tmp_path: Path) -> None:
    arch = _converted(build_archive(engine, tmp_path / "assets"))
    context = arch.context(out=io.StringIO(), log=lambda _: None, dry_run=True)
    run_step("phase3", context)
    assert context.would_write["record of the original formats"] == 2  # clear + copy
    assert not inspect(engine).has_table(ORIGINAL_FORMAT.name)
    assert inspect(engine).has_table("bsf15_bitstreamformat")
