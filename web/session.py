"""Who is logged in: the signed session cookie's user entry (no database access here)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

USER_KEY = "user"


@dataclass(frozen=True)
class SessionUser:
    eperson_id: int
    email: str
    name: str
    is_admin: bool


def current_user(request: Request) -> SessionUser | None:
    data = request.session.get(USER_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return SessionUser(int(data["id"]), str(data["email"]), str(data["name"]),
                           bool(data["admin"]))
    except (KeyError, TypeError, ValueError):
        return None
