"""Phase 2 (``Upgrade15To16 -2``): identify every bitstream phase 1 did not convert.

Work is planned once as id-range batches (``bsf_upgrade_batch``, ``--batch-size`` bitstreams
each) and then claimed batch by batch (see :mod:`upgrade.phase2_batch`); a rerun after a crash
resumes the unfinished plan. Parallelism:

* **PostgreSQL** — ``--workers N`` starts N-1 worker processes beside this one; each claims
  batches with ``FOR UPDATE SKIP LOCKED`` and writes its own results. ``bsf upgrade phase2
  --worker`` joins a running phase 2 from any machine sharing the database and asset store.
* **SQLite** — one writer: ``--workers N`` identifies batches in N worker processes while this
  process writes them in order.

``-n`` (with ``-v``) identifies and prints what it would do without planning or writing
anything. The seed's summary totals the whole plan, including batches done by earlier
(interrupted) runs and by other workers.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select

from archive.db import is_renovated
from archive.formatcache import unknown_format_id
from bsfcore.errors import AssetError, BsfError, StepError
from formats.model import Confidence
from formats.stack import IdentifierStack
from registries.model import RegistrySet
from upgrade.assets import Store, open_store
from upgrade.phase1 import require_phase0
from upgrade.phase2_batch import (
    BatchOutcome,
    FormatIds,
    Result,
    claim_next,
    identify_rows,
    load_rows,
    pipelined_claim_loop,
    write_batch,
)
from upgrade.scope import (
    analyze,
    count_unconverted,
    is_upgradable,
    stream,
    unconverted,
)
from upgrade.state import batches, ensure_state_tables
from upgrade.step import StepContext, Summary

_COUNTS = ("touched", "identified", "old_unknown", "new_unknown")


class Phase2:
    key = "phase2"
    title = "-2: identify every bitstream not yet converted (resumable, parallel)"
    requires: tuple[str, ...] = ("phase0",)

    def is_done(self, conn: Connection) -> bool:
        from upgrade.scope import has_preserved_data

        return is_renovated(conn) and has_preserved_data(conn) and count_unconverted(conn) == 0

    def check(self, conn: Connection) -> None:
        require_phase0(conn, self.key)

    def run(self, ctx: StepContext) -> Summary:
        with ctx.engine.connect() as conn:
            self.check(conn)
        if ctx.worker_only and ctx.engine.dialect.name != "postgresql":
            raise StepError("phase 2 --worker needs PostgreSQL (SQLite has one writer): use "
                            "`bsf upgrade phase2 --workers N` for parallel identification.",
                            step=self.key)
        stack = ctx.identifier_stack()
        store = open_store(ctx.require_settings())
        if ctx.dry_run:
            return self._dry_run(ctx, stack, store)
        ensure_state_tables(ctx.engine)
        with ctx.engine.begin() as conn:
            unknown_id = unknown_format_id(conn)
            if not ctx.worker_only:
                analyze(conn)
        ids = FormatIds(ctx.engine, ctx.registries(), unknown_id)
        plans: list[int] = []
        # A resumed plan may not cover everything (e.g. the undo SQL ran meanwhile): after it,
        # plan again until nothing upgradable is left unconverted.
        while (plan_id := self._plan(ctx)) is not None and plan_id not in plans:
            plans.append(plan_id)
            ctx.progress.start("phase 2", self._left(ctx, plan_id))
            try:
                if ctx.engine.dialect.name == "postgresql":
                    self._run_postgres(ctx, plan_id, stack, store, ids)
                else:
                    self._run_sqlite(ctx, plan_id, stack, store, ids)
            finally:
                ctx.progress.finish()
            if ctx.worker_only:
                break
        if ctx.worker_only:
            line = "Phase 2 worker finished: no batch left to claim."
            ctx.emit(line)
            return Summary(self.key, [line], {}, False)
        with ctx.engine.begin() as conn:
            # Every converted row now has a format: without fresh statistics PostgreSQL plans
            # the report's and the workbench's format filters as if the column were still
            # empty (a web page of one format took 140 ms instead of 2 ms on 100,000 rows).
            analyze(conn)
        return self._summary(ctx, plans)

    # -- planning ------------------------------------------------------------------------
    def _plan(self, ctx: StepContext) -> int | None:
        """The plan to work on: the unfinished one, else a new one over what is unconverted."""
        with ctx.engine.begin() as conn:
            current = conn.execute(select(func.max(batches.c.plan_id))).scalar()
            if current is not None and self._todo(conn, current):
                ctx.log(f"Resuming phase 2 plan {current}: {self._todo(conn, current)} "
                        "batches left.")
                return int(current)
            if ctx.worker_only:
                ctx.log("No unfinished phase 2 plan: nothing for a worker to do (start "
                        "`bsf upgrade phase2` first).")
                return None
            plan_id = int(current or 0) + 1
            bs = batches
            from archive.schema import T16

            ids_query = (select(T16.bitstream.c.bitstream_id)
                         .where(unconverted(), is_upgradable())
                         .order_by(T16.bitstream.c.bitstream_id))
            rows: list[dict[str, Any]] = []
            chunk: list[int] = []
            for (bitstream_id,) in stream(conn, ids_query):
                chunk.append(int(bitstream_id))
                if len(chunk) >= ctx.batch_size:
                    rows.append(self._batch_row(plan_id, chunk))
                    chunk = []
            if chunk:
                rows.append(self._batch_row(plan_id, chunk))
            if not rows:
                return None
            conn.execute(insert(bs), rows)
            ctx.log(f"Phase 2 plan {plan_id}: {sum(r['planned'] for r in rows)} bitstreams in "
                    f"{len(rows)} batches.")
            return plan_id

    @staticmethod
    def _batch_row(plan_id: int, chunk: list[int]) -> dict[str, Any]:
        return {"plan_id": plan_id, "first_id": chunk[0], "last_id": chunk[-1],
                "planned": len(chunk), "status": "todo", "touched": 0, "identified": 0,
                "old_unknown": 0, "new_unknown": 0}

    @staticmethod
    def _todo(conn: Connection, plan_id: int) -> int:
        return int(conn.execute(select(func.count()).select_from(batches).where(
            batches.c.plan_id == plan_id, batches.c.status == "todo")).scalar_one())

    @staticmethod
    def _left(ctx: StepContext, plan_id: int) -> int:
        with ctx.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.sum(batches.c.planned), 0)).where(
                batches.c.plan_id == plan_id, batches.c.status == "todo")).scalar_one())

    # -- PostgreSQL: every process claims and writes ------------------------------------------
    def _run_postgres(self, ctx: StepContext, plan_id: int, stack: IdentifierStack, store: Store,
                      ids: FormatIds) -> None:
        procs: list[Any] = []
        if ctx.workers > 1 and not ctx.worker_only:
            mp = multiprocessing.get_context("spawn")
            url = ctx.engine.url.render_as_string(hide_password=False)
            for _ in range(ctx.workers - 1):
                proc = mp.Process(target=_pg_worker_main,
                                  args=(url, plan_id, stack, store, ids.registries,
                                        ctx.verbose), daemon=True)
                proc.start()
                procs.append(proc)
        try:
            claim_loop(ctx, plan_id, stack, store, ids)
            if not ctx.worker_only:
                # Batches still held by other workers: wait for them (or take them over when a
                # worker dies and its row lock goes away).
                while True:
                    with ctx.engine.connect() as conn:
                        if not self._todo(conn, plan_id):
                            break
                    time.sleep(0.2)
                    claim_loop(ctx, plan_id, stack, store, ids)
        except BaseException:
            # Stop means stop: the workers' open batches roll back and stay to do.
            for proc in procs:
                proc.terminate()
            raise
        finally:
            for proc in procs:
                proc.join()

    # -- SQLite: parallel identification, one writer ------------------------------------------
    def _run_sqlite(self, ctx: StepContext, plan_id: int, stack: IdentifierStack, store: Store,
                    ids: FormatIds) -> None:
        if ctx.workers <= 1:
            claim_loop(ctx, plan_id, stack, store, ids)
            return
        with ctx.engine.connect() as conn:
            todo = conn.execute(select(batches.c.batch_id, batches.c.first_id,
                                       batches.c.last_id)
                                .where(batches.c.plan_id == plan_id, batches.c.status == "todo")
                                .order_by(batches.c.batch_id)).all()
        mp = multiprocessing.get_context("spawn")
        window: deque[tuple[Any, Any]] = deque()
        pending = iter(todo)
        with mp.Pool(ctx.workers, initializer=_pool_init, initargs=(stack, store)) as pool:
            while True:
                while len(window) < 2 * ctx.workers:
                    batch = next(pending, None)
                    if batch is None:
                        break
                    with ctx.engine.connect() as conn:
                        rows = load_rows(conn, batch.first_id, batch.last_id)
                    window.append((batch, pool.apply_async(_pool_identify, (rows,))))
                if not window:
                    break
                batch, future = window.popleft()
                outcome: BatchOutcome = future.get()
                with ctx.engine.begin() as conn:
                    current = conn.execute(select(batches).where(
                        batches.c.batch_id == batch.batch_id)).first()
                    if current is None or current.status != "todo":
                        continue
                    write_batch(ctx, conn, current, outcome, ids)
                _after(ctx, current, outcome)

    # -- dry run --------------------------------------------------------------------------
    def _dry_run(self, ctx: StepContext, stack: IdentifierStack, store: Store) -> Summary:
        from archive.schema import T16

        counts = dict.fromkeys(_COUNTS, 0)
        last = 0
        with ctx.engine.connect() as conn:
            while True:
                ids_page = conn.execute(
                    select(T16.bitstream.c.bitstream_id)
                    .where(T16.bitstream.c.bitstream_id > last, unconverted())
                    .order_by(T16.bitstream.c.bitstream_id).limit(ctx.batch_size)).scalars().all()
                if not ids_page:
                    break
                rows = load_rows(conn, ids_page[0], ids_page[-1])
                last = ids_page[-1]
                outcome = identify_rows(rows, stack, store)
                for result in outcome.results:
                    counts["touched"] += 1
                    counts["identified"] += bool(result.key)
                    counts["new_unknown"] += not result.key
                    counts["old_unknown"] += result.old_unknown
                    ctx.would_write["set bitstream format"] += 1
                    if ctx.verbose:
                        ctx.emit(_verbose_line(result, would=True))
                if outcome.error is not None:
                    raise outcome.error
        return self._lines(ctx, counts, dry_run=True)

    # -- summary --------------------------------------------------------------------------
    def _summary(self, ctx: StepContext, plans: list[int]) -> Summary:
        counts = dict.fromkeys(_COUNTS, 0)
        if plans:
            with ctx.engine.connect() as conn:
                row = conn.execute(select(*(func.coalesce(func.sum(batches.c[c]), 0)
                                            for c in _COUNTS))
                                   .where(batches.c.plan_id.in_(plans))).one()
            counts = {c: int(v) for c, v in zip(_COUNTS, row, strict=True)}
        else:
            ctx.log("Phase 2 has nothing to do: every upgradable bitstream is converted.")
        return self._lines(ctx, counts, dry_run=False)

    def _lines(self, ctx: StepContext, counts: dict[str, int], *, dry_run: bool) -> Summary:
        lines = [
            "Phase Two Summary: Bitstream Formats Guessed:",
            f"Total bitstreams touched = {counts['touched']}",
            f"Automatically identified = {counts['identified']}",
            f'Had old "Unknown" format = {counts["old_unknown"]}',
            f'Converted to new "Unknown" = {counts["new_unknown"]}',
        ]
        if dry_run:
            lines.insert(0, "(dry run: nothing was written)")
        for line in lines:
            ctx.emit(line)
        return Summary(self.key, lines, counts, dry_run)


def claim_loop(ctx: StepContext, plan_id: int, stack: IdentifierStack, store: Store,
               ids: FormatIds) -> int:
    """Claim, identify and write batches until none is left to claim; returns batches done.

    PostgreSQL overlaps each batch's database work with the next batch's identification
    (:func:`upgrade.phase2_batch.pipelined_claim_loop`); SQLite, one writer, does one batch
    after the other.
    """
    if ctx.engine.dialect.name == "postgresql":
        return pipelined_claim_loop(ctx, plan_id, stack, store, ids,
                                    lambda batch, outcome: _after(ctx, batch, outcome))
    done = 0
    while True:
        with ctx.engine.begin() as conn:
            batch = claim_next(conn, plan_id)
            if batch is None:
                return done
            outcome = identify_rows(load_rows(conn, batch.first_id, batch.last_id), stack, store)
            write_batch(ctx, conn, batch, outcome, ids)
        _after(ctx, batch, outcome)
        done += 1


def _after(ctx: StepContext, batch: Row[Any], outcome: BatchOutcome) -> None:
    if ctx.verbose:
        for result in outcome.results:
            ctx.emit(_verbose_line(result, would=False))
    ctx.progress.advance(len(outcome.results))
    if outcome.error is not None:
        raise outcome.error
    if ctx.after_batch is not None:
        ctx.after_batch(int(batch.batch_id))


def _verbose_line(result: Result, *, would: bool) -> str:
    conf = Confidence(result.confidence).name
    target = result.key or "Unknown"
    verb = "would set" if would else "set"
    extra = f" ({result.basis})" if result.basis else ""
    warn = f" [{result.warning}]" if result.warning else ""
    return (f"{verb} bitstream {result.bitstream_id} {result.name!r} -> {target} {conf} "
            f"\"{result.source}\"{extra}{warn}")


# -- worker processes -----------------------------------------------------------------------
_POOL: dict[str, Any] = {}


def _pool_init(stack: IdentifierStack, store: Store) -> None:
    _POOL["stack"], _POOL["store"] = stack, store


def _pool_identify(rows: list[tuple[Any, ...]]) -> BatchOutcome:
    return identify_rows(rows, _POOL["stack"], _POOL["store"])


def _pg_worker_main(url: str, plan_id: int, stack: IdentifierStack, store: Store,
                    registries: RegistrySet, verbose: bool) -> None:
    import sys

    from archive.db import open_engine

    engine = open_engine(url)  # the coordinator checked the archive; start fast
    ctx = StepContext(engine, verbose=verbose, stack=stack, registry_set=registries)
    try:
        with engine.begin() as conn:
            unknown_id = unknown_format_id(conn)
        claim_loop(ctx, plan_id, stack, store, FormatIds(engine, registries, unknown_id))
    except (AssetError, BsfError) as exc:
        sys.stderr.write(f"phase 2 worker: {exc}\n")
        sys.exit(2)
    finally:
        engine.dispose()
