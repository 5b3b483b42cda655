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
from rich.text import Text

from bsf.context import err_console, out_console, state
from bsf.tables import Cell, Column, print_fitted
from bsfcore.errors import RegistryError

app = typer.Typer(help="""Format registries: list, show, find, validate and extend them.

    The configured registries (DSpace, Provisional, PRONOM) form a set keyed by namespace; a
    format key is written NAMESPACE:identifier (PRONOM:fmt/96, DSpace:CSS, Provisional:HTM).
    The administration commands add Provisional entries, synonyms and text subtypes, as the
    conversion instructions' troubleshooting recipe does.

    Example:
        bsf registry find --ext htm
        bsf registry add-provisional HTM --ext htm --synonym PRONOM:fmt/96
    """, no_args_is_help=True)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", "-f", metavar="FORMAT", help="table (for people), csv or json (for machines).")]


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
        columns = [Column("key", no_wrap=True), Column("name"), Column("version"),
                   Column("MIME type"), Column("extensions"), Column("support", no_wrap=True),
                   Column("synonyms")]
        rows: list[list[Cell]] = []
        for r in records:
            name = r["name"] + (" (internal)" if r["internal"] else "")
            rows.append([r["key"], Text(name), Text(r["version"] or ""),
                         Text(r["mime_type"] or ""), " ".join(r["extensions"]),
                         r["support_level"], " ".join(r["synonyms"])])
        # on a terminal: fit the screen (whole words, else one block per format); piped:
        # whole rows, not 80-column folding
        console = out_console if out_console.is_terminal else Console(
            file=sys.stdout, width=240, highlight=False)
        print_fitted(console, columns, rows, title=title)
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
        "--namespace", "-n", metavar="NAME",
        help="Only this registry (DSpace, Provisional, PRONOM).")] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """List the formats of the configured registries.

    One row per format: key, name, version, MIME type, extensions, support level and synonyms.
    --format csv or json writes the same for machines.

    Example:
        bsf registry list --namespace DSpace
        bsf --config bsf-demo/bsf.cfg registry list -n Provisional --format json
    """
    from registries.listing import format_record, select_formats

    _, registries = _registries(ctx)
    formats = select_formats(registries, namespace=namespace)
    records = [format_record(f, registries) for f in formats]
    where = namespace or ", ".join(registries.namespaces)
    _emit(records, output, f"{len(records)} formats in {where}")


@app.command("show")
def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="KEY",
                                       help="Format key, e.g. PRONOM:fmt/96 or DSpace:CSS.")],
    output: FormatOption = OutputFormat.table,
) -> None:
    """Show one format of the configured registries.

    Key, name, version, MIME type, extensions, support level, synonyms, description and where
    the entry comes from. A synonym key finds the format that lists it.

    Example:
        bsf registry show PRONOM:fmt/96
        bsf registry show DSpace:Adobe_PDF --format json
    """
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
    ext: Annotated[str | None, typer.Option("--ext", metavar="EXT",
                                            help="Filename extension, e.g. pdf.")] = None,
    mime: Annotated[str | None, typer.Option("--mime", metavar="TYPE",
                                             help="MIME type, e.g. text/html.")] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Find formats by filename extension or MIME type.

    Give exactly one of --ext and --mime; every configured registry is searched.

    Example:
        bsf registry find --ext htm
        bsf registry find --mime application/pdf --format csv
    """
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
        metavar="FILE", help="Registry documents to check; default: every configured "
        "registry.")] = None,
    namespace: Annotated[str | None, typer.Option(
        "--namespace", "-n", metavar="NAME", help="Registry the FILEs belong to (default: "
        "from the config, the root's namespace= or the file name).")] = None,
    schema: Annotated[Path | None, typer.Option(
        "--schema", metavar="FILE", help="XSD to validate against (default: the configured "
        "one).")] = None,
) -> None:
    """Validate registry documents against the schema and bsf's own checks.

    Every problem is reported at once, each with file and line (duplicate names or keys, a
    missing canonical key, malformed extensions ...). Without FILE every configured registry
    document is checked; the exit code is non-zero when any is invalid.

    Example:
        bsf --config bsf-demo/bsf.cfg registry validate
        bsf registry validate provisional-formats.xml --namespace Provisional
    """
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
