"""One bitstream: ``workbench.show.show_bitstream`` (what each identifier says now), its
history, item and collection, the first bytes, and a download that is never rendered inline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, select
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from archive.history import history_of
from archive.queries import handle_of, owning_item
from archive.schema import COLLECTION, ITEM, T16
from bsfcore.errors import AssetError, BsfError
from web.auth import page_user, state
from web.render import hexdump
from workbench.show import BitstreamNotFound, BitstreamView, show_bitstream

HEAD_BYTES = 512
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Owner:
    item_handle: str | None
    item_title: str | None
    collection_handle: str | None
    collection_name: str | None


def _owner(conn: Connection, bitstream_id: int) -> Owner:
    item_id = owning_item(conn, bitstream_id, T16)
    if item_id is None:
        return Owner(None, None, None, None)
    t = T16
    title = conn.execute(
        select(t.metadatavalue.c.text_value)
        .join(t.metadatafieldregistry, t.metadatafieldregistry.c.metadata_field_id
              == t.metadatavalue.c.metadata_field_id)
        .where(t.metadatavalue.c.item_id == item_id, t.metadatafieldregistry.c.element == "title",
               t.metadatafieldregistry.c.qualifier.is_(None))
        .order_by(t.metadatavalue.c.place).limit(1)).scalar()
    collection_id = conn.execute(select(t.item.c.owning_collection)
                                 .where(t.item.c.item_id == item_id)).scalar()
    name = None
    handle = None
    if collection_id is not None:
        name = conn.execute(select(t.collection.c.name)
                            .where(t.collection.c.collection_id == collection_id)).scalar()
        handle = handle_of(conn, COLLECTION, int(collection_id), t)
    return Owner(handle_of(conn, ITEM, item_id, t), title, handle, name)


def _head(view: BitstreamView, request: Request) -> tuple[bytes | None, str | None]:
    if view.internal_id is None:
        return None, "no asset recorded"
    try:
        path = state(request).context.assets().path(view.internal_id, view.store_number)
        with open(path, "rb") as handle:
            return handle.read(HEAD_BYTES), None
    except (AssetError, OSError) as exc:
        return None, str(exc)


def _id(request: Request) -> int:
    return int(request.path_params["bitstream_id"])


def bitstream(request: Request) -> Response:
    user = page_user(request)
    if isinstance(user, Response):
        return user
    app = state(request)
    bitstream_id = _id(request)
    stack_error = None
    try:
        tools = app.context.tools()
        stack = tools.stack
    except BsfError as exc:
        stack, stack_error = None, str(exc)
    try:
        view = show_bitstream(app.context.engine, bitstream_id, stack=stack,
                              assets=app.context.assets())
    except BitstreamNotFound as exc:
        return app.render.error(request, 404, "No such bitstream", [str(exc)])
    except BsfError as exc:
        return app.render.error(request, 400, "Cannot show this bitstream", [str(exc)])
    with app.context.engine.connect() as conn:
        history = history_of(conn, bitstream_id)
        owner = _owner(conn, bitstream_id)
    head, head_error = _head(view, request)
    text = None
    if head is not None:
        text = head.decode("utf-8", "replace")
        text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "·", text)
    return app.render.page(request, "bitstream.html", {
        "view": view, "history": history, "owner": owner, "stack_error": stack_error,
        "hex": hexdump(head) if head is not None else None, "text": text,
        "head_error": head_error, "head_bytes": HEAD_BYTES})


def _ascii_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "bitstream"
    return cleaned[:120]


def download(request: Request) -> Response:
    """The bytes as an attachment: octet-stream, nosniff, sandboxed — never shown inline."""
    user = page_user(request)
    if isinstance(user, Response):
        return user
    app = state(request)
    bitstream_id = _id(request)
    try:
        view = show_bitstream(app.context.engine, bitstream_id)
        if view.deleted or view.internal_id is None:
            raise AssetError(f"bitstream {bitstream_id} has no asset to download")
        path: Path = app.context.assets().path(view.internal_id, view.store_number)
        handle = open(path, "rb")  # noqa: SIM115 - closed by the streaming generator
    except BitstreamNotFound as exc:
        return app.render.error(request, 404, "No such bitstream", [str(exc)])
    except (BsfError, OSError) as exc:
        return app.render.error(request, 404, "Cannot download this bitstream", [str(exc)])
    name = view.name or f"bitstream-{bitstream_id}"

    def chunks() -> Iterator[bytes]:
        with handle:
            while block := handle.read(CHUNK):
                yield block

    disposition = (f'attachment; filename="{_ascii_name(name)}"; '
                   f"filename*=UTF-8''{quote(name, safe='')}")
    return StreamingResponse(chunks(), media_type="application/octet-stream", headers={
        "Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "private, no-store"})
