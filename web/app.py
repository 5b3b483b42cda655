"""The Starlette application: routes, middleware (signed session cookie, security headers), and
the background parts started with it (stack warm-up, job runner, dashboard figures)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from web import auth
from web.auth import guarded_form
from web.context import WebContext
from web.pages import actions, bitstream, bitstreams, dashboard, jobs, registries
from web.render import flash, query
from web.security import SecurityHeaders
from web.state import AppState, WebOptions

SESSION_COOKIE = "bsf_session"
__all__ = ["SESSION_COOKIE", "AppState", "WebOptions", "create_app", "routes"]


async def choose_format(request: Request) -> Response:
    """The table's "Set format…" button: on to the format chooser with the same selection."""
    guard = await guarded_form(request)
    if isinstance(guard, Response):
        return guard
    _, form = guard
    from web.filters import FILTER_FIELDS, read_filters

    params: dict[str, object] = dict(read_filters({k: str(form.get(k) or "")
                                                  for k in FILTER_FIELDS}))
    if str(form.get("scope") or "") == "all":
        params["scope"] = "all"
    else:
        ids = [str(v) for v in form.getlist("id") if str(v).isdigit()][:1000]
        if not ids:
            flash(request, "tick at least one bitstream, or choose “all matching”", "error")
            return RedirectResponse("/bitstreams" + query(params), status_code=303)
        params["id"] = ids
    return RedirectResponse("/actions/set" + query(params), status_code=303)


def routes() -> list[Route | Mount]:
    static = resources.files("web").joinpath("static")
    return [
        Route("/", dashboard.dashboard),
        Route("/dashboard/status", dashboard.dashboard_status),
        Route("/login", auth.login_page, methods=["GET"]),
        Route("/login", auth.login_submit, methods=["POST"]),
        Route("/logout", auth.logout, methods=["POST"]),
        Route("/bitstreams", bitstreams.bitstreams),
        Route("/bitstreams.csv", bitstreams.bitstreams_csv),
        Route("/bitstreams/{bitstream_id:int}", bitstream.bitstream),
        Route("/bitstreams/{bitstream_id:int}/download", bitstream.download),
        Route("/actions/reidentify", actions.reidentify_preview, methods=["POST"]),
        Route("/actions/set", actions.set_form, methods=["GET"]),
        Route("/actions/set", actions.set_preview, methods=["POST"]),
        Route("/actions/set/choose", choose_format, methods=["POST"]),
        Route("/jobs", jobs.jobs),
        Route("/jobs/{job_id:int}", jobs.job),
        Route("/jobs/{job_id:int}/status", jobs.job_status),
        Route("/jobs/{job_id:int}/changes.csv", jobs.job_changes_csv),
        Route("/jobs/{job_id:int}/apply", actions.apply_job, methods=["POST"]),
        Route("/formats", registries.formats),
        Route("/formats/{key:path}/synonym", registries.synonym_submit, methods=["POST"]),
        Route("/formats/{key:path}", registries.format_page),
        Route("/registries/provisional", registries.provisional_form, methods=["GET"]),
        Route("/registries/provisional", registries.provisional_submit, methods=["POST"]),
        Route("/registries/subtypes", registries.subtypes, methods=["GET"]),
        Route("/registries/subtypes", registries.subtypes_submit, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=str(static)), name="static"),
    ]


def create_app(context: WebContext, options: WebOptions | None = None) -> Starlette:
    """The web workbench over ``context`` (background threads start with the app's lifespan)."""
    options = options or WebOptions()
    app_state = AppState(context, options)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if options.start_background:
            app_state.start()
        try:
            yield
        finally:
            app_state.stop()

    app = Starlette(routes=routes(), lifespan=lifespan, middleware=[
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=options.secret_key,
                   session_cookie=SESSION_COOKIE, max_age=int(options.session_hours * 3600),
                   same_site="lax", https_only=options.https_only),
    ])
    app.state.bsf = app_state
    return app
