"""`bsf demo`: the one-command tour on the embedded default (thin layer over the library).

The body is a plain sequence of library calls; later issues append their steps (upgrade,
reports, AIP export) after the archive is built, using ``settings``/``engine``/``store``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bsf.context import err_console, state


def register(app: typer.Typer) -> None:
    """Add `demo` to the top-level app."""
    app.command("demo")(demo)


def demo(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Option(
        "--dir", help="Folder for the demo (database, asset store, bsf.cfg).")] = Path("bsf-demo"),
    items: Annotated[int, typer.Option("--items", min=1, help="Items in the demo archive.")]
        = 300,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the demo archive.")] = 1,
    force: Annotated[bool, typer.Option(
        "--force", help="Delete and rebuild an existing demo folder.")] = False,
) -> None:
    """Build a demo DSpace 1.5 archive in ./bsf-demo and run the mission on it."""
    from archive.assetstore import AssetStore
    from archive.db import open_engine
    from archive.demo import build_demo
    from archive.demo.site import prepare_demo_site

    st = state(ctx)
    site = prepare_demo_site(directory, force=force)
    settings = site.settings()
    engine = open_engine(settings.db_url)
    # Later steps of this command (and their library calls) see the demo, not the global config.
    st._settings, st._engine = settings, engine
    store = AssetStore.from_settings(settings)
    summary = build_demo(engine, store, items=items, seed=seed, progress=st.progress())
    err_console.print(summary.describe(), markup=False, soft_wrap=True)
    typer.echo(f"demo folder:  {site.root}")
    typer.echo(f"config:       {site.config}")
    typer.echo(f"database:     {site.db_url}")
    typer.echo(f"asset store:  {site.assetstore}")
    typer.echo(f"next: bsf --config {site.config} <command>")
