"""Which bitstreams a workbench command works on: ids, id files and filters, streamed in batches.

A :class:`Selection` is what the operator typed; :func:`plan` resolves its names (format keys,
1.5 format names, handles) against the database once and turns it into SQL conditions, so each
batch is one keyed query (``bitstream_id > last ORDER BY bitstream_id LIMIT n``) and memory stays
flat however large the group. Explicit id lists are sorted and walked in chunks the same way.

Every filter is ANDed. Deleted bitstreams are never selected.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    false,
    func,
    inspect,
    or_,
    select,
)

from archive.formatcache import find_format_id
from archive.queries import resolve_handle
from archive.schema import COLLECTION, COMMUNITY, ITEM, T16
from bsfcore.errors import BsfError, InputError, Problem
from formats.model import Confidence
from registries.model import FormatKey

T = T16
_BS = T.bitstream


class SelectionError(BsfError):
    """A selection names something the archive does not have, or selects nothing on purpose."""


@dataclass(frozen=True)
class Selection:
    """The operator's choice of bitstreams; at least one criterion (or ``all``) is required."""

    ids: tuple[int, ...] | None = None
    all: bool = False
    old_format: str | None = None
    format: str | None = None
    confidence_min: Confidence | None = None
    confidence_max: Confidence | None = None
    source: str | None = None
    collection: str | None = None
    ext: str | None = None
    name_glob: str | None = None

    def is_empty(self) -> bool:
        return not self.all and self.ids is None and not any((
            self.old_format, self.format, self.confidence_min is not None,
            self.confidence_max is not None, self.source, self.collection, self.ext,
            self.name_glob))


_OPS = re.compile(r"^\s*(<=|>=|<|>|=|≤|≥)?\s*([A-Za-z_]+)\s*$")


def parse_confidence(text: str) -> tuple[Confidence | None, Confidence | None]:
    """``NAME`` (exactly), ``<=NAME``/``>=NAME`` (at most/at least), ``<NAME``/``>NAME``.

    Returns (minimum, maximum), each inclusive or None.
    """
    match = _OPS.match(text)
    if not match:
        raise SelectionError(f"malformed confidence filter {text!r}: use NAME, <=NAME or >=NAME "
                             f"with NAME one of {', '.join(c.name for c in Confidence)}")
    op, name = match.group(1) or "=", match.group(2)
    try:
        level = Confidence.parse(name)
    except ValueError as exc:
        raise SelectionError(str(exc)) from None
    if op == "=":
        return level, level
    if op in ("<=", "≤"):
        return None, level
    if op in (">=", "≥"):
        return level, None
    if op == "<":
        if level == min(Confidence):
            raise SelectionError(f"nothing is below {level.name}")
        return None, Confidence(level - 1)
    if level == max(Confidence):
        raise SelectionError(f"nothing is above {level.name}")
    return Confidence(level + 1), None


def read_ids(lines: Iterable[str], origin: str = "<ids>") -> list[int]:
    """Bitstream ids, one per line (the output of the instructions' awk recipe).

    Blank lines and ``#`` comments are skipped; surrounding spaces and a trailing comma are
    tolerated. Anything else is reported with its line number — all bad lines at once.
    """
    ids: list[int] = []
    problems: list[Problem] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.split("#", 1)[0].strip().rstrip(",").strip()
        if not text:
            continue
        if not text.isdigit():
            problems.append(Problem(origin, number, f"not a bitstream id: {raw.strip()!r}"))
            continue
        ids.append(int(text))
    if problems:
        raise InputError(problems[:20], None if len(problems) <= 20 else
                         f"{len(problems)} lines of {origin} are not bitstream ids; first: "
                         f"{problems[0]}")
    return ids


def read_ids_file(path: str | Path) -> list[int]:
    """:func:`read_ids` over a file (``-`` is standard input)."""
    import sys

    if str(path) == "-":
        return read_ids(sys.stdin, "<stdin>")
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return read_ids(fh, str(path))
    except OSError as exc:
        raise InputError([Problem(str(path), None, f"cannot read id list: {exc.strerror}")]) \
            from None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _glob_to_like(glob: str) -> str:
    """A LIKE pattern that matches at least what the glob matches (exact check in Python)."""
    out = []
    i = 0
    while i < len(glob):
        ch = glob[i]
        if ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch == "[":
            end = glob.find("]", i + 2)
            if end < 0:
                out.append(_like_escape(ch))
            else:
                out.append("_")
                i = end
        else:
            out.append(_like_escape(ch))
        i += 1
    return "".join(out)


