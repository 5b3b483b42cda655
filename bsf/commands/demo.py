"""`bsf demo`: the one-command tour on the embedded default (thin layer over the library).

The body is a plain sequence of library calls: the demo folder (:mod:`archive.demo.site`), the
demo archive (:func:`archive.demo.build_demo`), the whole Upgrade15To16 sequence, the reports
and the AIP export of the site.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bsf.context import err_console, state
from bsfcore.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from archive.assetstore import AssetStore
    from archive.demo.site import DemoSite


def register(app: typer.Typer) -> None:
    """Add `demo` to the top-level app."""
    app.command("demo")(demo)


def demo(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Option(
        "--dir", metavar="DIR", help="Folder for the demo (database, asset store, bsf.cfg). "
        "A folder an earlier bsf demo made is rebuilt; any other non-empty folder is refused.")]
        = Path("bsf-demo"),
    items: Annotated[int, typer.Option("--items", min=1, metavar="N",
                                       help="Items in the demo archive.")] = 300,
    seed: Annotated[int, typer.Option("--seed", metavar="N",
                                      help="Random seed (same seed, same archive).")] = 1,
    force: Annotated[bool, typer.Option(
        "--force", hidden=True, help="Kept for old scripts: a demo folder is always rebuilt.")]
        = False,
    archive_only: Annotated[bool, typer.Option(
        "--archive-only", help="Only build the demo archive; skip the upgrade and AIP export.")]
        = False,
) -> None:
    """Build a demo DSpace 1.5 archive and run the whole conversion on it.

    Creates ./bsf-demo with a bsf.cfg, an SQLite database (or, with the global --db URL, an
    empty PostgreSQL database) and an asset store, builds a realistic DSpace 1.5 archive there
    (with an administrator and the trouble real archives collect), runs the whole Upgrade15To16
    sequence (cleanup -c, -0, -p, -1, -2, the -r -v report into report.out, -3), writes
    report.csv and summary.html, and exports the site as AIPs into aips/. Running it again
    rebuilds the folder it made. Every other command then takes --config bsf-demo/bsf.cfg.

    Example:
        bsf demo
        bsf demo --dir /tmp/demo --items 50
        bsf --db postgresql://postgres@localhost/bsfdemo demo
    """
    from sqlalchemy.engine import make_url

    from archive.assetstore import AssetStore
    from archive.db import normalise_url, open_engine
    from archive.demo import build_demo
    from archive.demo.people import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD
    from archive.demo.site import prepare_demo_site

    del force  # a demo folder is always rebuilt; other folders are always refused
    st = state(ctx)
    if st.assetstore is not None:
        raise ConfigError.at(None, None, "bsf demo keeps its asset store in the demo folder; "
                             "leave out --assetstore")
    site = prepare_demo_site(directory, db_url=st.db)
    settings = site.settings()
    engine = open_engine(settings.db_url)
    # Later steps of this command (and their library calls) see the demo, not the global config.
    st._settings, st._engine = settings, engine
    store = AssetStore.from_settings(settings)
    summary = build_demo(engine, store, items=items, seed=seed, progress=st.progress())
    err_console.print(summary.describe(), markup=False, soft_wrap=True)
    results = [] if archive_only else _mission(ctx, site, store)
    shown_db = make_url(normalise_url(site.db_url)).render_as_string(hide_password=True)
    typer.echo(f"demo folder:  {site.root}")
    typer.echo(f"config:       {site.config}")
    typer.echo(f"database:     {shown_db}")
    typer.echo(f"asset store:  {site.assetstore}")
    typer.echo(f"Provisional:  {site.provisional} (writable copy of the packaged registry)")
    typer.echo(f"administrator: {DEMO_ADMIN_EMAIL}, password {DEMO_ADMIN_PASSWORD} "
               "(stored as DSpace 1.5 does: unsalted MD5)")
    for line in results:
        typer.echo(line)
    typer.echo(f"next: bsf --config {site.config} doctor   (then the tour in README.md)")
    typer.echo(f"serve it: bsf --config {site.config} serve   (the web workbench on "
               f"http://127.0.0.1:8080/, log in as {DEMO_ADMIN_EMAIL})")


def _mission(ctx: typer.Context, site: DemoSite, store: AssetStore) -> list[str]:
    """The mission on the demo: the full Upgrade15To16 sequence, then the site as AIPs."""
    from bsf.commands.upgrade import make_context
    from packager.export import export_site
    from upgrade.runner import run_step
    from upgrade.sequence import run_sequence

    st = state(ctx)
    step_ctx = make_context(ctx)
    # Worker processes (if any) must open the demo site, not the global configuration.
    step_ctx.cli_args = {"config": str(site.config), "db": None, "assetstore": None}
    # The instructions' -r -v report needs the 1.5 data, so it is written before phase 3.
    run_sequence(step_ctx, site.root, finish=False)
    report_lines = _reports(st.engine, site.root)
    run_step("phase3", step_ctx)
    aips = site.root / "aips"
    result = export_site(st.engine, store, aips, settings=st.settings, progress=st.progress())
    for warning in result.warnings:
        err_console.print(f"warning: {warning}", markup=False, soft_wrap=True)
    return [f"upgrade:      Upgrade15To16 done; report in {site.root / 'report.out'}",
            *report_lines,
            f"AIPs:         {len(result.packages)} packages in {aips}"]


def _reports(engine: Engine, root: Path) -> list[str]:
    """The reports people and pandas read: a CSV of every bitstream and the HTML summary."""
    from reports.csv_writer import CsvReportWriter
    from reports.stream import write_rows
    from reports.summary import SummaryCollector
    from reports.summary_html import render_html
    from upgrade.report import iter_report_rows
    from upgrade.report_handles import with_handles

    csv_path, html_path = root / "report.csv", root / "summary.html"
    collector = SummaryCollector()
    with open(csv_path, "w", encoding="utf-8", newline="") as stream:
        write_rows(with_handles(engine, iter_report_rows(engine)), CsvReportWriter(stream),
                   collector)
    summary = collector.summary
    html_path.write_text(render_html(summary), encoding="utf-8")
    suspects = summary.suspect_pairs()
    return [f"reports:      {csv_path} (CSV), {html_path} ({summary.total:,} bitstreams; "
            f"{sum(p.count for p in suspects)} conversions in {len(suspects)} old→new pairs "
            "look wrong)"]
