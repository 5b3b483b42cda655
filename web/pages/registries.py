"""Registries: search formats, one format (keys, synonyms, extensions, bitstreams in the archive),
add a synonym, add a Provisional entry, edit TextSubtypeHelper's subtype list.

Each change is the command line's own call (``workbench.registry_admin.add_synonym``,
``add_provisional_entry`` after ``provisional_format``, ``workbench.config_edit.add_list_item``)
so the XML keeps its comments and is validated against ``formats.xsd`` before it replaces the
file, and the configuration keeps its layout. Afterwards the server re-reads both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from archive.formatcache import find_format_id, format_keys
from archive.schema import T16
from bsfcore.errors import BsfError, InputError
from registries.listing import SEARCH_FIELDS, format_record, search_formats
from registries.model import FormatKey
from web.auth import guarded_form, page_user, state
from web.render import flash, query
from workbench.actions import require_renovated
from workbench.config_edit import SUBTYPES_KEY, add_list_item
from workbench.registry_admin import (
    add_provisional_entry,
    add_synonym,
    provisional_document,
    provisional_format,
)

PROVISIONAL_FIELDS = ("name", "extensions", "synonyms", "mime", "description", "identifier",
                      "version", "support_level")


def formats(request: Request) -> Response:
    user = page_user(request)
    if isinstance(user, Response):
        return user
    app = state(request)
    text = str(request.query_params.get("q") or "")[:200]
    by = str(request.query_params.get("by") or "any")
    context: dict[str, Any] = {"q": text, "by": by, "fields": SEARCH_FIELDS, "results": [],
                               "error": None, "cached": set()}
    try:
        registries = app.context.tools().registries
        if text:
            found = search_formats(registries, text, by)
            context["results"] = [format_record(f, registries) for f in found[:300]]
            context["more"] = max(0, len(found) - 300)
    except BsfError as exc:
        context["error"] = str(exc)
    return app.render.page(request, "formats.html", context,
                           status_code=400 if context["error"] else 200)


def _archive_format(app: Any, key: FormatKey, equivalent: set[FormatKey]) -> dict[str, Any]:
    """The archive's cached format for ``key`` (or an equivalent key), its keys and usage."""
    engine = app.context.engine
    require_renovated(engine)
    with engine.connect() as conn:
        fid = find_format_id(conn, key)
        for other in sorted(equivalent - {key}):
            if fid is not None:
                break
            fid = find_format_id(conn, other)
        if fid is None:
            return {"format_id": None}
        reg = T16.bitstreamformatregistry
        name = conn.execute(select(reg.c.short_description)
                            .where(reg.c.bitstream_format_id == fid)).scalar()
        used = conn.execute(select(func.count()).select_from(T16.bitstream)
                            .where(T16.bitstream.c.bitstream_format_id == fid)).scalar_one()
        keys = [str(k) for k in format_keys(conn, fid)]
    return {"format_id": fid, "name": name, "keys": keys, "bitstreams": int(used)}


def format_page(request: Request) -> Response:
    user = page_user(request)
    if isinstance(user, Response):
        return user
    app = state(request)
    raw = str(request.path_params["key"])
    try:
        key = FormatKey.parse(raw)
        registries = app.context.tools().registries
        fmt = registries.get(key)
        record = format_record(fmt, registries) if fmt is not None else None
        cached = _archive_format(app, key, registries.equivalent(key))
    except BsfError as exc:
        return app.render.error(request, 400, "Cannot show this format", [str(exc)])
    if record is None and cached["format_id"] is None:
        return app.render.error(request, 404, "Unknown format",
                                [f"neither the configured registries nor the archive know {key}"])
    return app.render.page(request, "format.html", {
        "key": str(key), "record": record, "cached": cached,
        "list_link": "/bitstreams" + query({"format": str(key)})})


