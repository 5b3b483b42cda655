"""``bsf archive delete HANDLE [-u]`` (replication issue), kept apart from the other archive
commands: removes an object and its children the way DSpace does (see :mod:`archive.delete`)."""

from __future__ import annotations

from typing import Annotated

import typer

from bsf.context import err_console, state


def delete(ctx: typer.Context,
           handle: Annotated[str, typer.Argument(
               metavar="HANDLE", help="Handle of an item, collection or community.")],
           unattended: Annotated[bool, typer.Option(
               "-u", "--unattended", help="Do not ask for confirmation.")] = False) -> None:
    """Delete an object and everything below it from the archive, as DSpace does.

    Rows are removed and asset files are marked deleted for the cleanup step. Replicas in the
    object store are untouched; the next bsf replicate sync writes a deletion record for the
    object. Asks for confirmation unless -u.

    Example:
        bsf --config bsf-demo/bsf.cfg archive delete 123456789/40 -u
    """
    from archive.delete import UnknownHandleError, delete_object
    from archive.queries import resolve_handle

    engine = state(ctx).engine
    with engine.connect() as conn:
        if resolve_handle(conn, handle) is None:
            raise UnknownHandleError(f"handle {handle} does not resolve to an object in the "
                                     "archive")
    if not unattended and not typer.confirm(
            f"Delete {handle} and everything below it from the archive?", default=False,
            err=True):
        raise typer.Abort()
    result = delete_object(engine, handle)
    for obj in result.objects:
        if obj.handle:
            typer.echo(f"deleted\t{obj.type_name}\t{obj.handle}")
    err_console.print(f"{len(result.handles)} object(s) deleted, {result.bitstreams_marked} "
                      "bitstream(s) marked deleted for cleanup")


def register(app: typer.Typer) -> None:
    """Add ``delete`` to the ``bsf archive`` group."""
    app.command("delete")(delete)