def _has_table(conn: Connection, name: str) -> bool:
    return inspect(conn).has_table(name)


def _format_ids(conn: Connection, text: str) -> list[int] | None:
    """Format ids named by ``text``: a key (canonical or synonym), a name, or ``none``."""
    reg = T.bitstreamformatregistry
    if text.strip().lower() in ("none", "(none)"):
        return None
    if ":" in text and not text.strip().startswith(":"):
        key = FormatKey.parse(text)
        found = find_format_id(conn, key)
        if found is None:
            raise SelectionError(f"no format in the archive is bound to {key} (the format is "
                                 "cached only once a bitstream or `registry add-synonym` uses it)")
        return [found]
    ids = [int(r[0]) for r in conn.execute(
        select(reg.c.bitstream_format_id)
        .where(func.lower(reg.c.short_description) == text.strip().lower()))]
    if not ids:
        raise SelectionError(f"no format named {text!r} in the archive's format registry; "
                             "use its key (e.g. PRONOM:fmt/96), its exact name, or 'none'")
    return ids


def _old_format_ids(conn: Connection, text: str) -> list[int]:
    old = T.bsf15_bitstreamformatregistry
    assert old is not None
    if not _has_table(conn, old.name):
        raise SelectionError("--old-format needs the preserved 1.5 format data: it does not "
                             "exist before phase 0 and phase 3 removed it")
    value = text.strip()
    condition = func.lower(old.c.short_description) == value.lower()
    if value.isdigit():
        condition = or_(condition, old.c.bitstream_format_id == int(value))
    ids = [int(r[0]) for r in conn.execute(select(old.c.bitstream_format_id).where(condition))]
    if not ids:
        raise SelectionError(f"no 1.5 format named {text!r} (see `bsf report summary` for the "
                             "old format names)")
    return ids


def _collection_ids(conn: Connection, handle: str) -> tuple[str, list[int]]:
    """('collection'|'item', ids) for a collection, community (recursively) or item handle."""
    resolved = resolve_handle(conn, handle, T)
    if resolved is None:
        raise SelectionError(f"unknown handle {handle!r}")
    type_id, rid = resolved
    if type_id == ITEM:
        return "item", [rid]
    if type_id == COLLECTION:
        return "collection", [rid]
    if type_id != COMMUNITY:
        raise SelectionError(f"handle {handle!r} is not a collection, community or item")
    communities = {rid}
    todo = [rid]
    while todo:
        children = [int(r[0]) for r in conn.execute(
            select(T.community2community.c.child_comm_id)
            .where(T.community2community.c.parent_comm_id.in_(todo)))]
        todo = [c for c in children if c not in communities]
        communities.update(todo)
    collections = [int(r[0]) for r in conn.execute(
        select(T.community2collection.c.collection_id)
        .where(T.community2collection.c.community_id.in_(sorted(communities))))]
    return "collection", collections


@dataclass
class Plan:
    """A resolved selection: SQL conditions, an exact name check, and the explicit ids."""

    conditions: list[ColumnElement[bool]] = field(default_factory=list)
    name_glob: str | None = None
    ids: list[int] | None = None

    def accepts_name(self, name: str | None) -> bool:
        return self.name_glob is None or fnmatch.fnmatchcase(name or "", self.name_glob)

    def where(self) -> ColumnElement[bool]:
        return and_(*self.conditions) if self.conditions else and_(True)


