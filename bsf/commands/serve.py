"""`bsf serve`: the web workbench in a browser (thin layer over web.server)."""

from __future__ import annotations

from typing import Annotated

import typer

from bsf.context import err_console, state


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(
        "--host", metavar="HOST", help="Address to listen on (default: this machine only).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="N", help="TCP port.")] = 8080,
) -> None:
    """Serve the web workbench: dashboard, bitstreams, re-identify/set, registries.

    Starts a web server over the same library calls the command line uses. Log in with an
    e-person of the archive (DSpace's password); members of the Administrator group may change
    formats and registries, everyone else may only look. Binds 127.0.0.1 unless --host says
    otherwise; set BSF_WEB_SECRET to keep sessions across restarts. Long re-identifications run
    as jobs that survive a page reload and resume after a restart.

    Example:
        bsf --config bsf-demo/bsf.cfg serve
        bsf --config site.cfg serve --host 0.0.0.0 --port 8443
    """
    from archive.db import open_engine
    from bsfcore.settings import Settings, load_settings
    from web.context import WebContext
    from web.server import serve as run

    st = state(ctx)
    settings = st.settings
    engine = open_engine(settings.db_url)

    def reload_settings() -> Settings:
        return load_settings(st.config, db=st.db, assetstore=st.assetstore)

    context = WebContext(reload_settings, engine)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(f"warning: listening on {host}: anyone who can reach it sees the "
                          "login page; put it behind HTTPS", markup=False)
    err_console.print(f"bsf workbench on http://{host}:{port}/ (Ctrl-C stops)", markup=False)
    run(context, host=host, port=port)
