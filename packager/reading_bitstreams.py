"""Reading bitstreams and their formats for export (part of ArchiveReader).

A bitstream's AIP entry carries its format as the archive knows it: the registry row, its
extensions, its external identifiers (renovated model) named by the PRONOM/registry namer when
one is given — whose extensions also name the zip entry (``bitstream_<id>.<ext>``) when the
renovated format cache, which keeps no extensions of its own, has none — and the
identification (confidence, source, basis, warning, and the date it was last set, from the
format history). Unreadable bitstreams follow ``-o unauthorized``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, or_, select

from archive.history import FORMAT_HISTORY
from archive.schema import BITSTREAM, Tables
from bsfcore.errors import PackageError
from packager.model import BitstreamRec, FormatInfo, Identification, Policy, utc
from packager.options import PackagerOptions
from registries.model import FormatKey


class NamedFormat(NamedTuple):
    """What the configured registries say of a format key."""

    name: str
    version: str | None
    extensions: tuple[str, ...] = ()


FormatNamer = Callable[[FormatKey], NamedFormat | None]


class BitstreamReader:
    """Mixin of :class:`packager.reading.ArchiveReader`: bitstreams and formats."""

    conn: Connection
    t: Tables
    options: PackagerOptions
    renovated: bool
    _namer: FormatNamer | None
    _formats: dict[int, FormatInfo]
    _history: bool
    _is_admin: bool
    _reader_groups: set[int] | None
    _eperson_id: int | None

    def _bitstream(self, row: object, policies: list[Policy],
                   identified: datetime | None) -> BitstreamRec | None:
        r = row
        bit = BitstreamRec(
            id=r.bitstream_id, name=r.name, size=int(r.size_bytes or 0), checksum=r.checksum,  # type: ignore[attr-defined]
            checksum_algorithm=r.checksum_algorithm or "MD5", sequence_id=r.sequence_id,  # type: ignore[attr-defined]
            source=r.source, description=r.description,  # type: ignore[attr-defined]
            user_format_description=r.user_format_description,  # type: ignore[attr-defined]
            internal_id=r.internal_id, store_number=r.store_number,  # type: ignore[attr-defined]
        )
        if r.bitstream_format_id is not None:  # type: ignore[attr-defined]
            bit.format = self.format_info(int(r.bitstream_format_id))  # type: ignore[attr-defined]
        if self.renovated:
            bit.ident = Identification(
                confidence=r.format_confidence, source=r.format_source,  # type: ignore[attr-defined]
                basis=r.format_basis, warning=r.format_warning,  # type: ignore[attr-defined]
                date=identified)
        bit.policies = policies
        if not self._readable(bit):
            mode = self.options.unauthorized
            if mode == "skip":
                return None
            if mode == "zero":
                bit.size, bit.checksum, bit.internal_id = 0, None, None
                return bit
            raise PackageError(f"not authorized to read bitstream {bit.id} ({bit.name}); "
                               "use -o unauthorized=skip or -o unauthorized=zero")
        return bit

    def _identified_many(self, bitstream_ids: list[int]) -> dict[int, datetime]:
        """When each format was last set (the format-change history), where recorded."""
        if not self._history or not bitstream_ids:
            return {}
        H = FORMAT_HISTORY
        found: dict[int, datetime] = {}
        for bid, when in self.conn.execute(
                select(H.c.bitstream_id, H.c.changed_at)
                .where(H.c.bitstream_id.in_(bitstream_ids)).order_by(H.c.history_id)):
            found[int(bid)] = utc(when)  # type: ignore[assignment]
        return found

    def _readable(self, bit: BitstreamRec) -> bool:
        if self._is_admin or self._reader_groups is None:
            return True
        rp = self.t.resourcepolicy
        row = self.conn.execute(select(rp.c.policy_id).where(
            rp.c.resource_type_id == BITSTREAM, rp.c.resource_id == bit.id, rp.c.action_id == 0,
            or_(rp.c.epersongroup_id.in_(self._reader_groups),
                rp.c.eperson_id == self._eperson_id)).limit(1)).first()
        return row is not None

    def format_info(self, format_id: int) -> FormatInfo:
        cached = self._formats.get(format_id)
        if cached is not None:
            return cached
        t = self.t
        row = self.conn.execute(select(t.bitstreamformatregistry).where(
            t.bitstreamformatregistry.c.bitstream_format_id == format_id)).one()
        extensions = tuple(e for (e,) in self.conn.execute(
            select(t.fileextension.c.extension)
            .where(t.fileextension.c.bitstream_format_id == format_id)
            .order_by(t.fileextension.c.file_extension_id)) if e)
        keys: tuple[FormatKey, ...] = ()
        if self.renovated and t.externalidentifier is not None:
            ext = t.externalidentifier
            found = self.conn.execute(
                select(ext.c.namespace, ext.c.identifier, ext.c.canonical)
                .where(ext.c.bitstream_format_id == format_id)).all()
            keys = tuple(FormatKey(r.namespace, r.identifier) for r in sorted(
                found, key=lambda r: (not r.canonical, r.namespace, r.identifier)))
        name, version = row.short_description or "", None
        if keys and self._namer is not None:
            named = self._namer(keys[0])
            if named is not None:
                name, version = named.name, named.version
                if not extensions:
                    extensions = tuple(e for e in named.extensions if e)
        info = FormatInfo(
            short_description=row.short_description or "", mimetype=row.mimetype,
            description=row.description, support_level=int(row.support_level or 0),
            internal=bool(row.internal), extensions=extensions, keys=keys,
            name=name, version=version)
        self._formats[format_id] = info
        return info
