"""`bsf cleanup -c [-n]`: the conversion instructions' asset check (compat for `Cleanup -c`)."""

from __future__ import annotations

from typing import Annotated

import typer

from bsfcore.errors import BsfError


def register(app: typer.Typer) -> None:
    """Add `cleanup` to the top-level app."""
    app.command("cleanup")(cleanup)


def cleanup(
    ctx: typer.Context,
    check: Annotated[bool, typer.Option(
        "--check", "-c", help="Find bitstreams whose asset file is missing or unreadable and "
        "mark them deleted.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", "-n", help="With -c: only report them; mark nothing.")] = False,
) -> None:
    """Check the asset store before Upgrade15To16 (the instructions' cleanup -c).

    Every upgradable bitstream's asset file gets one stat and one open (never a read); each
    missing or unreadable one is logged and the bitstream is marked deleted, unless -n. The
    same as bsf upgrade cleanup and the Cleanup -c script.

    Example:
        bsf --config bsf-demo/bsf.cfg cleanup -c -n
        bsf --config bsf-demo/bsf.cfg cleanup -c
    """
    if not check:
        raise BsfError("bsf cleanup only implements -c (check for missing/unreadable asset "
                       "files); purging deleted bitstreams is DSpace's own cleanup.")
    from bsf.commands.upgrade import execute, make_context

    execute("cleanup", make_context(ctx, dry_run=dry_run))
