"""`bsf archive ...` commands (thin layer over the library)."""

from __future__ import annotations

from typing import Annotated

import typer

from bsf.context import err_console, state

app = typer.Typer(help="Create and inspect the DSpace archive (database + asset store).",
                  no_args_is_help=True)


@app.command("init")
def init_command(
    ctx: typer.Context,
    renovated: Annotated[bool, typer.Option(
        "--renovated", help="Create the renovated (1.6) model instead of a DSpace 1.5 archive.")]
        = False,
    admin: Annotated[str | None, typer.Option(
        "--admin", metavar="EMAIL", help="E-mail of an administrator eperson to create.")] = None,
) -> None:
    """Create an empty archive: DSpace 1.5 tables, 73 default formats, Dublin Core, site handle.

    With --renovated: the renovated format model and an administrator eperson instead.
    """
    from sqlalchemy.engine import make_url

    from archive.db import normalise_url
    from archive.init import init_archive

    st = state(ctx)
    init_archive(st.new_engine(), renovated=renovated, admin_email=admin)
    kind = "renovated" if renovated else "DSpace 1.5"
    where = make_url(normalise_url(st.settings.db_url)).render_as_string(hide_password=True)
    err_console.print(f"created an empty {kind} archive in {where}",
                      markup=False, soft_wrap=True)


@app.command("create-demo")
def create_demo_command(
    ctx: typer.Context,
    items: Annotated[int, typer.Option("--items", min=1, help="Number of items.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same archive).")]
        = 1,
) -> None:
    """Build a realistic demo DSpace 1.5 archive on the configured database and asset store."""
    from archive.assetstore import AssetStore
    from archive.demo import build_demo

    st = state(ctx)
    store = AssetStore.from_settings(st.settings)
    summary = build_demo(st.new_engine(), store, items=items, seed=seed,
                         progress=st.progress())
    err_console.print(summary.describe(), markup=False, soft_wrap=True)
