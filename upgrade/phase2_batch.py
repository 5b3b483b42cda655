"""Phase 2's unit of work: one batch of bitstreams, identified and written atomically.

A batch is an id range from the plan (``bsf_upgrade_batch``). Processing it:

1. *claim* it inside a transaction — ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
   concurrent workers (processes or machines) never take the same batch, and a worker killed
   with ``kill -9`` drops its row lock with its connection, handing the batch back;
2. *identify* its still-unconverted upgradable bitstreams (no database writes; can run in a
   worker process);
3. *write* every result (``UPDATE ... WHERE bitstream_format_id IS NULL``) and the batch's
   progress record (counts, ``done``) in that same transaction, then commit.

A kill at any point therefore loses at most the uncommitted batch, which the next run redoes;
nothing is written twice. A missing or unreadable asset stops the batch at that bitstream:
the results before it are committed with the batch's counts, the batch stays ``todo`` and the
error names the bitstream.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, select, text, update
from sqlalchemy.exc import IntegrityError

from archive.formatcache import ensure_format
from archive.schema import T16
from bsfcore.errors import AssetError
from bsfcore.runtime import now, worker_name
from formats.model import Confidence, Match, Sample
from formats.stack import IdentifierStack
from registries.model import Format, FormatKey, RegistrySet
from upgrade.assets import Store
from upgrade.scope import PHASE2_SOURCE, is_upgradable, unconverted
from upgrade.state import batches
from upgrade.step import StepContext


@dataclass(frozen=True)
class Result:
    """One bitstream's phase 2 outcome (small and picklable: it crosses process boundaries)."""

    bitstream_id: int
    name: str
    key: str | None
    confidence: int
    source: str
    basis: str
    warning: str
    old_unknown: bool


@dataclass
class BatchOutcome:
    results: list[Result]
    error: AssetError | None = None


def claim_next(conn: Connection, plan_id: int) -> Row[Any] | None:
    """Lock and return the next unfinished batch nobody else holds (inside ``conn``'s txn)."""
    stmt = (select(batches).where(batches.c.plan_id == plan_id, batches.c.status == "todo")
            .order_by(batches.c.batch_id).limit(1))
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return conn.execute(stmt).first()


def load_rows(conn: Connection, first_id: int, last_id: int) -> list[tuple[Any, ...]]:
    """The batch's bitstreams still to convert: id, name, internal id, store, old format name."""
    bs, old_bs = T16.bitstream, T16.bsf15_bitstreamformat
    old_reg = T16.bsf15_bitstreamformatregistry
    assert old_bs is not None and old_reg is not None
    stmt = (select(bs.c.bitstream_id, bs.c.name, bs.c.internal_id, bs.c.store_number,
                   old_reg.c.short_description)
            .select_from(bs.outerjoin(old_bs, old_bs.c.bitstream_id == bs.c.bitstream_id)
                         .outerjoin(old_reg, old_reg.c.bitstream_format_id
                                    == old_bs.c.bitstream_format_id))
            .where(bs.c.bitstream_id.between(first_id, last_id), unconverted(),
                   is_upgradable(first_id=first_id, last_id=last_id))
            .order_by(bs.c.bitstream_id))
    return [tuple(r) for r in conn.execute(stmt)]


