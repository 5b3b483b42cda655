"""Workbench library: selection, reidentify, set, show and history on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.history import history_of
from archive.schema import T16
from bsfcore.errors import BsfError, InputError
from formats.model import Confidence
from registries.model import FormatKey
from tests.workbench.conftest import HTML, PDF, TEXT, Archive, drop_15_tables
from workbench.actions import CHANGED, ERROR, KEPT_MANUAL, UNCHANGED, reidentify, set_format
from workbench.selection import (
    Selection,
    SelectionError,
    count,
    fetch_batch,
    parse_confidence,
    plan,
    read_ids,
)
from workbench.show import BitstreamNotFound, show_bitstream


def _state(engine, bid):
    bs = T16.bitstream
    with engine.connect() as conn:
        return conn.execute(select(bs.c.bitstream_format_id, bs.c.format_confidence,
                                   bs.c.format_source).where(bs.c.bitstream_id == bid)).one()


def _selected(engine, selection, size=100):
    with engine.connect() as conn:
        the_plan = plan(conn, selection)
        out, after = [], 0
        while True:
            rows, last = fetch_batch(conn, the_plan, after, size)
            out.extend(r.bitstream_id for r in rows)
            if last is None:
                return out
            after = last


def _run_reidentify(a: Archive, selection, **kw):
    return list(reidentify(a.engine, selection, stack=a.stack, assets=a.store,
                           registries=a.registries, user="alice", **kw))


def test_filters_select_the_right_bitstreams(archive: Archive):
    e = archive.engine
    assert _selected(e, Selection(all=True)) == [1, 2, 3, 4, 5, 6]  # 7 is deleted
    assert _selected(e, Selection(ext="htm")) == [2, 4]
    assert _selected(e, Selection(ext=".HTM")) == [2, 4]
    assert _selected(e, Selection(old_format="adobe pdf")) == [1, 5]
    assert _selected(e, Selection(old_format="HTML", ext="htm")) == [2, 4]
    assert _selected(e, Selection(format=str(TEXT))) == [2, 3]
    assert _selected(e, Selection(format="Plain Text File")) == [2, 3]
    assert _selected(e, Selection(format="none")) == [4]
    lo, hi = parse_confidence("<=HEURISTIC")
    assert _selected(e, Selection(confidence_min=lo, confidence_max=hi)) == [2, 3, 4, 6]
    lo, hi = parse_confidence(">=POSITIVE_SPECIFIC")
    assert _selected(e, Selection(confidence_min=lo, confidence_max=hi)) == [1, 5]
    assert _selected(e, Selection(source="Phase 2")) == [1, 2, 3, 5, 6]
    assert _selected(e, Selection(collection="123456789/1")) == [1, 2, 3, 4, 5, 6]
    assert _selected(e, Selection(collection="hdl:123456789/2")) == [3, 4, 5, 6]
    assert _selected(e, Selection(collection="123456789/3")) == [1, 2]
    assert _selected(e, Selection(collection="123456789/10")) == [1, 2]
    assert _selected(e, Selection(name_glob="*.pdf")) == [1, 5, 6]
    assert _selected(e, Selection(name_glob="[mr]*.pdf")) == [1, 5, 6]
    assert _selected(e, Selection(name_glob="odd, *")) == [4]
    assert _selected(e, Selection(ids=(6, 2, 2, 7, 99))) == [2, 6]
    assert _selected(e, Selection(all=True), size=2) == [1, 2, 3, 4, 5, 6]
    assert _selected(e, Selection(ids=(1, 2, 3, 4, 5)), size=2) == [1, 2, 3, 4, 5]
    with e.connect() as conn:
        assert count(conn, plan(conn, Selection(ext="htm"))) == 2


def test_selection_errors(archive: Archive):
    e = archive.engine
    for bad in (Selection(), Selection(format="PRONOM:fmt/404"), Selection(format="Nope"),
                Selection(old_format="Nope"), Selection(collection="1/404"), Selection(ext=".")):
        with pytest.raises(SelectionError), e.connect() as conn:
            plan(conn, bad)
    with pytest.raises(SelectionError):
        parse_confidence("<UNIDENTIFIED")
    with pytest.raises(SelectionError):
        parse_confidence("SURE")
    assert parse_confidence("EXTENSION") == (Confidence.EXTENSION, Confidence.EXTENSION)
    assert parse_confidence("<HEURISTIC") == (None, Confidence.EXTENSION)
    assert parse_confidence(">HEURISTIC") == (Confidence.POSITIVE_GENERIC, None)


def test_read_ids():
    assert read_ids(["5153\n", "  12 ,\n", "\n", "# comment\n", "7 # trailing\n"]) == [5153, 12, 7]
    with pytest.raises(InputError) as info:
        read_ids(["1\n", "BITSTREAM, 5\n", "x\n"], "ids.txt")
    assert "ids.txt:2" in str(info.value) and "ids.txt:3" in str(info.value)


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def start(self, label: str, total: int | None = None) -> None:
        self.events.append(("start", total))

    def advance(self, units: int = 1) -> None:
        self.events.append(("advance", units))

    def finish(self) -> None:
        self.events.append(("finish", None))


def test_reidentify_dry_run_writes_nothing(archive: Archive):
    before = [_state(archive.engine, i) for i in range(1, 7)]
    progress = _Recorder()
    changes = _run_reidentify(archive, Selection(ext="htm"), dry_run=True, progress=progress,
                              batch_size=1)
    assert progress.events[0] == ("start", 2) and progress.events[-1] == ("finish", None)
    assert sum(n for kind, n in progress.events if kind == "advance") == 2
    assert [(c.bitstream_id, c.status) for c in changes] == [(2, CHANGED), (4, CHANGED)]
    assert all(c.new.key == str(HTML) for c in changes)
    assert [_state(archive.engine, i) for i in range(1, 7)] == before
    with archive.engine.connect() as conn:
        assert history_of(conn, 2) == []


def test_reidentify_writes_changes_and_history(archive: Archive):
    changes = _run_reidentify(archive, Selection(all=True), batch_size=2)
    by_id = {c.bitstream_id: c for c in changes}
    assert by_id[1].status == UNCHANGED
    assert by_id[2].status == CHANGED and by_id[2].old.key == str(TEXT)
    assert by_id[3].status == UNCHANGED
    assert by_id[4].status == CHANGED and by_id[4].old.format_id is None
    assert by_id[5].status == KEPT_MANUAL and by_id[5].new.key == str(HTML)
    assert by_id[6].status == ERROR and "missing" in by_id[6].message
    fid, conf, source = _state(archive.engine, 2)
    assert fid == archive.format_ids[HTML] and conf == Confidence.POSITIVE_GENERIC
    assert source == "Workbench from fake.Html"
    assert _state(archive.engine, 5)[0] == archive.format_ids[PDF]  # MANUAL kept
    assert _state(archive.engine, 7)[0] == archive.format_ids[TEXT]  # deleted untouched
    with archive.engine.connect() as conn:
        entries = history_of(conn, 2)
        assert len(entries) == 1
        h = entries[0]
        assert (h.changed_by, h.action, h.old_format_key, h.new_format_key) == (
            "alice", "reidentify", str(TEXT), str(HTML))
        assert h.old_confidence == Confidence.HEURISTIC
        assert h.new_confidence == Confidence.POSITIVE_GENERIC
        assert h.changed_at is not None
        assert history_of(conn, 1) == [] and history_of(conn, 5) == []
    # a second run finds nothing left to change
    again = _run_reidentify(archive, Selection(ext="htm"))
    assert [c.status for c in again] == [UNCHANGED, UNCHANGED]
    # --force overwrites a person's decision, and says so in the history
    forced = _run_reidentify(archive, Selection(ids=(5,)), force=True)
    assert [(c.status, c.message) for c in forced] == [(CHANGED, "forced over MANUAL")]
    assert _state(archive.engine, 5)[0] == archive.format_ids[HTML]
    with archive.engine.connect() as conn:
        assert history_of(conn, 5)[0].note == "forced over MANUAL"


def test_set_format_by_hand(archive: Archive):
    exe = FormatKey("PRONOM", "fmt/899")
    preview = list(set_format(archive.engine, Selection(ids=(1, 3)), exe,
                              registries=archive.registries, user="bob", dry_run=True))
    assert [c.status for c in preview] == [CHANGED, CHANGED]
    assert _state(archive.engine, 1)[0] == archive.format_ids[PDF]
    changes = list(set_format(archive.engine, Selection(ids=(1, 3)), exe,
                              registries=archive.registries, user="bob"))
    assert [c.new.name for c in changes] == ["Windows Portable Executable"] * 2
    fid, conf, source = _state(archive.engine, 3)
    assert (fid, conf, source) == (archive.format_ids[exe], Confidence.MANUAL, "workbench:bob")
    again = list(set_format(archive.engine, Selection(ids=(1,)), exe,
                            registries=archive.registries, user="bob"))
    assert again[0].status == UNCHANGED
    with archive.engine.connect() as conn:
        assert [h.action for h in history_of(conn, 3)] == ["set"]
    # and a later reidentify keeps the person's decision
    assert [c.status for c in _run_reidentify(archive, Selection(ids=(3,)))] == [KEPT_MANUAL]
    with pytest.raises(BsfError, match="fmt/12345"):
        list(set_format(archive.engine, Selection(ids=(1,)), FormatKey("PRONOM", "fmt/12345"),
                        registries=archive.registries, user="bob"))
    # a registry format no bitstream used yet is added to the archive's format cache
    from registries.model import Format, Registry, RegistrySet

    new = FormatKey("Provisional", "THESIS")
    regs = RegistrySet([*archive.registries, Registry("Provisional", [
        Format((new,), "Thesis bundle", extensions=("thz",))])])
    changes = list(set_format(archive.engine, Selection(ids=(3,)), new, registries=regs,
                              user="carol"))
    assert changes[0].new.key == str(new) and changes[0].new.name == "Thesis bundle"


def test_show_bitstream(archive: Archive):
    view = show_bitstream(archive.engine, 2, stack=archive.stack, assets=archive.store)
    assert view.name == "page.htm" and view.item_handle == "123456789/10"
    assert view.current.key == str(TEXT) and view.current.confidence == Confidence.HEURISTIC
    assert view.old_format == "HTML"
    assert [name for name, _ in view.explain] == ["fake.DROID", "fake.Html", "fake.Text"]
    assert view.explain[1][1].key == HTML and view.verdict.key == HTML
    missing = show_bitstream(archive.engine, 6, stack=archive.stack, assets=archive.store)
    assert missing.explain is None and "missing" in missing.explain_error
    with pytest.raises(BitstreamNotFound):
        show_bitstream(archive.engine, 404)


def test_works_after_phase_3(archive: Archive):
    drop_15_tables(archive.engine)
    view = show_bitstream(archive.engine, 2)
    assert view.old_format is None and "phase 3" in view.old_format_note
    changes = _run_reidentify(archive, Selection(ext="htm"))
    assert [c.status for c in changes] == [CHANGED, CHANGED]
    with pytest.raises(SelectionError, match="phase 3"), archive.engine.connect() as conn:
        plan(conn, Selection(old_format="HTML"))


def test_writes_are_refused_while_an_upgrade_step_holds_the_archive(archive: Archive):
    from archive.lock import archive_lock
    from bsfcore.errors import StepError

    with archive_lock(archive.engine, "phase2"):
        with pytest.raises(StepError, match="lock"):
            _run_reidentify(archive, Selection(ext="htm"))
        # a preview reads only, so it may run
        assert len(_run_reidentify(archive, Selection(ext="htm"), dry_run=True)) == 2
    assert [c.status for c in _run_reidentify(archive, Selection(ext="htm"))] == [CHANGED,
                                                                                  CHANGED]


def test_workers_give_the_same_answers(archive: Archive):
    import os

    one = _run_reidentify(archive, Selection(all=True), dry_run=True, batch_size=3)
    calls = archive.stack.calls
    assert calls == 5  # bitstream 6 has no file
    two = _run_reidentify(archive, Selection(all=True), dry_run=True, batch_size=3, workers=2)
    if (os.cpu_count() or 1) >= 2:
        assert archive.stack.calls == calls  # the identifying happened in the worker processes
    assert [(c.bitstream_id, c.status, c.new and c.new.key, c.message) for c in one] == [
        (c.bitstream_id, c.status, c.new and c.new.key, c.message) for c in two]
    written = _run_reidentify(archive, Selection(all=True), workers=2)
    assert sum(c.status == CHANGED for c in written) == 2
