"""The bitstream filters of the web pages, as the workbench's :class:`Selection`.

The same filters as ``bsf workbench reidentify`` (format, old format, confidence, source,
collection/community/item handle, extension, name glob) plus "MANUAL or not", read from a query
string or a form. Values are only trimmed and length-limited here; their meaning (and every
refusal of an unknown name) is ``workbench.selection.plan``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from formats.model import Confidence
from workbench.listing import SORTS
from workbench.selection import Selection, SelectionError, parse_confidence

#: filter fields, in the order the form shows them
FILTER_FIELDS = ("format", "old_format", "confidence", "source", "collection", "ext",
                 "name_glob", "manual")
PAGE_SIZES = (25, 50, 100, 200)
MAX_VALUE = 256
MAX_IDS = 1000


@dataclass(frozen=True)
class BitstreamQuery:
    """A parsed filter (and, for the table, its sort and page)."""

    filters: dict[str, str]
    selection: Selection
    sort: str = "id"
    descending: bool = False
    page: int = 1
    per_page: int = 50

    @property
    def params(self) -> dict[str, str]:
        """The query string values that reproduce this query."""
        values = dict(self.filters)
        if self.sort != "id":
            values["sort"] = self.sort
        if self.descending:
            values["dir"] = "desc"
        if self.per_page != 50:
            values["per"] = str(self.per_page)
        return values


def _int(text: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(str(text))))
    except (TypeError, ValueError):
        return default


def read_filters(values: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in FILTER_FIELDS:
        value = str(values.get(name) or "").strip()[:MAX_VALUE]
        if value:
            found[name] = value
    return found


def selection_of(filters: Mapping[str, str], ids: list[int] | None = None) -> Selection:
    """The workbench selection of these filters (every bitstream when there are none)."""
    lo = hi = None
    if filters.get("confidence"):
        lo, hi = parse_confidence(filters["confidence"])
    manual = filters.get("manual", "")
    if manual == "yes":
        lo = max(x for x in (lo, Confidence.MANUAL) if x is not None)
    elif manual == "no":
        hi = min(x for x in (hi, Confidence(Confidence.MANUAL - 1)) if x is not None)
    elif manual:
        raise SelectionError(f"manual must be yes, no or empty, not {manual!r}")
    selection = Selection(
        ids=tuple(ids) if ids is not None else None, format=filters.get("format"),
        old_format=filters.get("old_format"), confidence_min=lo, confidence_max=hi,
        source=filters.get("source"), collection=filters.get("collection"),
        ext=filters.get("ext"), name_glob=filters.get("name_glob"))
    if selection.is_empty():
        selection = Selection(all=True)
    return selection


def read_ids(values: list[str]) -> list[int]:
    ids = []
    for value in values[:MAX_IDS]:
        text = value.strip()
        if not text.isdigit():
            raise SelectionError(f"not a bitstream id: {text[:40]!r}")
        ids.append(int(text))
    return ids


def bitstream_query(values: Mapping[str, str]) -> BitstreamQuery:
    """Filters, sort and page from a query string (unknown sort names fall back to id)."""
    filters = read_filters(values)
    sort = str(values.get("sort") or "id")
    per = _int(values.get("per"), 50, 1, max(PAGE_SIZES))
    return BitstreamQuery(filters, selection_of(filters), sort if sort in SORTS else "id",
                          values.get("dir") == "desc", _int(values.get("page"), 1, 1, 10**7),
                          per if per in PAGE_SIZES else 50)
