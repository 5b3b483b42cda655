"""Logging in with an archive e-person, and the guards every page and form goes through.

* Every page needs a logged-in e-person (else: to the login page, or 401 for a form post).
* Every form post needs the session's CSRF token (else 403), checked before anything else runs.
* Every change needs a member of the Administrator group, checked against the database at the
  moment of the change (not only at login), so removing someone from the group takes effect at
  once; others may look but not change (403).
* Login is throttled (:mod:`web.throttle`); the session is cleared at login and logout (no
  fixation); the password is never logged, stored or echoed back.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from archive.epersons import EPerson, authenticate, get_eperson, is_administrator
from web.render import query
from web.security import csrf_ok, new_csrf_token
from web.session import USER_KEY, SessionUser, current_user
from web.state import AppState, state


def safe_next(target: str | None) -> str:
    """Only a local path may be a redirect target (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login" + query({"next": target}), status_code=303)


def page_user(request: Request) -> SessionUser | Response:
    """The logged-in user of a page, or the redirect to the login page."""
    user = current_user(request)
    return user if user is not None else login_redirect(request)


async def guarded_form(request: Request, *,
                       admin: bool = True) -> tuple[SessionUser, FormData] | Response:
    """The user and form of a POST that passed login, CSRF and (for changes) admin checks."""
    app = state(request)
    form = await request.form()
    user = current_user(request)
    if user is None:
        return app.render.error(request, 401, "Please log in",
                                ["Your session has ended; log in and try again."])
    if not csrf_ok(request, form):
        return app.render.error(request, 403, "Form refused",
                                ["The form's security token is missing or wrong (it expires "
                                 "with your session). Reload the page and try again."])
    if admin:
        allowed = await run_in_threadpool(_still_admin, app, user.eperson_id)
        if not allowed:
            return app.render.error(request, 403, "Not allowed",
                                    [f"{user.email} may look but not change: only members of "
                                     "the Administrator group may change formats and "
                                     "registries."])
    return user, form


def _still_admin(app: AppState, eperson_id: int) -> bool:
    with app.context.engine.connect() as conn:
        person = get_eperson(conn, eperson_id)
        return person is not None and person.can_log_in and is_administrator(conn, eperson_id)


async def login_page(request: Request) -> Response:
    app = state(request)
    return app.render.page(request, "login.html", {
        "next": safe_next(request.query_params.get("next")), "email": "", "error": None})


def _client(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


async def login_submit(request: Request) -> Response:
    app = state(request)
    form = await request.form()
    email = str(form.get("email") or "")[:256]
    password = str(form.get("password") or "")[:1024]
    target = safe_next(str(form.get("next") or ""))
    context = {"next": target, "email": email}
    if not csrf_ok(request, form):
        return app.render.page(request, "login.html", {
            **context, "error": "The login form expired; please try again."}, status_code=403)
    wait = app.throttle.retry_after(email, _client(request))
    if wait:
        response = app.render.page(request, "login.html", {
            **context, "error": f"Too many failed logins; try again in {wait} seconds."},
            status_code=429)
        response.headers["Retry-After"] = str(wait)
        return response
    person, admin = await run_in_threadpool(_authenticate, app, email, password)
    if person is None:
        app.throttle.failed(email, _client(request))
        return app.render.page(request, "login.html", {
            **context, "error": "Unknown e-mail address or wrong password."}, status_code=401)
    app.throttle.succeeded(email)
    request.session.clear()
    request.session[USER_KEY] = {"id": person.eperson_id, "email": person.email,
                              "name": person.display_name, "admin": admin}
    new_csrf_token(request)
    return RedirectResponse(target, status_code=303)


def _authenticate(app: AppState, email: str, password: str) -> tuple[EPerson | None, bool]:
    with app.context.engine.connect() as conn:
        person = authenticate(conn, email, password)
        if person is None:
            return None, False
        return person, is_administrator(conn, person.eperson_id)


async def logout(request: Request) -> Response:
    guard = await guarded_form(request, admin=False)
    if isinstance(guard, Response):
        return guard
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
