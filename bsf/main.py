"""The ``bsf`` typer application: global options, command groups, and error handling.

Each command group lives in its own module under ``bsf/commands/`` and is only a thin layer over
a library call; this module wires them together and turns :class:`BsfError` — and whatever the
database refuses (:func:`archive.db.database_error`) — into one clear line on stderr with a
non-zero exit code (``--debug`` shows the traceback instead).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from bsf.commands import COMMAND_GROUPS, TOP_LEVEL_COMMANDS
from bsf.context import CliState, err_console
from bsf.helptext import polish
from bsfcore import __version__
from bsfcore.errors import BsfError

app = typer.Typer(
    name="bsf",
    help="""Renovate how a DSpace archive knows file formats.

    Registries, identification, the Upgrade15To16 migration, the workbench, reports, AIPs and
    replication, on SQLite or PostgreSQL. Global options come before the command. Data goes to
    stdout, progress and messages to stderr; an error is one line with a non-zero exit code
    (--debug shows the traceback). bsf COMMAND --help describes each command.

    Example:
        bsf demo
        bsf --config bsf-demo/bsf.cfg doctor
        bsf --config bsf-demo/bsf.cfg report summary
    """,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bsf {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[str | None, typer.Option(
        "--config", "-c", envvar="BSF_CONFIG", metavar="FILE",
        help="dspace.cfg-style configuration file (also $BSF_CONFIG).")] = None,
    db: Annotated[str | None, typer.Option(
        "--db", metavar="URL", help="Archive database URL (overrides db.url), e.g. "
        "sqlite:///archive.db or "
        "postgresql://user@host/dspace.")] = None,
    assetstore: Annotated[str | None, typer.Option(
        "--assetstore", metavar="DIR",
        help="Asset store folder (overrides assetstore.dir).")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    ctx.obj = CliState(config=config, db=db, assetstore=assetstore, debug=debug, quiet=quiet)


for _name, _group in COMMAND_GROUPS.items():
    app.add_typer(_group, name=_name)
for _register in TOP_LEVEL_COMMANDS:
    _register(app)
polish(app)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app, turning BsfError into one line and an exit code.

    typer's standalone mode handles usage errors, ``typer.Exit`` and Ctrl-C itself and exits
    with their codes; our own errors pass through it and are printed here.
    """
    from sqlalchemy.exc import SQLAlchemyError

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app(args=args, prog_name="bsf")
    except (BsfError, SQLAlchemyError) as exc:
        if debug:
            raise
        error = exc if isinstance(exc, BsfError) else _database_error(exc)
        err_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        sys.exit(error.exit_code)


def _database_error(exc: Exception) -> BsfError:
    """What the database refused (read-only file, constraint, value too long) as one line."""
    from sqlalchemy.exc import SQLAlchemyError

    from archive.db import database_error

    assert isinstance(exc, SQLAlchemyError)
    return database_error(exc)



if __name__ == "__main__":
    main()
