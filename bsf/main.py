"""The ``bsf`` typer application: global options, command groups, and error handling.

Each command group lives in its own module under ``bsf/commands/`` and is only a thin layer over
a library call; this module wires them together and turns :class:`BsfError` into one clear line
on stderr with a non-zero exit code (``--debug`` shows the traceback instead).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from bsf.commands import COMMAND_GROUPS, TOP_LEVEL_COMMANDS, signatures
from bsf.context import CliState, err_console
from bsfcore import __version__
from bsfcore.errors import BsfError

APP_SETTINGS: dict[str, object] = dict(
    name="bsf",
    help="Renovate how a DSpace archive knows file formats: registries, identification, the "
    "Upgrade15To16 migration, workbench, reports, AIPs and replication.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app = typer.Typer(**APP_SETTINGS)  # type: ignore[arg-type]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bsf {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[str | None, typer.Option(
        "--config", "-c", envvar="BSF_CONFIG",
        help="dspace.cfg-style configuration file (also $BSF_CONFIG).")] = None,
    db: Annotated[str | None, typer.Option(
        "--db", help="Archive database URL (overrides db.url), e.g. sqlite:///archive.db or "
        "postgresql://user@host/dspace.")] = None,
    assetstore: Annotated[str | None, typer.Option(
        "--assetstore", help="Asset store folder (overrides assetstore.dir).")] = None,
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
app.add_typer(signatures.app, name="signatures")

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
    """The app with only the command ``args`` runs, when that is known.

    typer inspects the signature and type hints of every registered command before it runs
    any; for one command that is about 50 ms of the 0.3 s ``bsf identify FILE`` may take. The
    full ``app`` serves help, completion and unknown names (typer's own error message).
    """
    name = _command_name(args)
    if name is None:
        return app
    small = typer.Typer(**APP_SETTINGS)  # type: ignore[arg-type]
    small.callback()(main_options)
    for group in app.registered_groups:
        if group.name == name:
            small.registered_groups.append(group)
            return small
    for command in app.registered_commands:
        if command.name == name:
            small.registered_commands.append(command)
            return small
    return app


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app, turning BsfError into one line and an exit code.

    typer's standalone mode handles usage errors, ``typer.Exit`` and Ctrl-C itself and exits
    with their codes; our own errors pass through it and are printed here.
    """
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app_for(args)(args=args, prog_name="bsf")
    except BsfError as exc:
        if debug:
            raise
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
