"""The ``bsf`` typer application: global options, command groups, and error handling.

Each command group lives in its own module under ``bsf/commands/`` and is only a thin layer over
a library call; this module wires them together and turns :class:`BsfError` — and whatever the
database refuses (:func:`archive.db.database_error`) — into one clear line on stderr with a
non-zero exit code (``--debug`` shows the traceback instead). Only the command being run is
imported and built (:func:`app_for`): ``bsf identify FILE`` must start in a fraction of a second.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import Annotated

import typer

from bsf.commands import COMMAND_MODULES, GROUP_MODULES, add_command, group
from bsf.context import CliState, teardown_skippable
from bsf.helptext import polish
from bsfcore import __version__
from bsfcore.errors import BsfError

HELP = """Renovate how a DSpace archive knows file formats.

    Registries, identification, the Upgrade15To16 migration, the workbench, reports, AIPs and
    replication, on SQLite or PostgreSQL. Global options come before the command. Data goes to
    stdout, progress and messages to stderr; an error is one line with a non-zero exit code
    (--debug shows the traceback). bsf COMMAND --help describes each command.

    Example:
        bsf demo
        bsf --config bsf-demo/bsf.cfg doctor
        bsf --config bsf-demo/bsf.cfg report summary
    """


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bsf {__version__}")
        raise typer.Exit()


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


def _new_app() -> typer.Typer:
    app = typer.Typer(name="bsf", help=HELP, no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False)
    app.callback()(main_options)
    return app


@cache
def full_app() -> typer.Typer:
    """Every command: for help, for unknown names (typer's own message) and for the tests."""
    app = _new_app()
    for name in GROUP_MODULES:
        app.add_typer(group(name), name=name)
    for name in COMMAND_MODULES:
        add_command(name, app)
    polish(app)
    return app


def __getattr__(name: str) -> typer.Typer:
    """``bsf.main.app``: the full application, built on first use."""
    if name == "app":
        return full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: global options that take a value (skipped when looking for the command name)
_VALUED = ("--config", "-c", "--db", "--assetstore")


def _command_name(args: list[str]) -> str | None:
    """The command word of ``args`` (after the global options), None for help or nothing."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _VALUED:
            i += 2
            continue
        if arg.startswith("-"):
            if arg in ("--help", "--version"):
                return None
            i += 1
            continue
        return arg
    return None


def app_for(args: list[str]) -> typer.Typer:
    """An app with only the command ``args`` runs, when that is known.

    typer inspects the signature and type hints of every registered command before it runs
    any, and importing every command module pulls in rich's tables and more: together about
    half of the 0.3 s ``bsf identify FILE`` may take. Help and unknown names get the full app.
    """
    name = _command_name(args)
    if name in GROUP_MODULES:
        app = _new_app()
        app.add_typer(group(name), name=name)
        polish(app)
        return app
    if name in COMMAND_MODULES:
        app = _new_app()
        add_command(name, app)
        polish(app)
        return app
    return full_app()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app, turning BsfError into one line and an exit code.

    typer's standalone mode handles usage errors, ``typer.Exit`` and Ctrl-C itself and exits
    with their codes; our own errors pass through it and are printed here.
    """
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app_for(args)(args=args, prog_name="bsf")
    except SystemExit as done:
        if argv is None:
            _end_now_if_allowed(done.code)
        raise
    except Exception as exc:
        error = _as_bsf_error(exc)
        if error is None or debug:
            raise
        from rich.markup import escape

        from bsf.context import err_console

        err_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        if argv is None:
            _end_now_if_allowed(error.exit_code)
        sys.exit(error.exit_code)


def _end_now_if_allowed(code: object) -> None:
    """End the process without the interpreter's teardown when the command said it may
    (:func:`bsf.context.skip_teardown`); otherwise return and let the exit go on as usual."""
    if not teardown_skippable():
        return
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): printed and status 1, as the interpreter would
        sys.stderr.write(f"{code}\n")
        status = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        return  # let the normal exit report it
    os._exit(status)


def _as_bsf_error(exc: Exception) -> BsfError | None:
    """Our own errors, and whatever the database refused (read-only file, constraint, value
    too long) as one line; None for anything else (a bug: the traceback is shown).

    SQLAlchemy is only looked up when it was loaded: a command that never touched the
    database cannot have raised its errors, and importing it would cost every start-up.
    """
    if isinstance(exc, BsfError):
        return exc
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError):
        from archive.db import database_error

        return database_error(exc)
    return None


if __name__ == "__main__":
    main()
