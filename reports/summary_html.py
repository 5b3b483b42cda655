"""One self-contained HTML page for the conversion summary, charts drawn as inline SVG.

No scripts, no web fonts, no CDN, no network: the file is archived with the conversion records
and must open the same in ten years. Two charts:

* a heat-map of old 1.5 format (rows) × new format (columns), cell shade = number of
  bitstreams on a log scale, cells whose names share nothing (:func:`reports.summary.looks_wrong`)
  in red — the "which conversions look wrong" glance the issue asks for;
* stacked bars of the confidence mix of the largest conversions.

Every label is escaped; hovering a cell shows its exact figures (SVG ``<title>``).
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime
from html import escape

from reports.summary import (
    NONE_LABEL,
    OTHER_LABEL,
    ConversionSummary,
    CountWithExamples,
    PairStats,
    looks_wrong,
)

#: Fill colour of each confidence in the bars and the legend.
CONFIDENCE_COLOURS: dict[str, str] = {
    "MANUAL": "#6a3d9a",
    "POSITIVE_SPECIFIC": "#1a9850",
    "POSITIVE_GENERIC": "#91cf60",
    "HEURISTIC": "#fee08b",
    "EXTENSION": "#fc8d59",
    "UNIDENTIFIED": "#d73027",
    "(NONE)": "#bdbdbd",
}
_FALLBACK_COLOUR = "#969696"

CELL = 26
LABEL_W = 230
TOP_H = 170
MAX_AXIS = 24
MAX_BARS = 25
MAX_TABLE_ROWS = 500

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em}
th{background:#f3f3f3;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.suspect td{background:#fde0dd}.figures td:first-child{font-weight:600}
.legend span{display:inline-block;margin-right:1em}.sw{display:inline-block;width:1em;
height:1em;vertical-align:middle;margin-right:.3em;border:1px solid #888}
svg text{font-size:11px;font-family:inherit}.note{color:#555;font-size:.9em}
"""


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mix(counter: Counter[str], order: list[str]) -> str:
    return ", ".join(f"{name} {counter[name]:,}" for name in order if counter.get(name))


def _axis(values: Counter[str], limit: int) -> list[str]:
    ordered = [label for label, _ in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))]
    if len(ordered) > limit:
        return [*ordered[: limit - 1], OTHER_LABEL]
    return ordered