def identify_rows(rows: list[tuple[Any, ...]], stack: IdentifierStack,
                  store: Store) -> BatchOutcome:
    """Identify each row in order; stop at the first missing/unreadable asset."""
    results: list[Result] = []
    for bitstream_id, name, internal_id, store_number, old_name in rows:
        try:
            path = store.path(internal_id or "", store_number)
            sample = Sample.from_path(path, name or "")  # a FIFO or device: NotRegularFile
            match: Match = stack.identify(sample)
        except (OSError, AssetError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return BatchOutcome(results, AssetError(
                f"phase 2 stopped: Bitstream id={bitstream_id} has a missing or unreadable "
                f"asset file ({reason}). Everything before it is kept; fix the asset (or run "
                "`bsf cleanup -c`) and run phase 2 again to continue.",
                bitstream_id=bitstream_id, path=str(getattr(exc, "filename", "") or "") or None))
        key = str(match.key) if match.identified and match.key is not None else None
        results.append(Result(
            bitstream_id, name or "", key,
            int(match.confidence) if key else int(Confidence.UNIDENTIFIED),
            PHASE2_SOURCE + match.source, match.basis or "", match.warning or "",
            old_name == "Unknown"))
    return BatchOutcome(results)


class FormatIds:
    """Format key -> ``bitstream_format_id``, ensured in short transactions of their own.

    Only committed ids are cached, so a rolled-back batch never leaves a dangling id behind;
    two workers creating the same format race on the ``externalidentifier`` unique key and the
    loser simply reads the winner's row.
    """

    def __init__(self, engine: Engine, registries: RegistrySet | None, unknown_id: int) -> None:
        self.engine = engine
        self.registries = registries
        self.unknown_id = unknown_id
        self._ids: dict[str, int] = {}

    def resolve(self, keys: set[str]) -> dict[str, int]:
        missing = sorted(k for k in keys if k not in self._ids)
        for attempt in range(5):
            if not missing:
                break
            try:
                with self.engine.begin() as conn:
                    found = {k: ensure_format(conn, self._format(k)) for k in missing}
                self._ids.update(found)
                missing = []
            except IntegrityError:
                if attempt == 4:
                    raise
        return self._ids

    def _format(self, text: str) -> Format:
        key = FormatKey.parse(text)
        fmt = self.registries.get(key) if self.registries is not None else None
        if fmt is None:
            return Format(keys=(key,), name=str(key))
        if fmt.key != key and key not in fmt.keys:
            return Format(keys=(key, *fmt.keys), name=fmt.name, version=fmt.version,
                          mime_type=fmt.mime_type, description=fmt.description,
                          extensions=fmt.extensions, support_level=fmt.support_level,
                          internal=fmt.internal)
        return fmt


_WRITE = (update(T16.bitstream)
          .where(T16.bitstream.c.bitstream_id == bindparam("b_id"),
                 T16.bitstream.c.bitstream_format_id.is_(None))
          .values(bitstream_format_id=bindparam("f_id"), format_confidence=bindparam("conf"),
                  format_source=bindparam("src"), format_basis=bindparam("basis"),
                  format_warning=bindparam("warn")))


#: PostgreSQL: the whole batch in one UPDATE over a JSON document of its rows, with the same
#: ``IS NULL`` guard as ``_WRITE``. Measured per row (10k rows, batches of 500): executemany
#: 14 us client CPU, parallel arrays 6 us, JSON 3 us; one round trip instead of a pipeline.
_WRITE_PG = text(
    "UPDATE bitstream AS b SET bitstream_format_id = v.f_id, format_confidence = v.conf, "
    "format_source = v.src, format_basis = v.basis, format_warning = v.warn "
    "FROM json_to_recordset(CAST(:rows AS json)) AS v(b_id integer, f_id integer, "
    "conf smallint, src text, basis text, warn text) "
    "WHERE b.bitstream_id = v.b_id AND b.bitstream_format_id IS NULL")


def write_batch(ctx: StepContext, conn: Connection, batch: Row[Any], outcome: BatchOutcome,
                ids: FormatIds) -> dict[str, int]:
    """Write ``outcome`` and the batch's progress record on ``conn`` (the claiming txn)."""
    results = outcome.results
    known = ids.resolve({r.key for r in results if r.key})
    params = [{"b_id": r.bitstream_id,
               "f_id": known[r.key] if r.key else ids.unknown_id,
               "conf": r.confidence, "src": r.source[:256], "basis": r.basis or None,
               "warn": r.warning or None} for r in results]
    counts = {"touched": len(results),
              "identified": sum(1 for r in results if r.key),
              "old_unknown": sum(1 for r in results if r.old_unknown),
              "new_unknown": sum(1 for r in results if not r.key)}
    if conn.dialect.name == "postgresql" and params:
        ctx.write(conn, _WRITE_PG, {"rows": json.dumps(params)}, label="set bitstream format")
    else:
        ctx.write(conn, _WRITE, params, label="set bitstream format")
    values: dict[str, Any] = {c: getattr(batches.c, c) + n for c, n in counts.items()}
    values["worker"] = worker_name()
    if outcome.error is None:
        values.update(status="done", done_at=now())
    ctx.write(conn, update(batches).where(batches.c.batch_id == batch.batch_id).values(**values),
              label="batch progress")
    return counts


# -- PostgreSQL: database work overlapped with identification ------------------------------------

@dataclass
class Claimed:
    """A batch claimed in an open transaction, with its rows loaded; nothing written yet."""

    conn: Connection
    txn: Any
    batch: Row[Any]
    rows: list[tuple[Any, ...]]


def _claim(engine: Engine, plan_id: int) -> Claimed | None:
    conn = engine.connect()
    try:
        txn = conn.begin()
        batch = claim_next(conn, plan_id)
        if batch is None:
            txn.rollback()
            conn.close()
            return None
        return Claimed(conn, txn, batch, load_rows(conn, batch.first_id, batch.last_id))
    except BaseException:
        conn.close()  # closing rolls back: the claim goes away with the transaction
        raise


def _commit(ctx: StepContext, claimed: Claimed, outcome: BatchOutcome, ids: FormatIds) -> None:
    try:
        write_batch(ctx, claimed.conn, claimed.batch, outcome, ids)
        claimed.txn.commit()
    finally:
        claimed.conn.close()  # after a failure this rolls the whole batch back


def _discard(claimed: Claimed | None) -> None:
    if claimed is not None:
        claimed.conn.close()  # rollback: the batch stays ``todo`` for the next claim


AfterBatch = Callable[[Row[Any], BatchOutcome], None]


def pipelined_claim_loop(ctx: StepContext, plan_id: int, stack: IdentifierStack, store: Store,
                         ids: FormatIds, after: AfterBatch) -> int:
    """Claim, identify and write batches until none is left; returns batches done.

    The same unit of work as the plain loop (claim ``FOR UPDATE SKIP LOCKED``, results and
    progress record committed in the claiming transaction), but the database work runs on
    one helper thread while this thread identifies: while batch N is identified here, batch
    N-1 is being written and committed and batch N+1 is being claimed and loaded (psycopg
    releases the GIL while it waits for the server). So one process holds at most three
    claims: one committing, one identifying, one prefetched.

    Ordering is kept: batch N is handed to the writer only after batch N-1's commit is
    confirmed and ``after`` ran for it, so a failure (an ``after`` hook raising, a database
    error, a missing asset) stops with every batch before it committed and nothing after it:
    claimed but unwritten batches are rolled back, and stay ``todo`` for the rerun.
    """
    done = 0
    with ThreadPoolExecutor(1, thread_name_prefix="phase2-db") as db:
        ahead: Future[Claimed | None] | None = db.submit(_claim, ctx.engine, plan_id)
        current: Claimed | None = None
        writing: tuple[Future[None], Row[Any], BatchOutcome] | None = None
        try:
            while ahead is not None:
                current, ahead = ahead.result(), None
                if current is None:
                    break
                ahead = db.submit(_claim, ctx.engine, plan_id)
                outcome = identify_rows(current.rows, stack, store)
                ids.resolve({r.key for r in outcome.results if r.key})
                if writing is not None:
                    pending, writing = writing, None
                    _settle(pending, after)
                    done += 1
                claimed, current = current, None
                writing = (db.submit(_commit, ctx, claimed, outcome, ids), claimed.batch,
                           outcome)
                if outcome.error is not None:
                    break
            if writing is not None:
                pending, writing = writing, None
                _settle(pending, after)
                done += 1
        finally:
            if writing is not None:  # failing elsewhere: let an already handed-off commit end
                with contextlib.suppress(BaseException):
                    writing[0].result()
            db.submit(_discard, current)
            if ahead is not None:
                db.submit(_discard_when_claimed, ahead)
    return done


def _settle(pending: tuple[Future[None], Row[Any], BatchOutcome], after: AfterBatch) -> None:
    """Wait until a handed-off batch is committed, then run ``after`` for it."""
    future, batch, outcome = pending
    future.result()
    after(batch, outcome)


def _discard_when_claimed(future: Future[Claimed | None]) -> None:
    """Roll back a prefetched claim (runs on the database thread, after the claim)."""
    try:
        claimed = future.result()
    except BaseException:
        return
    _discard(claimed)
