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
    from replication.store import StoreConfig
    from replication.store_base import ObjectStore

#: bagit logs every file it hashes at INFO on its own logger; stderr is for our messages.
logging.getLogger("bagit").setLevel(logging.WARNING)

app = typer.Typer(
    help="""Replicate AIPs to an object store, with deletion records and restored bags.

    sync repairs the store and sends new and changed AIPs to it (replicate.store.dir, or
    replicate.store.url for S3) and writes a deletion record for each deleted object; status
    compares store and archive; restore brings a deleted object (or the whole site) back;
    remove deletes its replicas for good; restore-bag rebuilds a BagIt bag.

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


def _store(ctx: typer.Context) -> tuple[ObjectStore, StoreConfig]:
    from replication.stores import open_store

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
             "--handle", metavar="HANDLE",
             help="Only this object and what lies below it.")] = None,
         full: Annotated[bool, typer.Option(
             "--full", help="Rebuild every AIP and compare checksums, instead of skipping "
             "items whose fingerprint is unchanged.")] = False,
         verify: Annotated[bool, typer.Option(
             "--verify", help="Re-read every stored object and compare its MD5, instead of "
             "trusting sizes, recorded checksums and unchanged change tokens.")] = False,
         workers: Annotated[int, typer.Option(
             "--workers", min=1, metavar="N", help="Worker processes sharing the queue "
             "(several syncs on several machines may also run at once).")] = 1) -> None:
    """Make the store hold every object's current AIP: repair, send, record deletions.

    First checks what the store holds (its listing: sizes, recorded checksums, change
    tokens; --verify re-reads everything) and sends again every missing, truncated or
    corrupt AIP; then sends new and changed AIPs (the SITE AIP, with every group and person,
    included) and writes deletion records. AIPs are never deleted by sync. The work queue
    lives in the database: a crashed sync is resumed by running sync again, and several
    syncs may run at once.

    Example:
        bsf --config bsf.cfg replicate sync
        bsf --config bsf.cfg replicate sync --verify --workers 2
    """
    from replication.sync import sync as run_sync

    cli = state(ctx)
    store, config = _store(ctx)
    summary = run_sync(cli.engine, store, config, _packager(ctx), handle=handle, full=full,
                       verify=verify, workers=workers, staging=_staging(ctx),
                       progress=cli.progress())
    for damage in summary.damaged:
        typer.echo(f"damaged\t{damage.where}\t{damage.problem}"
                   + (f"\t{damage.detail}" if damage.detail else ""))
    for name in summary.transmitted:
        typer.echo(f"transmitted\t{name}")
    for name in summary.deletion_records:
        typer.echo(f"deletion-record\t{name}")
    for failed, error in summary.failed:
        typer.echo(f"failed\t{failed}\t{error}")
    err_console.print(f"{len(summary.transmitted)} transmitted, {summary.unchanged} unchanged, "
                      f"{len(summary.deletion_records)} deletion record(s), "
                      f"{len(summary.failed)} failed"
                      + (f", {len(summary.damaged)} damaged replica(s) found"
                         if summary.damaged else "")
                      + (f", {summary.reclaimed} resumed after a crash"
                         if summary.reclaimed else ""), markup=False)
    if summary.failed:
        raise typer.Exit(1)


@app.command()
def status(ctx: typer.Context,
           verify: Annotated[bool, typer.Option(
               "--verify", help="Re-read every stored object and compare its MD5 with the one "
               "recorded at transmission.")] = False,
           as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
           ) -> None:
    """What is in the store, what is pending, what differs.

    The same check sync starts with: objects missing from the store, truncated, corrupt
    (with --verify every object is re-read), or unknown to the registry. Exit code 1 when
    anything differs or an object keeps failing; the JSON's "clean" is false then.

    Example:
        bsf --config bsf.cfg replicate status --verify --json
    """
    from replication.status import store_status

    store, config = _store(ctx)
    report = store_status(state(ctx).engine, store, config, verify=verify,
                          progress=state(ctx).progress())
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
                             ("size-mismatch", report.size_mismatch),
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
def restore(ctx: typer.Context,
            handle: Annotated[str | None, typer.Argument(
                metavar="HANDLE", help="Handle of the deleted object, e.g. 123456789/2.")]
            = None,
            site: Annotated[bool, typer.Option(
                "--site", help="Rebuild the whole repository (groups, people, communities, "
                "collections, items) from the store into this archive.")] = False,
            eperson: EpersonOpt = None) -> None:
    """Restore a deleted object from the store, or with --site the whole repository.

    HANDLE: the object and everything its deletion record lists come back (the record is
    removed only when all of them are back). --site: the SITE AIP and every AIP it leads to
    are fetched and restored in force-replace mode, as DSpace's full site restore; start
    from an empty archive (bsf archive init --renovated --admin EMAIL) and name that
    administrator with --eperson.

    Example:
        bsf --config bsf.cfg replicate restore 123456789/2 --eperson admin@myu.edu
        bsf --config bsf.cfg replicate restore --site --eperson admin@myu.edu
    """
    from replication.restore import restore_object, restore_site

    store, config = _store(ctx)
    if site == (handle is not None):
        from packager.options import option_error

        raise option_error("give either a HANDLE or --site")
    if site:
        whole = restore_site(state(ctx).engine, store, config, _packager(ctx, eperson),
                             staging=_staging(ctx))
        typer.echo(f"restored\tSITE\t{whole.site}")
        for created in whole.restored:
            typer.echo(f"restored\t{created}")
        err_console.print(f"{len(whole.restored)} object(s) restored from {whole.packages} "
                          f"AIP(s) in {store.describe()}", markup=False)
        return
    assert handle is not None
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
    from replication.bags.tags import AptrustDefaults

    store, config = _store(ctx)
    settings = state(ctx).settings
    org = settings.get("replicate.bag.source-organization") or "org.dspace"
    aptrust = AptrustDefaults(
        settings.get("replicate.bag.aptrust.access") or "Institution",
        settings.get("replicate.bag.aptrust.storage-option") or "Standard")
    result = build(state(ctx).engine, store, config, handle, dest, profile=profile, tar=tar,
                   source_organization=org, aptrust=aptrust)
    typer.echo(str(result.path))
    err_console.print(f"{result.profile} bag from a {result.source_kind} package: "
                      f"{result.payload_files} payload files, {result.payload_bytes} bytes")
