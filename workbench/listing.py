"""A selection as a person browses it: one sorted page at a time, and every row for a CSV.

The commands walk a selection in id order (:mod:`workbench.selection`); a person browsing a
hundred thousand bitstreams wants one page of fifty, sorted by name, size, format or
confidence, with "how many" next to it. :func:`list_page` answers that with one bounded query
for the page (``ORDER BY column, bitstream_id LIMIT n OFFSET m`` over the same SQL conditions
the commands use) and one *capped* count (at most ``count_cap + 1`` rows are counted, so a
filter matching everything costs the same as one matching a little more than the cap).
:func:`iter_rows` streams every matching row in id-keyed batches (the CSV download), so memory
stays flat.

A name glob is applied exactly in SQL here (``GLOB`` on SQLite, a regular expression on
PostgreSQL): a page cannot drop rows after the database chose them without breaking
``OFFSET``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    func,
    inspect,
    literal,
    select,
    text,
)

from archive.db import analyze_tables
from archive.schema import T16
from formats.model import Confidence
from workbench.selection import Plan

_BS = T16.bitstream
_REG = T16.bitstreamformatregistry
_EXT = T16.externalidentifier

#: sort name -> what it sorts by (ties broken by bitstream id)
SORTS = ("id", "name", "size", "format", "confidence")
DEFAULT_COUNT_CAP = 10_000
#: Selections up to this size are sorted in Python after one read of their (id, value) pairs.
SORT_IN_MEMORY = 2_000


@dataclass(frozen=True)
class ListingRow:
    """One bitstream as the table shows it."""

    bitstream_id: int
    name: str | None
    size_bytes: int | None
    format_id: int | None
    format_name: str | None
    format_key: str | None
    confidence: Confidence | None
    source: str | None
    warning: str | None
    old_format: str | None


@dataclass(frozen=True)
class Page:
    """One page of a listing; ``total`` is exact unless ``total_capped`` (then "more than")."""

    rows: list[ListingRow]
    page: int
    per_page: int
    total: int
    total_capped: bool
    sort: str
    descending: bool

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.total_capped or self.page * self.per_page < self.total

    @property
    def pages(self) -> int | None:
        """How many pages, when the total is exact."""
        if self.total_capped:
            return None
        return max(1, -(-self.total // self.per_page))


#: Indexes that let a sorted page stop early instead of sorting the whole table (DSpace
#: ignores extra indexes; phase 0 already adds columns to the same table).
LISTING_INDEXES = {
    "bsf_bitstream_name_idx": "name",
    "bsf_bitstream_size_idx": "size_bytes",
    "bsf_bitstream_confidence_idx": "format_confidence",
}


#: The preserved 1.5 formats (until phase 3) are filtered by format id (``--old-format``).
OLD_FORMAT_INDEX = ("bsf15_bitstreamformat_format_idx", "bsf15_bitstreamformat",
                    "bitstream_format_id")


def ensure_listing_indexes(engine: Engine) -> list[str]:
    """Create the missing :data:`LISTING_INDEXES` (and :data:`OLD_FORMAT_INDEX` while the 1.5
    data is kept); returns the names of those created."""
    wanted = [(name, "bitstream", column) for name, column in LISTING_INDEXES.items()]
    inspector = inspect(engine)
    if inspector.has_table(OLD_FORMAT_INDEX[1]):
        wanted.append(OLD_FORMAT_INDEX)
    created = []
    for name, table, column in wanted:
        if name in {i["name"] for i in inspector.get_indexes(table)}:
            continue
        with engine.begin() as conn:
            conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})"))
        created.append(name)
    if created:
        # CREATE INDEX does not refresh the column statistics the planner weighs the new
        # indexes with; an archive fresh from a bulk change may have none that are current.
        with engine.begin() as conn:
            analyze_tables(conn, sorted({table for name, table, _ in wanted if name in created}))
    return created


def glob_condition(dialect: str, glob: str) -> ColumnElement[bool]:
    """The exact, case-sensitive shell-pattern test of :func:`fnmatch.fnmatchcase` in SQL."""
    if dialect == "sqlite":
        return _BS.c.name.op("GLOB", is_comparison=True)(_glob_sqlite(glob))
    return _BS.c.name.regexp_match(_glob_regex(glob))


def _brackets(glob: str) -> Iterator[tuple[str, str | None, bool]]:
    """fnmatch's reading of a pattern: (char, None, False) or ("[", body, negated)."""
    i, n = 0, len(glob)
    while i < n:
        ch = glob[i]
        i += 1
        if ch != "[":
            yield ch, None, False
            continue
        j = i
        if j < n and glob[j] == "!":
            j += 1
        if j < n and glob[j] == "]":
            j += 1
        while j < n and glob[j] != "]":
            j += 1
        if j >= n:
            yield "[", None, False  # no closing bracket: a literal "["
            continue
        body = glob[i:j]
        i = j + 1
        negate = body[:1] == "!"
        yield "[", body[1:] if negate else body, negate