def heatmap_svg(summary: ConversionSummary) -> str:
    """The old × new heat-map as an ``<svg>`` element (empty chart when there are no rows)."""
    olds: Counter[str] = Counter()
    news: Counter[str] = Counter()
    for pair in summary.pairs.values():
        olds[pair.old] += pair.count
        news[pair.new] += pair.count
    rows = _axis(olds, MAX_AXIS)
    cols = _axis(news, MAX_AXIS)
    row_set, col_set = set(rows), set(cols)
    cells: dict[tuple[str, str], list[PairStats]] = {}
    for pair in summary.pairs.values():
        r = pair.old if pair.old in row_set else OTHER_LABEL
        c = pair.new if pair.new in col_set else OTHER_LABEL
        cells.setdefault((r, c), []).append(pair)
    peak = max((sum(p.count for p in ps) for ps in cells.values()), default=1)
    # rotated column labels lean right: leave them room past the last column
    width = LABEL_W + CELL * max(len(cols), 1) + 190
    height = TOP_H + CELL * max(len(rows), 1) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="heatmap" class="chart heatmap" '
             f'role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             'font-family="sans-serif" font-size="11">',
             "<title>Old 1.5 format (rows) by new format (columns)</title>",
             f'<text x="4" y="{TOP_H - 6}" font-weight="bold">old format ↓ / new format →'
             "</text>"]
    for j, col in enumerate(cols):
        x = LABEL_W + j * CELL + CELL / 2
        parts.append(f'<text x="{x:.0f}" y="{TOP_H - 6}" transform="rotate(-50 {x:.0f} '
                     f'{TOP_H - 6})">{escape(_short(col))}<title>{escape(col)}</title></text>')
    for i, row in enumerate(rows):
        y = TOP_H + i * CELL
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + CELL * 0.65:.0f}" text-anchor="end">'
                     f'{escape(_short(row))}<title>{escape(row)}</title></text>')
        for j, col in enumerate(cols):
            group = cells.get((row, col))
            x = LABEL_W + j * CELL
            if not group:
                parts.append(f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" '
                             'fill="#fafafa" stroke="#eee"/>')
                continue
            count = sum(p.count for p in group)
            mix: Counter[str] = Counter()
            for p in group:
                mix.update(p.confidence)
            suspect = any(looks_wrong(p.old, p.new) for p in group)
            level = math.log1p(count) / math.log1p(peak) if peak else 0.0
            fill = "#bdbdbd" if col == NONE_LABEL else _shade(level, suspect)
            tip = (f"{row} → {col}: {count:,} bitstreams"
                   f" ({_mix(mix, summary.confidence_names())})"
                   + (" — looks wrong" if suspect else ""))
            parts.append(
                f'<rect class="cell{" suspect" if suspect else ""}" x="{x}" y="{y}" '
                f'width="{CELL}" height="{CELL}" fill="{fill}" '
                f'stroke="{"#67000d" if suspect else "#fff"}" '
                f'data-old="{escape(row)}" data-new="{escape(col)}" data-count="{count}">'
                f"<title>{escape(tip)}</title></rect>")
            colour = "#fff" if level > 0.55 and col != NONE_LABEL else "#222"
            parts.append(f'<text x="{x + CELL / 2:.0f}" y="{y + CELL * 0.65:.0f}" '
                         f'text-anchor="middle" fill="{colour}" pointer-events="none">'
                         f"{escape(_compact(count))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _shade(level: float, suspect: bool) -> str:
    """Light-to-dark blue (or red for suspect cells) for a level in [0, 1]."""
    level = 0.15 + 0.85 * max(0.0, min(1.0, level))
    if suspect:  # a handful of wrong conversions must still catch the eye
        level = max(level, 0.6)
    base = (203, 24, 29) if suspect else (8, 81, 156)
    r, g, b = (round(255 - (255 - c) * level) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}"


def _compact(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.0f}M"
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    if n >= 1_000:
        return f"{n / 1000:.1f}k"
    return str(n)


def confidence_bars_svg(summary: ConversionSummary) -> str:
    """Stacked horizontal bars: the confidence mix of the largest old→new conversions."""
    pairs = summary.top_pairs(MAX_BARS)
    order = summary.confidence_names()
    bar_w = 420
    label_w = 380
    height = 30 + 22 * max(len(pairs), 1)
    width = label_w + bar_w + 90
    peak = max((p.count for p in pairs), default=1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="confidence-bars" '
             f'class="chart bars" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
             "<title>Confidence mix of the largest conversions</title>"]
    for i, pair in enumerate(pairs):
        y = 20 + i * 22
        label = f"{_short(pair.old, 28)} → {_short(pair.new, 28)}"
        style = ' fill="#b2182b" font-weight="bold"' if pair.suspect else ""
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end"{style}>'
                     f"{escape(label)}<title>{escape(pair.old)} → {escape(pair.new)}</title>"
                     "</text>")
        x = float(label_w)
        for name in order:
            n = pair.confidence.get(name, 0)
            if not n:
                continue
            w = bar_w * n / peak
            parts.append(
                f'<rect class="segment" x="{x:.1f}" y="{y}" width="{max(w, 0.5):.1f}" '
                f'height="16" fill="{CONFIDENCE_COLOURS.get(name, _FALLBACK_COLOUR)}" '
                f'data-confidence="{escape(name)}" data-count="{n}"><title>'
                f"{escape(name)}: {n:,}</title></rect>")
            x += w
        parts.append(f'<text x="{x + 6:.0f}" y="{y + 13}">{pair.count:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _legend(order: list[str]) -> str:
    items = "".join(
        f'<span><i class="sw" style="background:{CONFIDENCE_COLOURS.get(n, _FALLBACK_COLOUR)}">'
        f"</i>{escape(n)}</span>" for n in order)
    return f'<p class="legend">{items}</p>'


def _count_table(title: str, rows: list[CountWithExamples], label: str, table_id: str) -> str:
    if not rows:
        return f"<h2>{escape(title)}</h2><p>None.</p>"
    body = "".join(
        f"<tr><td>{escape(r.label)}</td><td class=n>{r.count:,}</td>"
        f"<td>{escape(', '.join(str(i) for i in r.examples))}</td></tr>" for r in rows)
    return (f"<h2>{escape(title)}</h2><table id=\"{table_id}\"><tr><th>{escape(label)}</th>"
            f"<th>bitstreams</th><th>example ids</th></tr>{body}</table>")


def render_html(summary: ConversionSummary, *, title: str = "Format conversion summary",
                generated: datetime | None = None) -> str:
    """The whole page as a string (callers write it with UTF-8)."""
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    order = summary.confidence_names()
    suspects = summary.suspect_pairs()
    figures = "".join(f"<tr><td>{escape(k)}</td><td class=n>{v:,}</td></tr>" for k, v in (
        ("Bitstreams", summary.total), ("Converted", summary.converted),
        ("Not yet converted", summary.not_converted),
        ("With user format description", summary.with_user_description),
        ("Conversions that look wrong", sum(p.count for p in suspects))))
    conf_rows = "".join(f"<tr><td>{escape(n)}</td><td class=n>{summary.confidence[n]:,}</td></tr>"
                        for n in order)
    pair_rows = []
    for pair in summary.top_pairs(MAX_TABLE_ROWS):
        cls = ' class="suspect"' if pair.suspect else ""
        pair_rows.append(
            f"<tr{cls}><td>{escape(pair.old)}</td><td>{escape(pair.new)}</td>"
            f"<td class=n>{pair.count:,}</td><td>{escape(_mix(pair.confidence, order))}</td>"
            f"<td>{escape(', '.join(str(i) for i in pair.examples))}</td></tr>")
    more = len(summary.pairs) - MAX_TABLE_ROWS
    more_note = f'<p class="note">… and {more:,} smaller conversions.</p>' if more > 0 else ""
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1><p class=\"note\">Generated {escape(when)} by bsf.</p>",
        f'<table class="figures">{figures}</table>',
        "<h2>Old format → new format</h2>",
        '<p class="note">Shade: number of bitstreams (log scale). Red: the old and new names '
        "share nothing — check those first.</p>",
        heatmap_svg(summary),
        "<h2>Confidence of the largest conversions</h2>", _legend(order),
        confidence_bars_svg(summary),
        f'<h2>Confidence</h2><table id="confidence">{conf_rows}</table>',
        '<h2>All conversions</h2><table id="crosstab"><tr><th>old format</th>'
        "<th>new format</th><th>bitstreams</th><th>confidence mix</th><th>example ids</th></tr>",
        "".join(pair_rows), "</table>", more_note,
        _count_table("Top unidentified extensions", summary.top_extensions(),
                     "extension", "unidentified-extensions"),
        _count_table("Warnings", summary.top_warnings(), "warning", "warnings"),
        "</body></html>\n",
    ])
