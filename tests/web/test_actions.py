"""Re-identify and set through the web: preview first, then apply; history, MANUAL, resume."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from archive.history import history_of
from archive.schema import T16
from bsfcore.runtime import now
from formats.model import Confidence
from tests.web.conftest import ADMIN, Site, login, make_app, run_jobs
from web.jobs import JOBS, RUNNING, create_job, ensure_job_tables, get_job
from workbench.selection import Selection


def _bitstream(site: Site, bid: int):
    with site.archive.engine.connect() as conn:
        return conn.execute(select(T16.bitstream).where(T16.bitstream.c.bitstream_id == bid)).one()


def _job_id(response) -> int:
    found = re.search(r"/jobs/(\d+)$", response.headers["location"])
    assert found, response.headers.get("location")
    return int(found.group(1))


def test_htm_recipe_by_http(client, app, site):
    """The instructions' recipe: Provisional entry, synonym, subtype, re-identify -> fmt/96."""
    token = login(client)
    before = _bitstream(site, 8)
    # the problem first: re-identifying minutes.htm changes nothing
    preview = client.post("/actions/reidentify", data={"id": "8", "csrf_token": token},
                          follow_redirects=False)
    run_jobs(app)
    assert "0 would change" in re.sub(r"<[^>]+>", "", client.get(
        f"/jobs/{_job_id(preview)}").text).replace("\n", " ")
    # 1. the Provisional entry
    added = client.post("/registries/provisional", data={
        "csrf_token": token, "name": "HTM", "extensions": "htm", "mime": "text/html",
        "synonyms": "PRONOM:fmt/96", "support_level": "known",
        "description": "Temporary problem-solver to recognize htm file extension"},
        follow_redirects=True)
    assert "added Provisional:HTM" in added.text
    text = site.provisional.read_text("utf-8")
    assert "local entries; see the conversion instructions" in text and "<dsr:entry" in text
    # 2. the synonym on PRONOM:fmt/96
    synonym = client.post("/formats/PRONOM:fmt/96/synonym", data={
        "csrf_token": token, "synonym": "Provisional:HTM"}, follow_redirects=True)
    assert "PRONOM:fmt/96, Provisional:HTM" in synonym.text
    # 3. the subtype
    subtype = client.post("/registries/subtypes", data={"csrf_token": token,
                                                        "key": "Provisional:HTM"},
                          follow_redirects=True)
    assert "added Provisional:HTM" in subtype.text
    assert site.config.read_text("utf-8").endswith(
        "  PRONOM:fmt/101, PRONOM:x-fmt/183, \\\n  Provisional:HTM\n# end of file\n")
    # re-identify every .htm bitstream: preview, then apply
    preview = client.post("/actions/reidentify", data={
        "csrf_token": token, "scope": "all", "ext": "htm"}, follow_redirects=False)
    preview_id = _job_id(preview)
    run_jobs(app)
    page = client.get(f"/jobs/{preview_id}").text
    assert "minutes.htm" in page and "PRONOM:fmt/96" in page and "Apply" in page
    assert _bitstream(site, 8).bitstream_format_id == before.bitstream_format_id  # preview
    applied = client.post(f"/jobs/{preview_id}/apply", data={"csrf_token": token},
                          follow_redirects=False)
    run_jobs(app)
    with site.archive.engine.connect() as conn:
        job = get_job(conn, _job_id(applied))
        history = history_of(conn, 8)
    assert job.status == "done" and job.mode == "apply" and job.changed >= 1
    after = _bitstream(site, 8)
    assert after.bitstream_format_id == site.archive.format_ids[
        next(k for k in site.archive.format_ids if str(k) == "PRONOM:fmt/96")]
    assert after.format_source.startswith("Workbench from ")
    assert [(h.changed_by, h.old_format_key, h.new_format_key) for h in history] == [
        (ADMIN[0], "PRONOM:x-fmt/111", "PRONOM:fmt/96")]
    shown = client.get("/bitstreams/8").text
    assert "Hypertext Markup Language" in shown and "reidentify" in shown


def test_manual_is_kept_unless_forced(client, app, site):
    token = login(client)
    response = client.post("/actions/reidentify", data={"id": "5", "csrf_token": token},
                           follow_redirects=False)
    run_jobs(app)
    apply = client.post(f"/jobs/{_job_id(response)}/apply", data={"csrf_token": token},
                        follow_redirects=False)
    run_jobs(app)
    with site.archive.engine.connect() as conn:
        assert get_job(conn, _job_id(apply)).kept == 1
    assert _bitstream(site, 5).format_confidence == int(Confidence.MANUAL)
    forced = client.post(f"/jobs/{_job_id(response)}/apply",
                         data={"csrf_token": token, "force": "on"}, follow_redirects=False)
    run_jobs(app)
    with site.archive.engine.connect() as conn:
        assert get_job(conn, _job_id(forced)).changed == 1
    assert _bitstream(site, 5).format_confidence != int(Confidence.MANUAL)


