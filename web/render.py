"""Templates (Jinja2, autoescaped: every archive value is hostile) and the small display filters.

Archive values never reach a page unescaped: the environment escapes everything, no template
uses ``|safe`` on archive data, and values in links go through ``urlencode``. Flash messages
(one page's "done" or "refused") ride in the signed session cookie.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from formats.model import Confidence
from web.security import CSRF_FIELD, csrf_token
from web.session import current_user

_PRINTABLE = set(string.printable.encode()) - set(b"\t\n\r\x0b\x0c")


def confidence_name(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Confidence):
        return value.name
    try:
        return Confidence(int(str(value))).name
    except ValueError:
        return str(value)


def filesize(value: object) -> str:
    if value is None:
        return ""
    size = float(str(value))
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size):,} bytes" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return str(value)


def hexdump(data: bytes, width: int = 16) -> list[tuple[str, str, str]]:
    """(offset, hex bytes, text) lines; non-printable bytes show as '.'."""
    lines = []
    for start in range(0, len(data), width):
        chunk = data[start:start + width]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if b in _PRINTABLE else "." for b in chunk)
        lines.append((f"{start:08x}", hexes, text))
    return lines


def query(params: Mapping[str, object], **changes: object) -> str:
    """``?a=1&b=2`` from ``params`` with ``changes`` applied (None removes a key)."""
    merged = {k: v for k, v in params.items() if v not in (None, "")}
    for key, value in changes.items():
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if isinstance(value, list | tuple):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return "?" + urlencode(pairs) if pairs else "?"


def make_environment() -> Environment:
    env = Environment(loader=PackageLoader("web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["confidence"] = confidence_name
    env.filters["filesize"] = filesize
    env.globals["CSRF_FIELD"] = CSRF_FIELD
    env.globals["query"] = query
    env.globals["confidences"] = [c.name for c in Confidence]
    return env


class Renderer:
    """Renders a template with what every page shows: user, CSRF token, flash messages."""

    def __init__(self) -> None:
        self.env = make_environment()

    def page(self, request: Request, name: str, context: Mapping[str, Any] | None = None,
             *, status_code: int = 200) -> HTMLResponse:
        values: dict[str, Any] = {
            "request": request, "user": current_user(request), "csrf": csrf_token(request),
            "flashes": pop_flashes(request), "path": request.url.path}
        values.update(context or {})
        html = self.env.get_template(name).render(values)
        return HTMLResponse(html, status_code=status_code)

    def error(self, request: Request, status_code: int, title: str,
              messages: Iterable[str] = ()) -> HTMLResponse:
        return self.page(request, "error.html", {"title": title, "messages": list(messages)},
                         status_code=status_code)


def flash(request: Request, message: str, kind: str = "info") -> None:
    """A message for the next page this session sees (kept short: it rides in the cookie)."""
    items = list(request.session.get("flash", []))[-4:]
    items.append([kind, message[:600]])
    request.session["flash"] = items


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    items = request.session.pop("flash", None) or []
    return [(str(k), str(m)) for k, m in items]
