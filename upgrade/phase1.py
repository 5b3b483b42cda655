"""Phase 1 (``Upgrade15To16 -1``): translate old formats that have a direct analogue.

For every 1.5 format used by a not-yet-converted upgradable bitstream, the DSpace registry (if
configured) and then the Provisional registry are asked for an entry with the same name (the
1.5 ``short_description``; a ``DSpace:``/``Provisional:`` identifier equal to it, or to its
``dspace_identifier`` spelling, also counts). Matching bitstreams get that format, confidence
EXTENSION (1.5 assigned formats by file extension or by the submitter's pick, so the result is
flagged for later re-examination), source ``Upgrade15To16 Phase 1 from <namespace> registry``
and basis ``1.5 format "<name>"``.

Old "Unknown" bitstreams with a UserFormatDescription keep the submitter's words: they are
converted to the new "Unknown" format (source ``Upgrade15To16 Phase 1 from
UserFormatDescription``) so phase 2 does not overwrite what a person wrote; the workbench can
re-identify them later. Other old-Unknown bitstreams are left to phase 2.

Each old format is one set-based UPDATE guarded by ``bitstream_format_id IS NULL``, so a rerun
with unchanged registries changes nothing, and a rerun after editing the Provisional registry
converts only what is still unconverted. Refused once phase 2 has assigned formats.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, case, func, insert, select, update

from archive.db import is_renovated
from archive.formatcache import ensure_format, unknown_format_id
from archive.schema import T16
from bsfcore.errors import StepError
from formats.model import Confidence
from registries.dsr import dspace_identifier
from registries.model import Format, Registry
from upgrade.scope import (
    PHASE1_SOURCE,
    has_preserved_data,
    is_upgradable,
    phase2_has_run,
    unconverted,
)
from upgrade.state import ensure_state_tables, phase1_map
from upgrade.step import StepContext, Summary

UNKNOWN_15 = "Unknown"
UFD_SOURCE = PHASE1_SOURCE + "UserFormatDescription"


def require_phase0(conn: Connection, step: str) -> None:
    if not is_renovated(conn):
        raise StepError(f"{step} needs phase 0 first: run `bsf upgrade phase0` "
                        "(Upgrade15To16 -0) after making a backup.", step=step)
    if not has_preserved_data(conn):
        raise StepError(f"{step}: the 1.5 format data is gone (phase 3 has run, or the archive "
                        "was created renovated); the conversion is over.", step=step)


def find_analogue(registry: Registry, old_name: str) -> Format | None:
    """The entry of ``registry`` standing for the 1.5 format called ``old_name``."""
    wanted = {old_name, dspace_identifier(old_name)}
    folded = old_name.casefold()
    by_key = by_fold = None
    for fmt in registry:
        if fmt.name == old_name:
            return fmt
        if by_key is None and any(k.namespace == registry.namespace and k.identifier in wanted
                                  for k in fmt.keys):
            by_key = fmt
        if by_fold is None and fmt.name.casefold() == folded:
            by_fold = fmt
    return by_key or by_fold


class Phase1:
    key = "phase1"
    title = "-1: convert bitstreams whose old format has a DSpace/Provisional analogue"
    requires: tuple[str, ...] = ("phase0",)

    def is_done(self, conn: Connection) -> bool:
        """Done once some bitstream holds a phase 1 conversion (rerunnable until phase 2)."""
        bs = T16.bitstream
        return is_renovated(conn) and bool(conn.execute(select(func.count()).select_from(bs).where(
            bs.c.bitstream_format_id.is_not(None),
            bs.c.format_source.like(PHASE1_SOURCE + "%"))).scalar())

    def check(self, conn: Connection) -> None:
        require_phase0(conn, self.key)
        if phase2_has_run(conn):
            raise StepError("phase 1 is refused after phase 2: phase 2 has already assigned "
                            "formats. To start over, run `bsf upgrade undo` (back to just "
                            "before phase 1).", step=self.key)

    def run(self, ctx: StepContext) -> Summary:
        registries = ctx.registries()
        targets = [r for ns in ("DSpace", "Provisional")
                   if (r := registries.registry(ns)) is not None]
        bs, old_bs = T16.bitstream, T16.bsf15_bitstreamformat
        old_reg = T16.bsf15_bitstreamformatregistry
        assert old_bs is not None and old_reg is not None
        counts = {"upgradable": 0, "touched": 0, "old_unknown": 0, "ufd": 0,
                  "DSpace": 0, "Provisional": 0}
        ensure_state_tables(ctx.engine)
        with ctx.engine.begin() as conn:
            self.check(conn)
            # One pass over the upgradable bitstreams gives every count: per old format, all
            # of them and the unconverted ones (no old format -> a row with NULL id).
            per_format = conn.execute(
                select(old_reg.c.bitstream_format_id, old_reg.c.short_description,
                       func.count().label("total"),
                       func.coalesce(func.sum(case((unconverted(), 1), else_=0)), 0)
                       .label("n"))
                .select_from(bs.outerjoin(old_bs, old_bs.c.bitstream_id == bs.c.bitstream_id)
                             .outerjoin(old_reg, old_reg.c.bitstream_format_id
                                        == old_bs.c.bitstream_format_id))
                .where(is_upgradable())
                .group_by(old_reg.c.bitstream_format_id, old_reg.c.short_description)).all()
            counts["upgradable"] = sum(int(r.total) for r in per_format)
            counts["touched"] = sum(int(r.n) for r in per_format)
            usage = [r for r in per_format if r.bitstream_format_id is not None and r.n]
            mapping: list[dict[str, object]] = []
            for row in usage:
                if row.short_description == UNKNOWN_15:
                    counts["old_unknown"] += int(row.n)
                    counts["ufd"] += self._convert_ufd(ctx, conn, row.bitstream_format_id)
                    continue
                for registry in targets:
                    fmt = find_analogue(registry, row.short_description)
                    if fmt is None:
                        continue
                    counts[registry.namespace] += int(row.n)
                    mapping.append({
                        "old_format_id": row.bitstream_format_id,
                        "new_format_id": ensure_format(conn, fmt) if not ctx.dry_run else -1,
                        "source": f"{PHASE1_SOURCE}{registry.namespace} registry",
                        "basis": f'1.5 format "{row.short_description}"'})
                    break
            self._translate(ctx, conn, mapping)
        lines = [
            "Phase One Summary: Bitstream Formats Converted:",
            f"Out of {counts['upgradable']} upgradable bitstreams in archive,",
            f"Total bitstreams touched = {counts['touched']}",
            f'Had old "Unknown" format = {counts["old_unknown"]}',
            f"..of Unknown, touched {counts['ufd']} with UserFormatDescription set.",
            f"Translated to DSpace namespace = {counts['DSpace']}",
            f"Translated to Provisional namespace = {counts['Provisional']}",
        ]
        if ctx.dry_run:
            lines.insert(0, "(dry run: nothing was written)")
        for line in lines:
            ctx.emit(line)
        return Summary(self.key, lines, counts, ctx.dry_run)

    @staticmethod
    def _translate(ctx: StepContext, conn: Connection, mapping: list[dict[str, object]]) -> None:
        """One UPDATE ... FROM the mapping table: every translatable bitstream at once."""
        bs, old_bs = T16.bitstream, T16.bsf15_bitstreamformat
        assert old_bs is not None
        ctx.write(conn, phase1_map.delete(), label="phase 1 mapping")
        ctx.write(conn, insert(phase1_map), mapping, label="phase 1 mapping")
        if not mapping:
            return
        ctx.write(conn, update(bs).where(
            bs.c.bitstream_id == old_bs.c.bitstream_id,
            old_bs.c.bitstream_format_id == phase1_map.c.old_format_id,
            unconverted(), is_upgradable(),
        ).values(bitstream_format_id=phase1_map.c.new_format_id,
                 format_confidence=int(Confidence.EXTENSION),
                 format_source=phase1_map.c.source, format_basis=phase1_map.c.basis,
                 format_warning=None), label="convert bitstreams")

    @staticmethod
    def _convert_ufd(ctx: StepContext, conn: Connection, old_unknown_id: int) -> int:
        """Old "Unknown" + UserFormatDescription -> new "Unknown", the words kept."""
        bs, old_bs = T16.bitstream, T16.bsf15_bitstreamformat
        assert old_bs is not None
        where = and_(
            unconverted(), is_upgradable(),
            bs.c.user_format_description.is_not(None), bs.c.user_format_description != "",
            bs.c.bitstream_id.in_(select(old_bs.c.bitstream_id).where(
                old_bs.c.bitstream_format_id == old_unknown_id)))
        n = int(conn.execute(select(func.count()).select_from(bs).where(where)).scalar_one())
        if n:
            ctx.write(conn, update(bs).where(where).values(
                bitstream_format_id=unknown_format_id(conn) if not ctx.dry_run else -1,
                format_confidence=int(Confidence.UNIDENTIFIED), format_source=UFD_SOURCE,
                format_basis='1.5 format "Unknown" with UserFormatDescription',
                format_warning="format described by a person, not identified"),
                label="convert bitstreams")
        return n
