"""Run the web workbench with uvicorn (what ``bsf serve`` calls)."""

from __future__ import annotations

import os

import uvicorn

from web.app import WebOptions, create_app
from web.context import WebContext

#: A fixed session-signing secret (else a random one per start: a restart logs everyone out).
SECRET_ENV = "BSF_WEB_SECRET"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def options_from_env() -> WebOptions:
    secret = os.environ.get(SECRET_ENV)
    return WebOptions(secret_key=secret) if secret else WebOptions()


def serve(context: WebContext, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          options: WebOptions | None = None, log_level: str = "info") -> None:
    """Serve until interrupted; a running job stops between two batches and resumes next time."""
    app = create_app(context, options or options_from_env())
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on",
                            proxy_headers=False, server_header=False, timeout_graceful_shutdown=10)
    uvicorn.Server(config).run()
