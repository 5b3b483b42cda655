"""`bsf registry ...` commands: list, show, find, validate (thin layer over registries.listing).

Data goes to stdout (a rich table only for ``--format table``; CSV and JSON are for machines),
messages to stderr. The registry administration commands (add-provisional, ...) are added to
this same ``app`` by ``bsf/commands/registry_admin.py``.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bsf.context import err_console, out_console, state
from bsfcore.errors import RegistryError

app = typer.Typer(help="Format registries: list, show, find and validate formats.",
                  no_args_is_help=True)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", "-f", help="table (for people), csv or json (for machines).")]


def _registries(ctx: typer.Context) -> Any:
    from registries.loader import load_configured_registries

    return load_configured_registries(state(ctx).settings)


def _emit(records: list[dict[str, Any]], output: OutputFormat, title: str) -> None:
    from registries.listing import write_csv, write_json

    if output is OutputFormat.csv:
        write_csv(records, sys.stdout)
    elif output is OutputFormat.json:
        write_json(records, sys.stdout)
    else:
        table = Table(title=title, title_justify="left")
        for column in ("key", "name", "version", "MIME type", "extensions", "support",
                       "synonyms"):
            table.add_column(column, overflow="fold")
        for r in records:
            name = r["name"] + (" (internal)" if r["internal"] else "")
            table.add_row(r["key"], name, r["version"] or "", r["mime_type"] or "",
                          " ".join(r["extensions"]), r["support_level"], " ".join(r["synonyms"]))
        _print_table(table)
    sys.stdout.flush()


def _print_table(table: Table) -> None:
    """On a terminal, fit the screen; piped, keep whole rows (no 80-column folding)."""
    if out_console.is_terminal:
        out_console.print(table)
    else:
        Console(file=sys.stdout, width=240, highlight=False).print(table)


@app.command("list")
def list_formats(
    ctx: typer.Context,
    namespace: Annotated[str | None, typer.Option(
        "--namespace", "-n", help="Only this registry (DSpace, Provisional, PRONOM).")] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """List the formats of the configured registries."""
    from registries.listing import format_record, select_formats

    _, registries = _registries(ctx)
    formats = select_formats(registries, namespace=namespace)
    records = [format_record(f, registries) for f in formats]
    where = namespace or ", ".join(registries.namespaces)
    _emit(records, output, f"{len(records)} formats in {where}")


@app.command("show")
def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Format key, e.g. PRONOM:fmt/96 or DSpace:CSS.")],
    output: FormatOption = OutputFormat.table,
) -> None:
    """Show one format (a synonym key finds the format that lists it)."""
    from registries.listing import find_format, format_record, write_csv, write_json

    _, registries = _registries(ctx)
    fmt = find_format(registries, key)
    record = format_record(fmt, registries)
    if output is OutputFormat.json:
        write_json([record], sys.stdout)
        return
    if output is OutputFormat.csv:
        write_csv([record], sys.stdout)
        return
    table = Table(show_header=False, title=record["key"], title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for field in ("key", "name", "version", "mime_type", "extensions", "support_level",
                  "internal", "synonyms", "description", "origin"):
        value = record[field]
        text = " ".join(value) if isinstance(value, list) else "" if value is None else str(value)
        table.add_row(field, text)
    _print_table(table)


@app.command("find")
def find(
    ctx: typer.Context,
    ext: Annotated[str | None, typer.Option("--ext", help="Filename extension, e.g. pdf.")] = None,
    mime: Annotated[str | None, typer.Option("--mime", help="MIME type, e.g. text/html.")] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Find formats by filename extension or MIME type (exactly one of --ext, --mime)."""
    from registries.listing import format_record, select_formats

    if (ext is None) == (mime is None):
        raise typer.BadParameter("give exactly one of --ext EXT or --mime TYPE")
    _, registries = _registries(ctx)
    formats = select_formats(registries, ext=ext, mime=mime)
    records = [format_record(f, registries) for f in formats]
    what = f"extension {ext}" if ext is not None else f"MIME type {mime}"
    _emit(records, output, f"{len(records)} formats with {what}")


@app.command("validate")
def validate(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(
        help="Registry documents to check; default: every configured registry.")] = None,
    namespace: Annotated[str | None, typer.Option(
        "--namespace", "-n", help="Registry the FILEs belong to (default: from the config, "
        "the root's namespace= or the file name).")] = None,
    schema: Annotated[Path | None, typer.Option(
        "--schema", help="XSD to validate against (default: the configured one).")] = None,
) -> None:
    """Validate registry documents (XSD + bsf's checks); every problem is reported at once."""
    from registries.config import load_format_config
    from registries.listing import validate_configured, validate_file

    config = load_format_config(state(ctx).settings)
    if files:
        checks = [validate_file(f, config, namespace=namespace, schema=schema) for f in files]
    else:
        checks = validate_configured(config)
    for check in checks:
        status = "ok" if check.ok else "INVALID"
        detail = (f"{check.formats} formats" if check.ok
                  else f"{len(check.problems)} problem(s)")
        typer.echo(f"{status}\t{check.namespace}\t{check.source}\t{detail}")
    sys.stdout.flush()
    problems = [p for check in checks for p in check.problems]
    if problems:
        raise RegistryError(problems)
    if not state(ctx).quiet:
        err_console.print(f"{len(checks)} checked, all valid")
