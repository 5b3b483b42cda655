"""Phase 3 (``Upgrade15To16 -3``): finish — drop the 1.5 leftovers once everything is converted.

Runs only when no upgradable bitstream is unconverted. Bitstreams outside the upgrade's scope
(deleted ones, orphans) that still have no format get the "Unknown" format, so no bitstream of
the renovated model is left formatless; then the preserved 1.5 tables (``bsf15_*``) are dropped.
Before they go, each bitstream's original format, user format description and the conversion's
answer are copied into bsf's own ``bsf_original_format`` (:mod:`archive.original_formats`), so
``bsf report`` and the workbench still show old → new afterwards. All in one transaction. After
it the instructions' report (-r) and undo are no longer available.
"""

from __future__ import annotations

from sqlalchemy import Connection, text, update

from archive.db import is_renovated
from archive.formatcache import unknown_format_id
from archive.history import history_exists
from archive.original_formats import ensure_original_table, record_statements
from archive.schema import T16
from bsfcore.errors import StepError
from bsfcore.runtime import now
from formats.model import Confidence
from upgrade.phase1 import require_phase0
from upgrade.scope import count_unconverted, preserved_tables, unconverted
from upgrade.step import StepContext, Summary

PHASE3_SOURCE = "Upgrade15To16 Phase 3 (not upgradable: deleted or unreachable)"


class Phase3:
    key = "phase3"
    title = "-3: final database conversion (drops the 1.5 format data; no way back)"
    requires: tuple[str, ...] = ("phase0",)

    def is_done(self, conn: Connection) -> bool:
        return is_renovated(conn) and not preserved_tables(conn)

    def check(self, conn: Connection) -> None:
        require_phase0(conn, self.key)
        left = count_unconverted(conn)
        if left:
            raise StepError(f"phase 3 refused: {left} upgradable bitstreams are not converted "
                            "yet. Run phase 2 (bsf upgrade phase2) first.", step=self.key)

    def run(self, ctx: StepContext) -> Summary:
        bs = T16.bitstream
        with ctx.engine.begin() as conn:
            self.check(conn)
            if not ctx.dry_run:
                ensure_original_table(conn)
            # The record of the original formats first: it needs the 1.5 tables and the
            # conversion's answers before anything below changes them.
            for stmt in record_statements(now(), with_history=history_exists(conn)):
                ctx.write(conn, stmt, label="record of the original formats")
            unknown = unknown_format_id(conn) if not ctx.dry_run else -1
            others = ctx.write(conn, update(bs).where(unconverted()).values(
                bitstream_format_id=unknown, format_confidence=int(Confidence.UNIDENTIFIED),
                format_source=PHASE3_SOURCE, format_basis=None,
                format_warning="not in the upgrade's scope"), label="format of leftovers")
            for name in preserved_tables(conn):
                ctx.write(conn, text(f"DROP TABLE {name}"), label="drop table")
        line = ("Phase 3 dry run: would drop the 1.5 format data; nothing was changed."
                if ctx.dry_run else "Phase 3 finished, done with BitstreamFormat conversion.")
        if others and not ctx.dry_run:
            ctx.log(f"Phase 3 gave {others} deleted/unreachable bitstreams the Unknown format.")
        ctx.emit(line)
        return Summary(self.key, [line], {"leftovers_unknown": others}, ctx.dry_run)
