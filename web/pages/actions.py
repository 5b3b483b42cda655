"""Re-identify and set: every action starts as a preview job (the workbench's dry run), and only
its "Apply" button starts the writing job, with the same selection and options.

The selection is either the ticked rows (``id`` fields) or "all matching" (the filter fields);
it is planned once here so a mistake (an unknown format name) is reported at once, not by a
failed job.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bsfcore.errors import BsfError
from registries.listing import SEARCH_FIELDS, search_formats
from registries.model import FormatKey
from web.auth import guarded_form, page_user, state
from web.filters import FILTER_FIELDS, read_filters, read_ids, selection_of
from web.jobs import DONE, create_job, get_job
from web.render import flash, query
from workbench.actions import require_renovated
from workbench.listing import count_capped
from workbench.selection import Selection, plan


def _form_selection(values: FormData | Any) -> tuple[Selection, dict[str, str], list[int]]:
    """(selection, filters, ids) of an action form: ticked rows, or all matching."""
    filters = read_filters({k: str(values.get(k) or "") for k in FILTER_FIELDS})
    if str(values.get("scope") or "selected") == "all":
        return selection_of(filters), filters, []
    ids = read_ids([str(v) for v in values.getlist("id")])
    if not ids:
        raise BsfError("tick at least one bitstream, or choose “all matching”")
    return Selection(ids=tuple(ids)), filters, ids


def _check(app: Any, selection: Selection) -> int:
    """Plan the selection now (unknown names fail here) and count it (capped)."""
    engine = app.context.engine
    require_renovated(engine)
    with engine.connect() as conn:
        total, _ = count_capped(conn, plan(conn, selection))
    return total


async def reidentify_preview(request: Request) -> Response:
    guard = await guarded_form(request)
    if isinstance(guard, Response):
        return guard
    user, form = guard
    app = state(request)
    try:
        selection, _, _ = _form_selection(form)
        await run_in_threadpool(_check, app, selection)
        job_id = await run_in_threadpool(
            create_job, app.context.engine, kind="reidentify", mode="preview", user=user.email,
            selection=selection, params={"force": form.get("force") == "on"})
    except BsfError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(_back(form), status_code=303)
    app.runner.wake()
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _back(form: FormData) -> str:
    filters = read_filters({k: str(form.get(k) or "") for k in FILTER_FIELDS})
    single = form.getlist("id")
    if str(form.get("from") or "") == "bitstream" and len(single) == 1 and \
            str(single[0]).isdigit():
        return f"/bitstreams/{int(str(single[0]))}"
    return "/bitstreams" + query(filters)


def set_form(request: Request) -> Response:
    """Choose the format to set: search the registries, pick one, add a note."""
    user = page_user(request)
    if isinstance(user, Response):
        return user
    app = state(request)
    params = request.query_params
    text, by = str(params.get("q") or "")[:200], str(params.get("by") or "any")
    context: dict[str, Any] = {"q": text, "by": by if by in SEARCH_FIELDS else "any",
                               "fields": SEARCH_FIELDS, "results": [], "error": None}
    try:
        selection, filters, ids = _form_selection(params)
        context.update(filters=filters, ids=ids, scope="all" if not ids else "selected",
                       count=_check(app, selection))
        if text:
            context["results"] = search_formats(app.context.tools().registries, text,
                                                context["by"])[:200]
    except BsfError as exc:
        context.setdefault("filters", {})
        context.setdefault("ids", [])
        context.setdefault("scope", "selected")
        context.setdefault("count", 0)
        context["error"] = str(exc)
    return app.render.page(request, "set.html", context,
                           status_code=400 if context["error"] else 200)


async def set_preview(request: Request) -> Response:
    guard = await guarded_form(request)
    if isinstance(guard, Response):
        return guard
    user, form = guard
    app = state(request)
    try:
        key = str(form.get("key") or "").strip()
        if not key:
            raise BsfError("choose the format to set")
        parsed = FormatKey.parse(key)
        selection, _, _ = _form_selection(form)
        await run_in_threadpool(_check, app, selection)
        note = str(form.get("note") or "").strip()[:1000]
        job_id = await run_in_threadpool(
            create_job, app.context.engine, kind="set", mode="preview", user=user.email,
            selection=selection, params={"key": str(parsed), "note": note})
    except BsfError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(_back(form), status_code=303)
    app.runner.wake()
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


async def apply_job(request: Request) -> Response:
    """Start the writing run of a finished preview, with the same selection and options."""
    guard = await guarded_form(request)
    if isinstance(guard, Response):
        return guard
    user, form = guard
    app = state(request)
    preview_id = int(request.path_params["job_id"])

    def start() -> int:
        with app.context.engine.connect() as conn:
            preview = get_job(conn, preview_id)
        if preview.mode != "preview" or preview.status != DONE:
            raise BsfError(f"job {preview_id} is not a finished preview")
        params = dict(preview.options)
        if preview.kind == "reidentify":
            params["force"] = form.get("force") == "on" or bool(params.get("force"))
        return create_job(app.context.engine, kind=preview.kind, mode="apply",
                          user=user.email, selection=preview.the_selection, params=params,
                          preview_of=preview_id)

    try:
        job_id = await run_in_threadpool(start)
    except BsfError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(f"/jobs/{preview_id}", status_code=303)
    app.runner.wake()
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