def _glob_sqlite(glob: str) -> str:
    """The same pattern in SQLite's GLOB syntax (negation ``[^...]``, no escapes)."""
    out = []
    for ch, body, negate in _brackets(glob):
        if body is None:
            out.append("[[]" if ch == "[" else ch)
        elif not negate and body == "^":
            out.append("^")  # outside brackets "^" is literal
        else:
            if body.startswith("^"):  # a literal caret must not come first
                body = body[1:] + "^"
            out.append(f"[{'^' if negate else ''}{body}]")
    return "".join(out)


def _glob_regex(glob: str) -> str:
    """An anchored POSIX regular expression for a shell pattern (fnmatch's rules)."""
    out = ["^"]
    for ch, body, negate in _brackets(glob):
        if body is None:
            out.append(".*" if ch == "*" else "." if ch == "?" else
                       ch if ch.isalnum() else re.escape(ch))
            continue
        body = body.replace("\\", "\\\\")
        if body[:1] == "^":  # a literal caret for fnmatch
            body = "\\" + body
        out.append(f"[{'^' if negate else ''}{body}]")
    out.append("$")
    return "".join(out)


def _old_format_join(conn: Connection) -> tuple[Any, ColumnElement[Any]]:
    """(from clause, old format name column): the 1.5 names while phase 3 has not run."""
    source: Any = _BS.outerjoin(_REG, _REG.c.bitstream_format_id == _BS.c.bitstream_format_id)
    old_map, old_reg = T16.bsf15_bitstreamformat, T16.bsf15_bitstreamformatregistry
    assert old_map is not None and old_reg is not None
    if not inspect(conn).has_table(old_map.name):
        return source, literal(None)
    source = (source.outerjoin(old_map, old_map.c.bitstream_id == _BS.c.bitstream_id)
              .outerjoin(old_reg, old_reg.c.bitstream_format_id
                         == old_map.c.bitstream_format_id))
    return source, old_reg.c.short_description


def _canonical_key() -> ColumnElement[Any]:
    assert _EXT is not None
    return (select(_EXT.c.namespace + ":" + _EXT.c.identifier)
            .where(_EXT.c.bitstream_format_id == _BS.c.bitstream_format_id)
            .order_by(_EXT.c.canonical.desc(), _EXT.c.external_identifier_id)
            .limit(1).scalar_subquery())


def _conditions(conn: Connection, plan: Plan) -> list[ColumnElement[bool]]:
    conditions = [plan.where()]
    if plan.name_glob is not None:
        conditions.append(glob_condition(conn.dialect.name, plan.name_glob))
    if plan.ids is not None:
        conditions.append(_BS.c.bitstream_id.in_(plan.ids or [-1]))
    return conditions


def _rows_query(conn: Connection, plan: Plan | None) -> Select[Any]:
    """The table's columns for the rows of ``plan`` (or, with None, for ids the caller adds)."""
    source, old_name = _old_format_join(conn)
    conditions = _conditions(conn, plan) if plan is not None else []
    return (select(_BS.c.bitstream_id, _BS.c.name, _BS.c.size_bytes, _BS.c.bitstream_format_id,
                   _REG.c.short_description.label("format_name"),
                   _canonical_key().label("format_key"), _BS.c.format_confidence,
                   _BS.c.format_source, _BS.c.format_warning, old_name.label("old_format"))
            .select_from(source).where(*conditions))


def _row(r: Any) -> ListingRow:
    conf = r.format_confidence
    confidence = None
    if conf is not None and r.bitstream_format_id is not None:
        try:
            confidence = Confidence(int(conf))
        except ValueError:
            confidence = None
    return ListingRow(int(r.bitstream_id), r.name, r.size_bytes, r.bitstream_format_id,
                      r.format_name, r.format_key, confidence, r.format_source,
                      r.format_warning, r.old_format)