def plan(conn: Connection, selection: Selection) -> Plan:
    """Resolve ``selection`` against the archive (raises SelectionError for unknown names)."""
    if selection.is_empty():
        raise SelectionError("select bitstreams with --id, --ids-from or a filter "
                             "(or --all to work on every bitstream)")
    result = Plan()
    cond = result.conditions
    cond.append(or_(_BS.c.deleted.is_(None), _BS.c.deleted == false()))
    if selection.format:
        ids = _format_ids(conn, selection.format)
        cond.append(_BS.c.bitstream_format_id.is_(None) if ids is None
                    else _BS.c.bitstream_format_id.in_(ids))
    if selection.old_format:
        old = T.bsf15_bitstreamformat
        assert old is not None
        old_ids = _old_format_ids(conn, selection.old_format)
        cond.append(_BS.c.bitstream_id.in_(
            select(old.c.bitstream_id).where(old.c.bitstream_format_id.in_(old_ids))))
    if selection.confidence_min is not None:
        cond.append(_BS.c.format_confidence >= int(selection.confidence_min))
    if selection.confidence_max is not None:
        # an unconverted bitstream (no confidence yet) counts as UNIDENTIFIED
        cond.append(func.coalesce(_BS.c.format_confidence, int(Confidence.UNIDENTIFIED))
                    <= int(selection.confidence_max))
    if selection.source:
        cond.append(_BS.c.format_source.like(f"%{_like_escape(selection.source)}%",
                                             escape="\\"))
    if selection.ext:
        ext = selection.ext.strip().lstrip(".").lower()
        if not ext:
            raise SelectionError("--ext needs an extension, e.g. --ext htm")
        cond.append(func.lower(_BS.c.name).like(f"%.{_like_escape(ext)}", escape="\\"))
    if selection.name_glob:
        cond.append(_BS.c.name.like(_glob_to_like(selection.name_glob), escape="\\"))
        result.name_glob = selection.name_glob
    if selection.collection:
        kind, ids = _collection_ids(conn, selection.collection)
        owner = T.collection2item.c.collection_id if kind == "collection" else None
        members = (select(T.bundle2bitstream.c.bitstream_id)
                   .join(T.item2bundle,
                         T.item2bundle.c.bundle_id == T.bundle2bitstream.c.bundle_id))
        if owner is not None:
            members = members.join(T.collection2item,
                                   T.collection2item.c.item_id == T.item2bundle.c.item_id
                                   ).where(owner.in_(ids or [-1]))
        else:
            members = members.where(T.item2bundle.c.item_id.in_(ids))
        cond.append(_BS.c.bitstream_id.in_(members))
    if selection.ids is not None:
        result.ids = sorted(set(selection.ids))
    return result


#: The columns every workbench batch reads.
BATCH_COLUMNS = (
    _BS.c.bitstream_id, _BS.c.name, _BS.c.size_bytes, _BS.c.internal_id, _BS.c.store_number,
    _BS.c.bitstream_format_id, _BS.c.format_confidence, _BS.c.format_source,
    _BS.c.format_basis, _BS.c.format_warning,
)


def fetch_batch(conn: Connection, the_plan: Plan, after: int, size: int, *,
                for_update: bool = False) -> tuple[list[Any], int | None]:
    """The next batch after bitstream id ``after``: (rows passing every filter, last id seen).

    The last id seen is None when the selection is exhausted. With ``for_update`` the rows are
    locked (PostgreSQL) until the caller's transaction ends, so two writers never interleave.
    """
    query = select(*BATCH_COLUMNS).where(the_plan.where())
    if the_plan.ids is not None:
        chunk = _next_chunk(the_plan.ids, after, size)
        if not chunk:
            return [], None
        query = query.where(_BS.c.bitstream_id.in_(chunk))
        last: int | None = chunk[-1]
    else:
        query = query.where(_BS.c.bitstream_id > after).limit(size)
        last = None
    query = query.order_by(_BS.c.bitstream_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=_BS)
    rows = list(conn.execute(query))
    if the_plan.ids is None:
        last = int(rows[-1].bitstream_id) if len(rows) == size else None
    kept = [r for r in rows if the_plan.accepts_name(r.name)]
    return kept, last


def _next_chunk(ids: Sequence[int], after: int, size: int) -> list[int]:
    import bisect

    start = bisect.bisect_right(ids, after)
    return list(ids[start:start + size])


def count(conn: Connection, the_plan: Plan) -> int:
    """How many bitstreams the SQL part selects (the exact glob check may drop a few)."""
    query = select(func.count()).select_from(_BS).where(the_plan.where())
    if the_plan.ids is None:
        return int(conn.execute(query).scalar_one())
    total = 0
    for start in range(0, len(the_plan.ids), 1000):
        chunk = the_plan.ids[start:start + 1000]
        total += int(conn.execute(query.where(_BS.c.bitstream_id.in_(chunk))).scalar_one())
    return total


def missing_ids(conn: Connection, ids: Sequence[int]) -> list[int]:
    """Which of ``ids`` are not (non-deleted) bitstreams at all."""
    missing: list[int] = []
    for start in range(0, len(ids), 1000):
        chunk = list(ids[start:start + 1000])
        found = {int(r[0]) for r in conn.execute(
            select(_BS.c.bitstream_id).where(
                _BS.c.bitstream_id.in_(chunk),
                or_(_BS.c.deleted.is_(None), _BS.c.deleted == false())))}
        missing.extend(i for i in chunk if i not in found)
    return missing
