"""The dashboard: the conversion summary (heat map, confidence mix, unidentified extensions,
suspicious pairs, each a link to its bitstreams), the phase status, the signature data in use.

The figures come from :mod:`web.dashboard` (``reports.summary`` over the report rows, cached);
this module only arranges them for the template and makes the links.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reports.summary import (
    NO_EXT_LABEL,
    NO_OLD_LABEL,
    NONE_LABEL,
    OTHER_LABEL,
    ConversionSummary,
    PairStats,
)
from web.auth import page_user, state
from web.dashboard import DashboardData
from web.render import query

MAX_ROWS = 20
MAX_COLS = 14


@dataclass(frozen=True)
class Cell:
    count: int
    level: int
    suspect: bool
    link: str | None
    title: str


def _axis(values: Counter[str], limit: int) -> list[str]:
    ordered = [label for label, _ in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))]
    return [*ordered[: limit - 1], OTHER_LABEL] if len(ordered) > limit else ordered


def format_filter(label: str, keys_by_name: dict[str, str]) -> str | None:
    """The ``format`` filter value naming a summary's new-format label."""
    if label == NONE_LABEL:
        return "none"
    if label == OTHER_LABEL:
        return None
    return keys_by_name.get(label) or (label if ":" not in label else None)


def pair_link(old: str, new: str, keys_by_name: dict[str, str]) -> str | None:
    if old in (NO_OLD_LABEL, OTHER_LABEL):
        return None
    new_filter = format_filter(new, keys_by_name)
    if new_filter is None:
        return None
    return "/bitstreams" + query({"old_format": old, "format": new_filter})


def heatmap(summary: ConversionSummary,
            keys_by_name: dict[str, str]) -> tuple[list[str], list[str], list[list[Cell | None]]]:
    """(rows = old formats, columns = new formats, cells) for the largest of each."""
    olds: Counter[str] = Counter()
    news: Counter[str] = Counter()
    for pair in summary.pairs.values():
        olds[pair.old] += pair.count
        news[pair.new] += pair.count
    rows, cols = _axis(olds, MAX_ROWS), _axis(news, MAX_COLS)
    row_set, col_set = set(rows), set(cols)
    groups: dict[tuple[str, str], list[PairStats]] = {}
    for pair in summary.pairs.values():
        r = pair.old if pair.old in row_set else OTHER_LABEL
        c = pair.new if pair.new in col_set else OTHER_LABEL
        groups.setdefault((r, c), []).append(pair)
    peak = max((sum(p.count for p in g) for g in groups.values()), default=1)
    grid: list[list[Cell | None]] = []
    for r in rows:
        line: list[Cell | None] = []
        for c in cols:
            group = groups.get((r, c))
            if not group:
                line.append(None)
                continue
            count = sum(p.count for p in group)
            suspect = any(p.suspect for p in group)
            level = 1 + int(8 * math.log1p(count) / math.log1p(peak)) if peak else 1
            single = len(group) == 1 and r != OTHER_LABEL and c != OTHER_LABEL
            link = pair_link(r, c, keys_by_name) if single else None
            title = f"{r} → {c}: {count:,} bitstreams" + (" (looks wrong)" if suspect else "")
            line.append(Cell(count, min(level, 9), suspect, link, title))
        grid.append(line)
    return rows, cols, grid


def _confidence_links(summary: ConversionSummary) -> list[tuple[str, int, str | None]]:
    out = []
    for name in summary.confidence_names():
        if name == NONE_LABEL:
            link: str | None = "/bitstreams" + query({"format": "none"})
        elif name.isidentifier():
            link = "/bitstreams" + query({"confidence": name})
        else:
            link = None
        out.append((name, summary.confidence[name], link))
    return out


def _extension_links(summary: ConversionSummary) -> list[tuple[str, int, str | None]]:
    out = []
    for entry in summary.top_extensions(25):
        link = None
        if entry.label not in (NO_EXT_LABEL, OTHER_LABEL):
            link = "/bitstreams" + query({"ext": entry.label, "confidence": "UNIDENTIFIED"})
        out.append((entry.label, entry.count, link))
    return out


def _context(data: DashboardData) -> dict[str, Any]:
    s = data.summary
    rows, cols, grid = heatmap(s, data.keys_by_name)
    suspects = [(p, pair_link(p.old, p.new, data.keys_by_name)) for p in s.suspect_pairs()[:50]]
    return {"data": data, "summary": s, "rows": rows, "cols": cols, "grid": grid,
            "confidence_links": _confidence_links(s), "extensions": _extension_links(s),
            "suspects": suspects, "top_pairs": [
                (p, pair_link(p.old, p.new, data.keys_by_name)) for p in s.top_pairs(30)],
            "warnings": s.top_warnings(10)}


def _signatures(request: Request) -> dict[str, Any]:
    app = state(request)
    try:
        tools = app.context.tools()
    except Exception as exc:
        return {"error": str(exc)}
    config = tools.config
    return {"error": None, "signature_file": config.droid_signature_file,
            "container_file": config.droid_container_file,
            "registries": [(r.namespace, len(r), r.source, r.version) for r in tools.registries],
            "stack": tools.stack.describe(), "config_path": config.config_path,
            "subtypes": len(config.subtypes)}


def dashboard(request: Request) -> Response:
    user = page_user(request)
    if isinstance(user, Response):
        return user
    app = state(request)
    data, refreshing, error = app.dashboard.get()
    context: dict[str, Any] = {"refreshing": refreshing, "error": error, "data": None,
                               "signatures": _signatures(request)}
    if data is not None:
        context.update(_context(data))
    return app.render.page(request, "dashboard.html", context)


def dashboard_status(request: Request) -> Response:
    """Polled by static/poll.js while the figures are being computed."""
    user = page_user(request)
    if isinstance(user, Response):
        return JSONResponse({"login": True}, status_code=401)
    data, refreshing, error = state(request).dashboard.get()
    return JSONResponse({"ready": data is not None, "refreshing": refreshing,
                         "computed_at": data.computed_at.isoformat() if data else None,
                         "error": error})
