"""``bsf workbench show ID``: everything the archive knows about one bitstream's format.

Name, size, checksum, owner (item handle, or the community/collection whose logo it is), the
current format with confidence/source/basis/warning and all its external identifiers, the old
1.5 format (from the preserved 1.5 tables until phase 3, afterwards from the record phase 3
keeps, which also holds the conversion's answer), the user format description, the number of
recorded changes, and — when a stack and the asset store are given — what each identifier of
the stack would say about the file now (``IdentifierStack.explain``) and the stack's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine, func, inspect, select

from archive.formatcache import format_keys
from archive.history import FORMAT_HISTORY, history_exists
from archive.original_formats import OriginalFormat, original_of
from archive.queries import handle_of, owning_item
from archive.schema import COLLECTION, COMMUNITY, ITEM, T16
from bsfcore.errors import AssetError, BsfError
from formats.model import Match, Sample
from workbench.actions import (
    Assets,
    FormatNames,
    FormatState,
    current_state,
    open_sample,
    require_renovated,
)

_BS = T16.bitstream


class ExplainingStack(Protocol):
    def identify(self, sample: Sample) -> Match: ...

    def explain(self, sample: Sample) -> list[tuple[str, Match | None]]: ...


class BitstreamNotFound(BsfError):
    """No bitstream has that id."""


@dataclass
class BitstreamView:
    bitstream_id: int
    name: str | None
    size_bytes: int | None
    checksum: str | None
    checksum_algorithm: str | None
    internal_id: str | None
    store_number: int | None
    deleted: bool
    user_format_description: str | None
    item_handle: str | None
    logo_of: str | None
    current: FormatState
    current_keys: list[str] = field(default_factory=list)
    old_format: str | None = None
    old_format_id: int | None = None
    old_format_note: str | None = None
    #: the record phase 3 kept: old format and the conversion's answer (None before phase 3)
    original: OriginalFormat | None = None
    history_count: int = 0
    explain: list[tuple[str, Match | None]] | None = None
    verdict: Match | None = None
    explain_error: str | None = None


def show_bitstream(engine: Engine, bitstream_id: int, *, stack: ExplainingStack | None = None,
                   assets: Assets | None = None) -> BitstreamView:
    """Gather :class:`BitstreamView` for one bitstream (read-only)."""
    require_renovated(engine)
    with engine.connect() as conn:
        row = conn.execute(select(_BS).where(_BS.c.bitstream_id == bitstream_id)).first()
        if row is None:
            raise BitstreamNotFound(f"no bitstream with id {bitstream_id}")
        names = FormatNames()
        current = current_state(conn, row, names)
        keys = ([str(k) for k in format_keys(conn, current.format_id)]
                if current.format_id is not None else [])
        item_id = owning_item(conn, bitstream_id, T16)
        item_handle = handle_of(conn, ITEM, item_id, T16) if item_id is not None else None
        logo_of = None
        for table, type_id, column in ((T16.community, COMMUNITY, "community_id"),
                                       (T16.collection, COLLECTION, "collection_id")):
            owner = conn.execute(select(table.c[column])
                                 .where(table.c.logo_bitstream_id == bitstream_id)).first()
            if owner is not None:
                logo_of = handle_of(conn, type_id, int(owner[0]), T16) or f"{table.name} " \
                    f"{owner[0]}"
        view = BitstreamView(
            bitstream_id=bitstream_id, name=row.name, size_bytes=row.size_bytes,
            checksum=row.checksum, checksum_algorithm=row.checksum_algorithm,
            internal_id=row.internal_id, store_number=row.store_number,
            deleted=bool(row.deleted), user_format_description=row.user_format_description,
            item_handle=item_handle, logo_of=logo_of, current=current, current_keys=keys)
        old_map, old_reg = T16.bsf15_bitstreamformat, T16.bsf15_bitstreamformatregistry
        assert old_map is not None and old_reg is not None
        if inspect(conn).has_table(old_map.name):
            old = conn.execute(
                select(old_map.c.bitstream_format_id, old_reg.c.short_description)
                .select_from(old_map.outerjoin(
                    old_reg, old_reg.c.bitstream_format_id == old_map.c.bitstream_format_id))
                .where(old_map.c.bitstream_id == bitstream_id)).first()
            if old is not None:
                view.old_format_id = old.bitstream_format_id
                view.old_format = old.short_description
            else:
                view.old_format_note = "no 1.5 format recorded (added after phase 0?)"
        else:
            view.original = original_of(conn, bitstream_id)
            if view.original is not None:
                view.old_format_id = view.original.old_format_id
                view.old_format = view.original.old_format_name
                if view.old_format is None:
                    view.old_format_note = "no 1.5 format (none was assigned)"
            else:
                view.old_format_note = "no record of the 1.5 format (phase 3 kept none)"
        if history_exists(conn):
            view.history_count = int(conn.execute(
                select(func.count()).select_from(FORMAT_HISTORY)
                .where(FORMAT_HISTORY.c.bitstream_id == bitstream_id)).scalar_one())
    if stack is not None and assets is not None:
        try:
            sample = open_sample(row, assets)
            view.explain = stack.explain(sample)
            view.verdict = stack.identify(sample)
        except (AssetError, OSError) as exc:
            view.explain_error = str(exc)
    return view
