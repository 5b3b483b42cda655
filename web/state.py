"""What the pages share: options, the renderer, throttle, dashboard cache and job runner."""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from starlette.requests import Request

from web.context import WebContext
from web.dashboard import DashboardCache
from web.render import Renderer
from web.runner import JobRunner
from web.throttle import LoginThrottle, ThrottleLimits

log = logging.getLogger("bsf.web")


@dataclass(frozen=True)
class WebOptions:
    """How the application behaves (the server's host and port are uvicorn's business)."""

    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    session_hours: float = 8.0
    https_only: bool = False
    throttle: ThrottleLimits = field(default_factory=ThrottleLimits)
    job_batch_size: int = 500
    job_poll_seconds: float = 1.0
    job_stale_seconds: float = 60.0
    dashboard_min_interval: float = 30.0
    start_background: bool = True


class AppState:
    """Everything the pages share, reachable as ``request.app.state.bsf``."""

    def __init__(self, context: WebContext, options: WebOptions) -> None:
        self.context = context
        self.options = options
        self.render = Renderer()
        self.throttle = LoginThrottle(options.throttle)
        self.dashboard = DashboardCache(context.engine,
                                        min_interval=options.dashboard_min_interval)
        self.runner = JobRunner(context, poll_seconds=options.job_poll_seconds,
                                stale_after=timedelta(seconds=options.job_stale_seconds),
                                batch_size=options.job_batch_size,
                                on_finished=self.dashboard.invalidate)

    def start(self) -> None:
        from workbench.listing import ensure_listing_indexes

        try:
            ensure_listing_indexes(self.context.engine)
        except Exception as exc:  # a read-only database user: pages still work, only slower
            log.warning("cannot add the listing indexes to bitstream: %s", exc)
        threading.Thread(target=self.context.warm, name="bsf-web-warm", daemon=True).start()
        self.runner.start()
        self.dashboard.get()

    def stop(self) -> None:
        self.runner.stop()


def state(request: Request) -> AppState:
    """The application's shared state (``request.app.state.bsf``)."""
    found = request.app.state.bsf
    assert isinstance(found, AppState)
    return found
