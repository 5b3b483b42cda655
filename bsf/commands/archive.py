"""`bsf archive ...` commands (thin layer over the library)."""

from __future__ import annotations

from typing import Annotated

import typer

from bsf.context import err_console, state

app = typer.Typer(help="""Create and maintain the DSpace archive (database + asset store).

    An empty DSpace 1.5 or renovated archive, a demo archive on any database, deleting objects
    as DSpace does, and moving id sequences past loaded rows.

    Example:
        bsf --db sqlite:///new.db archive init
        bsf --db sqlite:///demo.db --assetstore store archive create-demo
    """, no_args_is_help=True)


@app.command("init")
def init_command(
    ctx: typer.Context,
    renovated: Annotated[bool, typer.Option(
        "--renovated", help="Create the renovated (1.6) model instead of a DSpace 1.5 archive.")]
        = False,
    admin: Annotated[str | None, typer.Option(
        "--admin", metavar="EMAIL", help="E-mail of an administrator eperson to create.")] = None,
) -> None:
    """Create an empty archive: DSpace 1.5 tables, the 73 default formats, Dublin Core.

    The groups Anonymous and Administrator and the site handle 123456789/0 are created too. With
    --renovated the renovated format model is created instead (only the Unknown format), with
    an administrator eperson (--admin, default admin@localhost). A database that already holds
    an archive is refused.

    Example:
        bsf --db sqlite:///archive.db archive init
        bsf --db sqlite:///new.db archive init --renovated --admin admin@myu.edu
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
    items: Annotated[int, typer.Option("--items", min=1, metavar="N", help="Number of items.")]
        = 200,
    seed: Annotated[int, typer.Option("--seed", metavar="N",
                                      help="Random seed (same seed, same archive).")] = 1,
) -> None:
    """Build a realistic demo DSpace 1.5 archive on the configured database and asset store.

    The same archive bsf demo builds (communities, collections, items with Dublin Core, about
    3.5 bitstreams each in 31 kinds of real files, an administrator, planted trouble), without
    the demo folder and the conversion. An empty database is initialised first; one that
    already holds items is refused, and so is an asset store folder that does not exist.

    Example:
        bsf --db sqlite:///demo.db --assetstore store archive create-demo
    """
    from archive.assetstore import AssetStore
    from archive.demo import build_demo

    st = state(ctx)
    store = AssetStore.from_settings(st.settings)
    summary = build_demo(st.new_engine(), store, items=items, seed=seed,
                         progress=st.progress())
    err_console.print(summary.describe(), markup=False, soft_wrap=True)
