"""workbench.listing: sorted pages, capped counts, exact globs, every row; resumable runs."""

from __future__ import annotations

import fnmatch

import pytest
from sqlalchemy import insert

import workbench.listing as listing_module
from archive.schema import T16
from formats.model import Confidence
from tests.workbench.conftest import PDF, Archive
from workbench.actions import set_format
from workbench.listing import (
    _glob_regex,
    count_capped,
    ensure_listing_indexes,
    iter_rows,
    list_page,
)
from workbench.selection import Selection, plan

LIVE = [1, 2, 3, 4, 5, 6]  # 7 is deleted


def _page(archive: Archive, selection: Selection, **kwargs):
    with archive.engine.connect() as conn:
        return list_page(conn, plan(conn, selection), **kwargs)


@pytest.mark.parametrize("in_memory", [2000, 3], ids=["sorted-in-python", "sorted-by-sql"])
def test_sorted_pages_in_memory_and_along_the_index(archive, monkeypatch, in_memory):
    # 3: the six rows do not fit, so they are counted in SQL and the database sorts them
    monkeypatch.setattr(listing_module, "SORT_IN_MEMORY", in_memory)
    ensure_listing_indexes(archive.engine)
    everything = Selection(all=True)
    for cap in (100, 2):  # 2: the count is capped
        by_id = _page(archive, everything, per_page=4, count_cap=cap)
        assert [r.bitstream_id for r in by_id.rows] == [1, 2, 3, 4]
        assert by_id.has_next and by_id.total_capped == (cap == 2)
        second = _page(archive, everything, per_page=4, page=2, count_cap=cap)
        assert [r.bitstream_id for r in second.rows] == [5, 6]
        names = _page(archive, everything, sort="name", descending=True, count_cap=cap)
        assert [r.name for r in names.rows] == sorted((r.name for r in names.rows),
                                                      reverse=True)
        sizes = _page(archive, everything, sort="size", count_cap=cap)
        assert [r.size_bytes for r in sizes.rows] == sorted(r.size_bytes for r in sizes.rows)
        conf = _page(archive, everything, sort="confidence", count_cap=cap)
        assert conf.rows[0].bitstream_id == 4  # not converted: no confidence, first
        fmt = _page(archive, everything, sort="format", descending=True, count_cap=cap)
        assert fmt.rows[-1].bitstream_id == 4  # no format: last when descending
    exact = _page(archive, everything)
    assert exact.total == 6 and not exact.total_capped and exact.pages == 1
    row = exact.rows[0]
    assert row.format_key == str(PDF) and row.old_format == "Adobe PDF"
    assert row.confidence == Confidence.POSITIVE_SPECIFIC


def test_globs_are_exact_in_sql(archive):
    with archive.engine.begin() as conn:
        conn.execute(insert(T16.bitstream), [
            {"bitstream_id": 20 + i, "name": name, "deleted": False}
            for i, name in enumerate(["Report.PDF", "report-1.pdf", "report-[x].pdf",
                                      "r^.pdf", "a_b%.pdf"])])
    names = ["report.pdf", "Report.PDF", "report-1.pdf", "report-[x].pdf", "r^.pdf",
             "a_b%.pdf", "manual.pdf", "missing.pdf"]
    for glob in ["report*.pdf", "*.PDF", "report-?.pdf", "report-[0-9].pdf", "[!r]*.pdf",
                 "r[^]*", "a_b%.pdf", "*[[]x]*"]:
        page = _page(archive, Selection(name_glob=glob), per_page=100)
        assert sorted(r.name for r in page.rows) == sorted(
            n for n in names if fnmatch.fnmatchcase(n, glob)), glob
    assert _glob_regex("a.b*[!c]") == "^a\\.b.*[^c]$"


def test_capped_count_and_every_row(archive):
    with archive.engine.connect() as conn:
        the_plan = plan(conn, Selection(all=True))
        assert count_capped(conn, the_plan, cap=3) == (3, True)
        assert count_capped(conn, the_plan) == (6, False)
        assert [r.bitstream_id for r in iter_rows(conn, the_plan, batch=4)] == LIVE


def test_a_run_starts_after_an_id_and_reports_each_written_batch(archive):
    seen: list[list[int]] = []

    def on_batch(conn, changes):
        assert conn.in_transaction()
        if changes:  # the last (empty) batch of an id list is reported too
            seen.append([c.bitstream_id for c in changes])

    changes = list(set_format(archive.engine, Selection(ids=(1, 2, 3)), PDF,
                              registries=archive.registries, user="ann", batch_size=1,
                              start_after=1, on_batch=on_batch))
    assert [c.bitstream_id for c in changes] == [2, 3] and seen == [[2], [3]]
    dry = list(set_format(archive.engine, Selection(ids=(1,)), PDF,
                          registries=archive.registries, user="ann", dry_run=True,
                          on_batch=on_batch))
    assert len(dry) == 1 and seen == [[2], [3]]  # never called in a dry run
