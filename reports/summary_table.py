"""The conversion summary as rich tables for the terminal (the CLI prints them).

Only rich's renderables are built here, never a Console: output and colour decisions stay with
the command layer.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from reports.summary import ConversionSummary, CountWithExamples


def _mix(summary: ConversionSummary, counter: dict[str, int]) -> str:
    return ", ".join(f"{n} {counter[n]:,}" for n in summary.confidence_names()
                     if counter.get(n))


def figures_table(summary: ConversionSummary) -> Table:
    table = Table(title="Conversion", show_header=False)
    table.add_column("figure")
    table.add_column("count", justify="right")
    table.add_row("Bitstreams", f"{summary.total:,}")
    table.add_row("Converted", f"{summary.converted:,}")
    table.add_row("Not yet converted", f"{summary.not_converted:,}")
    table.add_row("With user format description", f"{summary.with_user_description:,}")
    for name in summary.confidence_names():
        table.add_row(f"  {name}", f"{summary.confidence[name]:,}")
    return table


def crosstab_table(summary: ConversionSummary, limit: int = 40) -> Table:
    """Old → new with counts and confidence mix; suspect rows in red with a ⚠ mark."""
    table = Table(title=f"Old format → new format (largest {limit})")
    table.add_column("", width=1)
    table.add_column("old format")
    table.add_column("new format")
    table.add_column("bitstreams", justify="right")
    table.add_column("confidence mix")
    for pair in summary.top_pairs(limit):
        style = "bold red" if pair.suspect else ""
        table.add_row("⚠" if pair.suspect else "", Text(pair.old), Text(pair.new),
                      f"{pair.count:,}", _mix(summary, pair.confidence), style=style)
    return table


def _count_table(title: str, label: str, rows: list[CountWithExamples]) -> Table:
    table = Table(title=title, caption=None if rows else "none")
    table.add_column(label)
    table.add_column("bitstreams", justify="right")
    table.add_column("example ids")
    for row in rows:
        table.add_row(Text(row.label), f"{row.count:,}",
                      ", ".join(str(i) for i in row.examples))
    return table


def summary_renderables(summary: ConversionSummary, limit: int = 40) -> list[Table]:
    """Figures, crosstab, unidentified extensions, warnings — in reading order."""
    tables = [figures_table(summary), crosstab_table(summary, limit)]
    tables.append(_count_table("Top unidentified extensions", "extension",
                               summary.top_extensions()))
    tables.append(_count_table("Warnings", "warning", summary.top_warnings()))
    return tables