def _sort_column(sort: str) -> ColumnElement[Any]:
    columns: dict[str, ColumnElement[Any]] = {
        "id": _BS.c.bitstream_id, "name": _BS.c.name, "size": _BS.c.size_bytes,
        "format": _REG.c.short_description, "confidence": _BS.c.format_confidence,
    }
    if sort not in columns:
        raise ValueError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    return columns[sort]


def count_capped(conn: Connection, plan: Plan, cap: int = DEFAULT_COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): at most ``cap`` rows are counted; capped means "more than cap"."""
    inner = select(_BS.c.bitstream_id).where(*_conditions(conn, plan)).limit(cap + 1).subquery()
    found = int(conn.execute(select(func.count()).select_from(inner)).scalar_one())
    return (cap, True) if found > cap else (found, False)


def _order(column: ColumnElement[Any], sort: str, descending: bool) -> list[Any]:
    if sort == "id":
        return [_BS.c.bitstream_id.desc() if descending else _BS.c.bitstream_id.asc()]
    if descending:
        return [column.desc().nulls_last(), _BS.c.bitstream_id.desc()]
    return [column.asc().nulls_first(), _BS.c.bitstream_id.asc()]


def _from_for(sort: str) -> Any:
    if sort == "format":
        return _BS.outerjoin(_REG, _REG.c.bitstream_format_id == _BS.c.bitstream_format_id)
    return _BS


def _page_ids(conn: Connection, plan: Plan, sort: str, descending: bool, offset: int,
              limit: int, cap: int) -> tuple[list[int], int, bool]:
    """(ids of the page, total, capped) in bounded queries.

    First at most :data:`SORT_IN_MEMORY` + 1 (id, sort value) pairs are read, in no order, so
    the database stops as soon as it has that many. A selection that fits (typically a
    selective filter) is then counted and cut in Python: one pass over its rows, whatever the
    filter, where a separate count would scan a second time. A larger one gets the capped
    count (no rows leave the database) and is dense enough that ``ORDER BY ... LIMIT/OFFSET``
    along the sort column's index stops early.
    """
    column = _sort_column(sort)
    conditions = _conditions(conn, plan)
    found = conn.execute(select(_BS.c.bitstream_id, column.label("sort_value"))
                         .select_from(_from_for(sort)).where(*conditions)
                         .limit(SORT_IN_MEMORY + 1)).all()
    if len(found) <= SORT_IN_MEMORY:

        def key(r: Any) -> tuple[bool, Any, int]:
            value = r.sort_value
            return (value is not None, value if value is not None else 0, int(r.bitstream_id))

        ordered = sorted(found, key=key, reverse=descending)
        ids = [int(r.bitstream_id) for r in ordered[offset:offset + limit]]
        return (ids, cap, True) if len(found) > cap else (ids, len(found), False)
    total, capped = count_capped(conn, plan, cap)
    query = (select(_BS.c.bitstream_id).select_from(_from_for(sort)).where(*conditions)
             .order_by(*_order(column, sort, descending)).limit(limit).offset(offset))
    return [int(i) for i in conn.execute(query).scalars()], total, capped


def list_page(conn: Connection, plan: Plan, *, sort: str = "id", descending: bool = False,
              page: int = 1, per_page: int = 50,
              count_cap: int = DEFAULT_COUNT_CAP) -> Page:
    """One sorted page of the planned selection, with its (capped) total."""
    page = max(1, page)
    per_page = max(1, min(per_page, 1000))
    ids, total, capped = _page_ids(conn, plan, sort, descending, (page - 1) * per_page,
                                   per_page, count_cap)
    found = {int(r.bitstream_id): _row(r) for r in conn.execute(
        _rows_query(conn, None).where(_BS.c.bitstream_id.in_(ids or [-1])))}
    rows = [found[i] for i in ids if i in found]
    return Page(rows, page, per_page, total, capped, sort, descending)


def iter_rows(conn: Connection, plan: Plan, *, batch: int = 1000) -> Iterator[ListingRow]:
    """Every row of the planned selection in id order, ``batch`` rows per query."""
    query = _rows_query(conn, plan).order_by(_BS.c.bitstream_id).limit(batch)
    last = 0
    while True:
        rows = conn.execute(query.where(_BS.c.bitstream_id > last)).all()
        for r in rows:
            yield _row(r)
        if len(rows) < batch:
            return
        last = int(rows[-1].bitstream_id)
