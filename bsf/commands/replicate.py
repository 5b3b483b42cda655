"""`bsf replicate ...`: replicate AIPs to an object store, deletion records, restored bags.

A thin layer over :mod:`replication` and :mod:`replication.bags`; see docs/replication.md.
stdout carries one tab-separated line per object acted on (or JSON for ``status --json``);
stderr carries the summary and warnings.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bsf.context import err_console, state

if TYPE_CHECKING:
    from replication.aip import DSpaceAipPackager
    from replication.store import LocalObjectStore, StoreConfig

#: bagit logs every file it hashes at INFO on its own logger; stderr is for our messages.
logging.getLogger("bagit").setLevel(logging.WARNING)

app = typer.Typer(
    help="""Replicate AIPs to an object store, with deletion records and restored bags.

    sync sends new and changed AIPs to the store (replicate.store.dir) and writes a deletion
    record for each deleted object; status compares store and archive; restore brings a deleted
    object back; remove deletes its replicas for good; restore-bag rebuilds a BagIt bag.

    Example:
        bsf --config bsf.cfg replicate sync
        bsf --config bsf.cfg replicate status --verify
    """,
    no_args_is_help=True)

HandleArg = Annotated[str, typer.Argument(metavar="HANDLE",
                                          help="Handle of the object, e.g. 123456789/2.")]
EpersonOpt = Annotated[str | None, typer.Option(
    "--eperson", "-e", metavar="EMAIL",
    help="E-person (email) the restore runs as (default: replicate.eperson).",
    show_default=False)]


def _store(ctx: typer.Context) -> tuple[LocalObjectStore, StoreConfig]:
    from replication.store import open_store

    return open_store(state(ctx).settings)


def _packager(ctx: typer.Context, eperson: str | None = None) -> DSpaceAipPackager:
    from archive.assetstore import AssetStore
    from replication.aip import DSpaceAipPackager

    settings = state(ctx).settings
    return DSpaceAipPackager(AssetStore.from_settings(settings), settings=settings,
                             eperson=eperson or settings.get("replicate.eperson"))


def _staging(ctx: typer.Context) -> Path | None:
    value = state(ctx).settings.get("replicate.base.dir")
    if value:
        Path(value).mkdir(parents=True, exist_ok=True)
        return Path(value)
    return None


@app.command()
def sync(ctx: typer.Context,
         handle: Annotated[str | None, typer.Option(
             "--handle", metavar="HANDLE", help="Only this object and what lies below it.")]
             = None,
         full: Annotated[bool, typer.Option(
             "--full", help="Rebuild every AIP and compare checksums, instead of skipping "
             "items whose fingerprint is unchanged.")] = False,
         workers: Annotated[int, typer.Option(
             "--workers", min=1, metavar="N", help="Worker processes sharing the queue "
             "(several syncs on several machines may also run at once).")] = 1) -> None:
    """Compare the archive with the store: send new and changed AIPs, write deletion records.

    AIPs are never deleted by sync. The work queue lives in the database: a crashed sync is
    resumed by running sync again, and several syncs may run at once.

    Example:
        bsf --config bsf.cfg replicate sync
        bsf --config bsf.cfg replicate sync --handle 123456789/2 --full
    """
    from replication.sync import sync as run_sync

    cli = state(ctx)
    store, config = _store(ctx)
    summary = run_sync(cli.engine, store, config, _packager(ctx), handle=handle, full=full,
                       workers=workers, staging=_staging(ctx), progress=cli.progress())
    for name in summary.transmitted:
        typer.echo(f"transmitted\t{name}")
    for name in summary.deletion_records:
        typer.echo(f"deletion-record\t{name}")
    for failed, error in summary.failed:
        typer.echo(f"failed\t{failed}\t{error}")
    err_console.print(f"{len(summary.transmitted)} transmitted, {summary.unchanged} unchanged, "
                      f"{len(summary.deletion_records)} deletion record(s), "
                      f"{len(summary.failed)} failed"
                      + (f", {summary.reclaimed} resumed after a crash"
                         if summary.reclaimed else ""))
    if summary.failed:
        raise typer.Exit(1)


@app.command()
def status(ctx: typer.Context,
           verify: Annotated[bool, typer.Option(
               "--verify", help="Re-read every stored object and compare its MD5 with the one "
               "recorded at transmission.")] = False,
           as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
           ) -> None:
    """Say what is in the store, what is pending and what differs from the archive.

    One tab-separated line per group, queue state, deletion record and difference (or one JSON
    document); the exit code is 1 when anything failed or differs.

    Example:
        bsf --config bsf.cfg replicate status --verify
        bsf --config bsf.cfg replicate status --json
    """
    from replication.status import store_status

    store, config = _store(ctx)
    report = store_status(state(ctx).engine, store, config, verify=verify)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for group, counts in report.groups.items():
            typer.echo(f"group\t{group}\t{counts['objects']} objects\t"
                              f"{counts['bytes']} bytes")
        for st, actions in sorted(report.queue.items()):
            for action, count in sorted(actions.items()):
                typer.echo(f"queue\t{st}\t{action}\t{count}")
        for name in report.deletion_records:
            typer.echo(f"deletion-record\t{name}")
        for label, names in (("missing-in-store", report.missing_in_store),
                             ("not-in-registry", report.unknown_in_store),
                             ("checksum-mismatch", report.checksum_mismatch)):
            for name in names:
                typer.echo(f"{label}\t{name}")
        for failed in report.failed:
            typer.echo(f"failed\t{failed['action']}\t{failed['handle']}\t"
                              f"{failed['error']}")
    if report.failed:
        err_console.print(f"{len(report.failed)} object(s) failed to replicate (see 'failed' "
                          "lines); the next sync tries them again")
    if not report.clean:
        err_console.print("the store differs from the registry (see above)")
    if report.failed or not report.clean:
        raise typer.Exit(1)


@app.command()
def restore(ctx: typer.Context, handle: HandleArg, eperson: EpersonOpt = None) -> None:
    """Restore a deleted object and everything its deletion record lists.

    The object's AIP and every child AIP it links to are fetched (each checked against the MD5
    recorded at transmission) and ingested in one transaction. The deletion record is removed
    only when all of them are back in the archive.

    Example:
        bsf --config bsf.cfg replicate restore 123456789/2 -e admin@myu.edu
    """
    from replication.restore import restore_object

    store, config = _store(ctx)
    result = restore_object(state(ctx).engine, store, config, _packager(ctx, eperson), handle,
                            staging=_staging(ctx))
    for created in result.restored:
        typer.echo(f"restored\t{created}")
    if result.record_removed:
        err_console.print(f"removed {result.record} from {config.delete_group}")


@app.command()
def remove(ctx: typer.Context, handle: HandleArg,
           unattended: Annotated[bool, typer.Option(
               "-u", "--unattended", help="Do not ask for confirmation.")] = False) -> None:
    """Permanently delete an object's AIPs and deletion record from the store.

    Also deletes the AIPs of every member the deletion record lists. This cannot be undone;
    it asks for confirmation unless -u.

    Example:
        bsf --config bsf.cfg replicate remove 123456789/2
    """
    from replication.restore import removal_plan, remove_object

    store, config = _store(ctx)
    engine = state(ctx).engine
    plan = removal_plan(engine, store, config, handle)
    err_console.print("[bold red]WARNING:[/] this permanently deletes from the object store:")
    for group, name in plan:
        err_console.print(f"  {group}/{name}")
    err_console.print("Once an AIP is deleted the object can never be restored from it. "
                      "This cannot be undone.")
    from archive.queries import resolve_handle

    with engine.connect() as conn:
        if resolve_handle(conn, handle) is not None:
            err_console.print(f"note: {handle} is still in the archive; the next sync will "
                              "transmit its AIP again.")
    if not unattended and not typer.confirm("Delete them?", default=False, err=True):
        raise typer.Abort()
    result = remove_object(engine, store, config, handle)
    for name in result.removed:
        typer.echo(f"removed\t{name}")
    err_console.print(f"{len(result.removed)} object(s) removed, {result.bytes_freed} bytes "
                      "freed")


@app.command("restore-bag")
def restore_bag(ctx: typer.Context, handle: HandleArg,
                dest: Annotated[Path, typer.Option(
                    "--dest", metavar="DIR", help="Folder the bag is written into.")],
                profile: Annotated[str | None, typer.Option(
                    "--profile", metavar="NAME", help="aptrust (md5+sha256) or btr "
                    "(sha1+sha256+sha512); default: btr if the original bag used it, else "
                    "aptrust.")] = None,
                tar: Annotated[bool, typer.Option(
                    "--tar", help="Write TYPE@HANDLE.tar instead of a folder.")] = False,
                ) -> None:
    """Rebuild a BagIt bag for one object from the store.

    The payload is verified on the way, the original tag files are kept, bag-info is rewritten
    with Original-* values and premis-events.json is added; the bag is validated before it is
    published.

    Example:
        bsf --config bsf.cfg replicate restore-bag 123456789/2 --dest bags --tar
    """
    from replication.bags.restored import restore_bag as build

    store, config = _store(ctx)
    org = state(ctx).settings.get("replicate.bag.source-organization") or "org.dspace"
    result = build(state(ctx).engine, store, config, handle, dest, profile=profile, tar=tar,
                   source_organization=org)
    typer.echo(str(result.path))
    err_console.print(f"{result.profile} bag from a {result.source_kind} package: "
                      f"{result.payload_files} payload files, {result.payload_bytes} bytes")
