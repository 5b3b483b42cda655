"""The bitstream table: the workbench's filters, sorted pages, CSV of the whole filter, and the
forms that act on the selected rows or on everything matching."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from bsfcore.errors import BsfError
from reports.csv_writer import csv_line
from web.auth import page_user, state
from web.filters import FILTER_FIELDS, PAGE_SIZES, BitstreamQuery, bitstream_query
from web.render import confidence_name
from workbench.actions import require_renovated
from workbench.listing import SORTS, iter_rows, list_page
from workbench.selection import plan

CSV_COLUMNS = ("bitstream_id", "name", "size_bytes", "format_key", "format", "confidence",
               "source", "warning", "old_format")


def bitstreams(request: Request) -> Response:
    user = page_user(request)
    if isinstance(user, Response):
        return user
    app = state(request)
    context: dict[str, object] = {"fields": FILTER_FIELDS, "sorts": SORTS,
                                  "page_sizes": PAGE_SIZES, "page": None, "query_error": None}
    status = 200
    try:
        q = bitstream_query(request.query_params)
        context["q"] = q
        require_renovated(app.context.engine)
        with app.context.engine.connect() as conn:
            context["page"] = list_page(conn, plan(conn, q.selection), sort=q.sort,
                                        descending=q.descending, page=q.page,
                                        per_page=q.per_page)
    except BsfError as exc:
        context["query_error"] = str(exc)
        context.setdefault("q", BitstreamQuery({}, bitstream_query({}).selection))
        status = 400
    return app.render.page(request, "bitstreams.html", context, status_code=status)


def bitstreams_csv(request: Request) -> Response:
    """Every bitstream of the current filter as CSV (streamed: memory stays flat)."""
    user = page_user(request)
    if isinstance(user, Response):
        return user
    app = state(request)
    try:
        q = bitstream_query(request.query_params)
        require_renovated(app.context.engine)
        with app.context.engine.connect() as conn:
            the_plan = plan(conn, q.selection)
    except BsfError as exc:
        return app.render.error(request, 400, "Cannot list these bitstreams", [str(exc)])
    engine = app.context.engine

    def lines() -> Iterator[str]:
        yield csv_line(CSV_COLUMNS)
        with engine.connect() as conn:
            for row in iter_rows(conn, the_plan):
                yield csv_line([row.bitstream_id, row.name, row.size_bytes, row.format_key,
                                row.format_name, confidence_name(row.confidence) or None,
                                row.source, row.warning, row.old_format])

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="bitstreams.csv"'})
