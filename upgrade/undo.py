"""``bsf upgrade undo``: back to the state just before phase 1.

The instructions' undo is ``UPDATE Bitstream SET bitstream_format_id = NULL``. That statement
alone already leaves a consistent state, because every step derives "converted" from the format
id. This command runs it, also clears the now meaningless confidence/source/basis/warning
columns, and forgets phase 2's batch plans, in one transaction. The formats cached so far stay
(phase 1 and 2 reuse them). Not available after phase 3: the 1.5 data is gone by then.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, inspect, select, update

from archive.db import is_renovated
from archive.schema import T16
from upgrade.phase1 import require_phase0
from upgrade.state import batches
from upgrade.step import StepContext, Summary


class Undo:
    key = "undo"
    title = "undo: back to just before phase 1 (all bitstream formats undefined again)"
    requires: tuple[str, ...] = ("phase0",)

    def is_done(self, conn: Connection) -> bool:
        bs = T16.bitstream
        return is_renovated(conn) and not conn.execute(
            select(func.count()).select_from(bs).where(bs.c.bitstream_format_id.is_not(None))
        ).scalar()

    def check(self, conn: Connection) -> None:
        require_phase0(conn, self.key)

    def run(self, ctx: StepContext) -> Summary:
        bs = T16.bitstream
        with ctx.engine.begin() as conn:
            self.check(conn)
            n = int(conn.execute(select(func.count()).select_from(bs)
                                 .where(bs.c.bitstream_format_id.is_not(None))).scalar_one())
            ctx.write(conn, update(bs).values(
                bitstream_format_id=None, format_confidence=None, format_source=None,
                format_basis=None, format_warning=None), label="undefine bitstream formats")
            if inspect(conn).has_table("bsf_upgrade_batch"):
                ctx.write(conn, batches.delete(), label="forget phase 2 plans")
        line = (f"Undo {'dry run: would return' if ctx.dry_run else 'finished:'} {n} converted "
                "bitstreams to an undefined format (the state just before phase 1).")
        ctx.emit(line)
        return Summary(self.key, [line], {"reset": n}, ctx.dry_run)
