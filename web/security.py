"""Security headers on every response and the CSRF token of every form.

* **Headers.** A Content-Security-Policy with no inline scripts or styles (``'self'`` only, no
  framing, no plugins, forms post only here), ``X-Content-Type-Options: nosniff``,
  ``X-Frame-Options: DENY``, ``Referrer-Policy: same-origin`` and ``Cache-Control: no-store``
  on pages (static files may be cached).
* **CSRF.** One random token per session (made with the session, replaced at login); every
  form carries it in a hidden ``csrf_token`` field and every POST is refused with 403 unless
  it matches (constant-time). SameSite cookies are the second line, not the only one.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
CSRF_FIELD = "csrf_token"
_SESSION_KEY = "csrf"

_HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
    b"cross-origin-opener-policy": b"same-origin",
}


class SecurityHeaders:
    """Pure ASGI middleware adding the headers above (keeps streaming responses streaming)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in _HEADERS.items():
                    if name not in present:
                        headers.append((name, value))
                if not static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_token(request: Request) -> str:
    """This session's token (created on first use)."""
    token = request.session.get(_SESSION_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[_SESSION_KEY] = token
    return token


def new_csrf_token(request: Request) -> str:
    """A fresh token (at login, so a token seen before login is worthless after it)."""
    token = secrets.token_urlsafe(32)
    request.session[_SESSION_KEY] = token
    return token


def csrf_ok(request: Request, form: Mapping[str, object]) -> bool:
    expected = request.session.get(_SESSION_KEY)
    given = form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