async def synonym_submit(request: Request) -> Response:
    guard = await guarded_form(request)
    if isinstance(guard, Response):
        return guard
    _, form = guard
    app = state(request)
    raw = str(request.path_params["key"])
    back = f"/formats/{raw}"
    try:
        key = FormatKey.parse(raw)
        synonym = FormatKey.parse(str(form.get("synonym") or ""))
        registries = app.context.tools().registries
        result = await run_in_threadpool(add_synonym, app.context.engine, key, synonym,
                                         registries=registries, move=form.get("move") == "on")
    except BsfError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(back, status_code=303)
    for note in result.notes:
        flash(request, note, "warning" if note.startswith("warning") else "info")
    flash(request, f"format #{result.format_id} {result.format_name}: {', '.join(result.keys)}",
          "success")
    app.context.invalidate()
    app.dashboard.invalidate()
    return RedirectResponse(back, status_code=303)


def provisional_form(request: Request) -> Response:
    user = page_user(request)
    if isinstance(user, Response):
        return user
    return _provisional_page(request, {"support_level": "known"}, [])


def _provisional_page(request: Request, values: dict[str, str], errors: list[str],
                      status_code: int = 200) -> Response:
    app = state(request)
    try:
        document = str(provisional_document(app.context.format_config()))
    except BsfError as exc:
        document, errors = None, [*errors, str(exc)]
    return app.render.page(request, "provisional.html", {
        "values": values, "errors": errors, "document": document}, status_code=status_code)


def _words(text: str) -> list[str]:
    return [w for w in text.replace(",", " ").split() if w]


async def provisional_submit(request: Request) -> Response:
    guard = await guarded_form(request)
    if isinstance(guard, Response):
        return guard
    _, form = guard
    app = state(request)
    values = {f: str(form.get(f) or "").strip()[:2000] for f in PROVISIONAL_FIELDS}

    def add() -> str:
        config = app.context.format_config()
        spec = config.registries.get("Provisional")
        target = provisional_document(config)
        if not values["name"]:
            raise BsfError("the entry needs a name (e.g. HTM)")
        fmt = provisional_format(
            values["name"], identifier=values["identifier"] or None,
            synonyms=_words(values["synonyms"]), extensions=_words(values["extensions"]),
            mime_type=values["mime"] or None, description=values["description"] or None,
            version=values["version"] or None, support_level=values["support_level"] or "known")
        added = add_provisional_entry(target, fmt, validate=spec.validate if spec else True,
                                      schema=spec.schema if spec else None)
        return (f"added {added.key} ({', '.join(map(str, added.keys))}; extensions "
                f"{', '.join(added.extensions) or 'none'}) to {target}")

    try:
        message = await run_in_threadpool(add)
    except InputError as exc:
        return _provisional_page(request, values, [str(p) for p in exc.problems] or [str(exc)],
                                 status_code=400)
    except BsfError as exc:
        return _provisional_page(request, values, [str(exc)], status_code=400)
    app.context.invalidate()
    flash(request, message, "success")
    return RedirectResponse("/formats" + query({"q": values["name"], "by": "name"}),
                            status_code=303)


def subtypes(request: Request) -> Response:
    user = page_user(request)
    if isinstance(user, Response):
        return user
    app = state(request)
    try:
        config = app.context.format_config()
        listed = [str(k) for k in config.subtypes]
        error = None
    except BsfError as exc:
        listed, error = [], str(exc)
    return app.render.page(request, "subtypes.html", {
        "subtypes": listed, "error": error, "config_path": app.context.settings.path,
        "key": SUBTYPES_KEY})


async def subtypes_submit(request: Request) -> Response:
    guard = await guarded_form(request)
    if isinstance(guard, Response):
        return guard
    _, form = guard
    app = state(request)

    def add() -> str:
        path = app.context.settings.path
        if not path:
            raise BsfError("no configuration file to edit: start bsf serve with --config FILE")
        parsed = FormatKey.parse(str(form.get("key") or ""))
        config = app.context.format_config()
        edit = add_list_item(path, SUBTYPES_KEY, str(parsed),
                             current=[str(k) for k in config.subtypes])
        return edit.message

    try:
        message = await run_in_threadpool(add)
    except BsfError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/registries/subtypes", status_code=303)
    app.context.invalidate()
    flash(request, message, "success")
    return RedirectResponse("/registries/subtypes", status_code=303)
