"""What the workbench commands print for people: change tables, one bitstream, its history.

Kept apart from :mod:`bsf.commands.workbench` (which parses options and calls the library) so
each stays small. Every table goes through :func:`bsf.tables.print_fitted`: whole words at any
width, one block per row when a table would not fit; a bitstream's fields and what each
identifier says are two-column grids whose value column takes the rest of the width.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bsf.tables import Cell, Column, print_fitted

if TYPE_CHECKING:
    from archive.history import HistoryEntry
    from formats.model import Match
    from workbench.actions import Change, FormatState
    from workbench.show import BitstreamView

_STATUS_STYLE = {"error": "red", "kept-manual": "yellow", "changed": "green"}
CHANGE_COLUMNS = (Column("id", no_wrap=True, justify="right"), Column("name"),
                  Column("status", no_wrap=True), Column("old format"),
                  Column("new format"), Column("note"))
HISTORY_COLUMNS = (Column("when"), Column("who"), Column("action", no_wrap=True),
                   Column("old format"), Column("new format"), Column("note"))


def conf_name(value: object) -> str:
    """A stored confidence (int) as its name; empty for none."""
    if value is None:
        return ""
    from formats.model import Confidence

    return Confidence(int(str(value))).name


def _state(state: FormatState | None) -> str:
    if state is None:
        return ""
    confidence = state.confidence.name if state.confidence is not None else ""
    return f"{state.label} {confidence}".strip()


def print_changes(console: Console, changes: list[Change], title: str) -> None:
    rows: list[list[Cell]] = [
        [str(c.bitstream_id), Text(c.name or ""), c.status, Text(_state(c.old)),
         Text(_state(c.new)), Text(c.message or "")] for c in changes]
    print_fitted(console, CHANGE_COLUMNS, rows, title=title, heading=2,
                 row_styles=[_STATUS_STYLE.get(c.status, "") for c in changes])


def print_history(console: Console, entries: list[HistoryEntry], title: str) -> None:
    rows: list[list[Cell]] = []
    for e in entries:
        old = f"{e.old_format_name or '(NONE)'} [{e.old_format_key or '-'}] " \
              f"{conf_name(e.old_confidence)}"
        new = f"{e.new_format_name} [{e.new_format_key or '-'}] {conf_name(e.new_confidence)}"
        rows.append([e.changed_at.strftime("%Y-%m-%d %H:%M:%S") if e.changed_at else "",
                     Text(e.changed_by), e.action, Text(old.strip()), Text(new.strip()),
                     Text(e.note or "")])
    print_fitted(console, HISTORY_COLUMNS, rows, title=title, heading=3)


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def view_rows(view: BitstreamView) -> list[tuple[str, object]]:
    c, original = view.current, view.original
    conversion = None
    if original is not None and original.converted_format_name is not None:
        key = f" [{original.converted_format_key}]" if original.converted_format_key else ""
        conversion = (f"{original.converted_format_name}{key} "
                      f"{conf_name(original.converted_confidence)} — "
                      f"{original.converted_source or ''}").strip(" —")
    return [
        ("name", view.name), ("size", view.size_bytes),
        ("checksum", f"{view.checksum} ({view.checksum_algorithm})" if view.checksum else None),
        ("item", view.item_handle), ("logo of", view.logo_of),
        ("deleted", "yes" if view.deleted else "no"),
        ("format", c.label), ("identifiers", ", ".join(view.current_keys)),
        ("confidence", c.confidence.name if c.confidence is not None else None),
        ("source", c.source), ("basis", c.basis), ("warning", c.warning),
        ("user format description", view.user_format_description),
        ("old 1.5 format", view.old_format if view.old_format else view.old_format_note),
        ("conversion answer", conversion),
        ("recorded changes", view.history_count),
    ]


def _short(identifier: str) -> str:
    """``org.dspace.content.format.DROIDIdentifier`` -> ``DROIDIdentifier`` (the table's
    label; ``--json`` keeps the configured name)."""
    return identifier.rsplit(".", 1)[-1]


def _answer(match: Match | None) -> Text:
    if match is None:
        return Text("—", style="dim")
    text = Text(str(match.key) if match.key else "(unknown)", style="bold")
    text.append(f" {match.confidence.name}")
    if match.basis:
        text.append(f" — {match.basis}")
    if match.warning:
        text.append(f" ({match.warning})", style="yellow")
    return text


def print_view(console: Console, view: BitstreamView) -> None:
    console.print(Text(f"Bitstream {view.bitstream_id}", style="bold underline"))
    grid = _grid()
    for label, value in view_rows(view):
        if value not in (None, ""):
            grid.add_row(label, Text(str(value)))
    console.print(grid)
    if view.explain is not None:
        console.print(Text("What each identifier says now", style="bold underline"))
        answers = _grid()
        for name, match in view.explain:
            answers.add_row(Text(_short(name)), _answer(match))
        console.print(answers)


def view_dict(view: BitstreamView) -> dict[str, object]:
    c, original = view.current, view.original
    data: dict[str, object] = {
        "bitstream_id": view.bitstream_id, "name": view.name, "size_bytes": view.size_bytes,
        "checksum": view.checksum, "checksum_algorithm": view.checksum_algorithm,
        "item_handle": view.item_handle, "logo_of": view.logo_of, "deleted": view.deleted,
        "format": {"id": c.format_id, "key": c.key, "name": c.name, "keys": view.current_keys,
                   "confidence": c.confidence.name if c.confidence is not None else None,
                   "source": c.source, "basis": c.basis, "warning": c.warning},
        "user_format_description": view.user_format_description,
        "old_format": view.old_format, "old_format_note": view.old_format_note,
        "history_count": view.history_count,
    }
    if original is not None:
        data["conversion"] = {
            "format_id": original.converted_format_id, "key": original.converted_format_key,
            "name": original.converted_format_name,
            "confidence": conf_name(original.converted_confidence) or None,
            "source": original.converted_source, "basis": original.converted_basis,
            "recorded_at": original.recorded_at}
    if view.explain is not None:
        data["explain"] = [
            {"identifier": name, "key": str(m.key) if m and m.key else None,
             "confidence": m.confidence.name if m else None, "basis": m.basis if m else None,
             "warning": m.warning if m else None} for name, m in view.explain]
    if view.explain_error:
        data["explain_error"] = view.explain_error
    return data
