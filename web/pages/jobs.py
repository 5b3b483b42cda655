"""Job pages: progress (polled by static/poll.js), counts, the changes, and the Apply form."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from reports.csv_writer import csv_line
from web.auth import page_user, state
from web.jobs import JobNotFound, ensure_job_tables, get_job, job_changes, recent_jobs
from web.render import confidence_name

CHANGES_SHOWN = 200


def jobs(request: Request) -> Response:
    user = page_user(request)
    if isinstance(user, Response):
        return user
    app = state(request)
    ensure_job_tables(app.context.engine)
    with app.context.engine.connect() as conn:
        found = recent_jobs(conn)
    return app.render.page(request, "jobs.html", {"jobs": found})


def job(request: Request) -> Response:
    user = page_user(request)
    if isinstance(user, Response):
        return user
    app = state(request)
    job_id = int(request.path_params["job_id"])
    ensure_job_tables(app.context.engine)
    try:
        with app.context.engine.connect() as conn:
            found = get_job(conn, job_id)
            changes = job_changes(conn, job_id, limit=CHANGES_SHOWN)
    except JobNotFound as exc:
        return app.render.error(request, 404, "No such job", [str(exc)])
    return app.render.page(request, "job.html", {
        "job": found, "changes": changes, "selection": found.the_selection,
        "options": found.options, "shown": CHANGES_SHOWN})


def job_status(request: Request) -> Response:
    user = page_user(request)
    if isinstance(user, Response):
        return JSONResponse({"login": True}, status_code=401)
    app = state(request)
    try:
        with app.context.engine.connect() as conn:
            found = get_job(conn, int(request.path_params["job_id"]))
    except JobNotFound:
        return JSONResponse({"error": "no such job"}, status_code=404)
    return JSONResponse({
        "status": found.status, "active": found.active, "processed": found.processed,
        "total": found.total, "percent": found.percent, "changed": found.changed,
        "unchanged": found.unchanged, "kept": found.kept, "errors": found.errors,
        "message": found.message})


CHANGE_COLUMNS = ("bitstream_id", "name", "status", "old_format_key", "old_format",
                  "old_confidence", "new_format_key", "new_format", "new_confidence", "message")


def job_changes_csv(request: Request) -> Response:
    user = page_user(request)
    if isinstance(user, Response):
        return user
    app = state(request)
    job_id = int(request.path_params["job_id"])
    engine = app.context.engine

    def lines() -> Iterator[str]:
        yield csv_line(CHANGE_COLUMNS)
        offset = 0
        while True:
            with engine.connect() as conn:
                batch = job_changes(conn, job_id, limit=500, offset=offset)
            for c in batch:
                yield csv_line([c.bitstream_id, c.name, c.status, c.old_key, c.old_name,
                                confidence_name(c.old_confidence) or None, c.new_key, c.new_name,
                                confidence_name(c.new_confidence) or None, c.message])
            if len(batch) < 500:
                return
            offset += len(batch)

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="job-{job_id}-changes.csv"'})