def test_set_format_by_search_preview_and_apply(client, app, site):
    token = login(client)
    chooser = client.post("/actions/set/choose", data={"csrf_token": token, "id": ["3", "9"]},
                          follow_redirects=False)
    assert chooser.headers["location"] == "/actions/set?id=3&id=9"
    form = client.get("/actions/set", params={"id": ["3", "9"], "q": "fmt/18", "by": "puid"})
    assert "2 ticked bitstreams" in form.text and 'value="PRONOM:fmt/18"' in form.text
    preview = client.post("/actions/set", data={
        "csrf_token": token, "id": ["3", "9"], "key": "PRONOM:fmt/18",
        "note": "looked at it"}, follow_redirects=False)
    run_jobs(app)
    assert _bitstream(site, 3).format_confidence == int(Confidence.HEURISTIC)
    applied = client.post(f"/jobs/{_job_id(preview)}/apply", data={"csrf_token": token},
                          follow_redirects=False)
    run_jobs(app)
    row = _bitstream(site, 3)
    assert row.format_confidence == int(Confidence.MANUAL)
    assert row.format_source == f"workbench:{ADMIN[0]}" and row.format_basis == "looked at it"
    with site.archive.engine.connect() as conn:
        assert get_job(conn, _job_id(applied)).changed == 2
        assert [h.action for h in history_of(conn, 9)] == ["set"]
    csv_text = client.get(f"/jobs/{_job_id(applied)}/changes.csv").text
    assert csv_text.splitlines()[0].startswith("bitstream_id,name,status")
    assert len(csv_text.splitlines()) == 3


def test_refused_actions_report_one_clear_line(client, app, site):
    token = login(client)
    nothing = client.post("/actions/reidentify", data={"csrf_token": token},
                          follow_redirects=True)
    assert "tick at least one bitstream" in nothing.text
    unknown = client.post("/actions/reidentify", data={
        "csrf_token": token, "scope": "all", "format": "No Such Format"}, follow_redirects=True)
    assert "no format named" in unknown.text
    bad_key = client.post("/actions/set", data={"csrf_token": token, "id": "3",
                                                "key": "nocolon"}, follow_redirects=True)
    assert "malformed format key" in bad_key.text
    unknown_key = client.post("/actions/set", data={"csrf_token": token, "id": "3",
                                                    "key": "PRONOM:fmt/999999"},
                              follow_redirects=False)
    run_jobs(app)
    with site.archive.engine.connect() as conn:
        job = get_job(conn, _job_id(unknown_key))
    assert job.status == "failed" and "neither in the archive" in (job.message or "")
    not_preview = client.post(f"/jobs/{job.job_id}/apply", data={"csrf_token": token},
                              follow_redirects=True)
    assert "not a finished preview" in not_preview.text
    bad_entry = client.post("/registries/provisional", data={
        "csrf_token": token, "name": "X", "synonyms": "nocolon"})
    assert bad_entry.status_code == 400 and "malformed format key" in bad_entry.text
    clash = client.post("/formats/PRONOM:fmt/18/synonym", data={
        "csrf_token": token, "synonym": "PRONOM:fmt/96"}, follow_redirects=True)
    assert "already identifies format" in clash.text
    assert "<dsr:entry" not in site.provisional.read_text("utf-8")


def test_a_stopped_job_resumes_where_it_stopped(site, monkeypatch):
    """A server stop between batches: finished batches stay written, the rest follows later."""
    import web.runner as runner_module

    app = make_app(site, job_batch_size=1)
    runner = app.state.bsf.runner
    engine = site.archive.engine
    ensure_job_tables(engine)
    job_id = create_job(engine, kind="set", mode="apply", user="ann", selection=Selection(
        ids=(1, 2, 3)), params={"key": "PRONOM:fmt/899", "note": "exe"})
    real_record = runner_module.record_progress

    def record_and_stop(conn, job, changes, stored):  # the server stops during batch one
        runner.stopping.set()
        return real_record(conn, job, changes, stored)

    monkeypatch.setattr(runner_module, "record_progress", record_and_stop)
    assert runner.run_one()
    monkeypatch.setattr(runner_module, "record_progress", real_record)
    with engine.connect() as conn:
        stopped = get_job(conn, job_id)
    assert stopped.status == "queued" and stopped.processed == 1 and stopped.resume_after == 1
    assert "interrupted by a server stop" in (stopped.message or "")
    assert _bitstream(site, 1).format_confidence == int(Confidence.MANUAL)
    assert _bitstream(site, 2).format_confidence != int(Confidence.MANUAL)
    runner.stopping.clear()
    assert runner.run_one()
    with engine.connect() as conn:
        done = get_job(conn, job_id)
        assert [h.action for h in history_of(conn, 1)] == ["set"]  # not written twice
    assert done.status == "done" and done.processed == 3 and done.changed == 3 and done.resumed
    assert _bitstream(site, 3).format_confidence == int(Confidence.MANUAL)


def test_a_job_of_a_killed_server_is_taken_over(site):
    app = make_app(site, job_stale_seconds=5)
    engine = site.archive.engine
    ensure_job_tables(engine)
    job_id = create_job(engine, kind="reidentify", mode="preview", user="ann",
                        selection=Selection(ids=(2,)), params={})
    with engine.begin() as conn:  # "running" on a server that died a minute ago
        conn.execute(update(JOBS).where(JOBS.c.job_id == job_id).values(
            status=RUNNING, heartbeat_at=now() - timedelta(minutes=1)))
    run_jobs(app)
    with engine.connect() as conn:
        assert get_job(conn, job_id).status == "done"
