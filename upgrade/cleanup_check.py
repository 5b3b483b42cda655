"""``cleanup -c``: find upgradable bitstreams whose asset file is missing or unreadable.

The instructions make phase 2 stop at the first missing asset on purpose; this check finds them
all beforehand. Each one is logged (``Bitstream id=209 has missing or unreadable asset file...
marking it deleted.``) and marked deleted, except with ``-n``. Cost is one ``stat`` and one
``open`` per bitstream, never a read, so it depends on the number of bitstreams, not their size.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select, true, update

from archive.schema import T15
from upgrade.assets import Store, check_readable, open_store
from upgrade.scope import count_upgradable, is_upgradable, stream
from upgrade.step import StepContext, Summary

_FLUSH = 1000


class CleanupCheck:
    key = "cleanup"
    title = "cleanup -c: find (and mark deleted) bitstreams with missing/unreadable assets"
    requires: tuple[str, ...] = ()

    def is_done(self, conn: Connection) -> bool:
        return False  # always worth running again; it changes nothing when all is well

    def check(self, conn: Connection) -> None:
        return None

    def run(self, ctx: StepContext) -> Summary:
        store = open_store(ctx.require_settings())
        bs = T15.bitstream
        ctx.emit("Checking for missing/unreadable files in asset store")
        mark = (update(bs).where(bs.c.bitstream_id == bindparam("b_id"))
                .values(deleted=true()))
        broken: list[dict[str, int]] = []
        found = 0
        with ctx.engine.connect() as conn:
            total = count_upgradable(conn)
        ctx.progress.start("cleanup -c", total)
        query = (select(bs.c.bitstream_id, bs.c.internal_id, bs.c.store_number)
                 .where(is_upgradable(T15)).order_by(bs.c.bitstream_id))
        with ctx.engine.connect() as reader:
            done = 0
            for row in stream(reader, query):
                done += 1
                if done % 1000 == 0:
                    ctx.progress.advance(1000)
                problem = self._problem(store, row.internal_id, row.store_number)
                if problem is None:
                    continue
                found += 1
                action = "not marking it deleted (-n)" if ctx.dry_run else "marking it deleted"
                ctx.log(f"ERROR Bitstream id={row.bitstream_id} has missing or unreadable "
                        f"asset file... {action}. ({problem})")
                broken.append({"b_id": row.bitstream_id})
                if len(broken) >= _FLUSH:
                    self._flush(ctx, mark, broken)
            self._flush(ctx, mark, broken)
            ctx.progress.advance(done % 1000)
        ctx.progress.finish()
        line = f"Found {found} missing/unreadable files in asset store."
        ctx.emit(line)
        return Summary(self.key, [line], {"checked": done, "found": found,
                                          "marked_deleted": 0 if ctx.dry_run else found},
                       ctx.dry_run)

    @staticmethod
    def _problem(store: Store, internal_id: str | None, store_number: int | None) -> str | None:
        if not internal_id:
            return "no internal id"
        try:
            path = store.path(internal_id, store_number)
        except Exception as exc:  # AssetError: outside its store, unknown store number
            return str(exc)
        return check_readable(path)

    @staticmethod
    def _flush(ctx: StepContext, mark: object, broken: list[dict[str, int]]) -> None:
        if not broken:
            return
        with ctx.engine.begin() as conn:
            ctx.write(conn, mark, list(broken), label="mark bitstream deleted")  # type: ignore[arg-type]
        broken.clear()
