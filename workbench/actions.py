"""The BitstreamFormat Workbench: re-identify or set the format of bitstreams, with history.

What the conversion instructions promise: "You can always re-identify the formats of specific
Bitstreams and groups of them with the BitstreamFormat Workbench utility, even after the
conversion is finished." So this works on the renovated model before and after phase 3.

* :func:`reidentify` runs the configured identifier stack again on each selected bitstream.
* :func:`set_format` sets a format by hand (confidence MANUAL, source ``workbench:<user>``).

Both stream the selection in keyed batches (:mod:`workbench.selection`); each batch's
updates and its history rows (:mod:`archive.history`) are written in one transaction, so the
history never disagrees with the bitstream table and an interrupted run keeps every finished
batch. With ``dry_run`` the same work happens inside a transaction that is rolled back, so the
preview is exactly what a real run would write (formats a real run would add to the local cache
appear in the preview, then vanish). Nothing automatic overwrites MANUAL unless ``force``.
A writing run holds the archive lock (:mod:`archive.lock`), so it never interleaves with an
upgrade step or another workbench run; on PostgreSQL each batch's rows are also locked
(``FOR UPDATE``) while they are decided and written.

Both are generators of :class:`Change`: the caller prints, counts or writes CSV as they come.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, bindparam, select, update

from archive.db import is_renovated
from archive.formatcache import ensure_format, find_format_id, format_keys, unknown_format_id
from archive.history import HistoryEntry, ensure_history_table, record
from archive.lock import archive_lock
from archive.schema import T16
from bsfcore.errors import AssetError, BsfError, DatabaseError
from bsfcore.progress import NO_PROGRESS, Progress
from formats.model import Confidence, Match, Sample
from registries.model import FormatKey, RegistrySet
from workbench.selection import Plan, Selection, count, fetch_batch, plan

_BS = T16.bitstream
_REG = T16.bitstreamformatregistry

REIDENTIFY_SOURCE = "Workbench from {identifier}"
SET_SOURCE = "workbench:{user}"
DEFAULT_BATCH = 500

# Change statuses
CHANGED = "changed"
UNCHANGED = "unchanged"
KEPT_MANUAL = "kept-manual"
ERROR = "error"


class Assets(Protocol):
    """Where a bitstream's bytes are (``archive.assetstore.AssetStore`` satisfies it)."""

    def path(self, internal_id: str, store_number: int | None = 0) -> Path: ...


class Stack(Protocol):
    """The identifier stack (``formats.stack.IdentifierStack`` satisfies it)."""

    def identify(self, sample: Sample) -> Match: ...


@dataclass(frozen=True)
class FormatState:
    """A bitstream's format as the renovated model records it."""

    format_id: int | None
    key: str | None
    name: str | None
    confidence: Confidence | None
    source: str | None
    basis: str | None = None
    warning: str | None = None

    @property
    def label(self) -> str:
        if self.format_id is None:
            return "(NONE)"
        return f"{self.name} [{self.key}]" if self.key else str(self.name)


@dataclass(frozen=True)
class Change:
    """What happened (or, in a dry run, would happen) to one bitstream."""

    bitstream_id: int
    name: str | None
    status: str
    old: FormatState
    new: FormatState | None
    message: str = ""

    @property
    def written(self) -> bool:
        return self.status == CHANGED


#: How a command decides one bitstream's change: (connection, row, cache, prepared result).
Decide = Callable[[Connection, Any, "FormatNames", Any], Change]


class FormatNames:
    """Per-run cache of format id -> (canonical key, name) and key -> format id: formats are
    few, bitstreams many, so each is looked up once per run instead of once per bitstream."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[str | None, str | None]] = {}
        self._ids: dict[FormatKey | None, int] = {}

    def resolve(self, conn: Connection, key: FormatKey | None,
                registries: RegistrySet | None) -> int:
        """:func:`resolve_format` (or the Unknown format for None), cached."""
        found = self._ids.get(key)
        if found is None:
            found = (resolve_format(conn, key, registries) if key is not None
                     else unknown_format_id(conn))
            self._ids[key] = found
        return found

    def get(self, conn: Connection, format_id: int | None) -> tuple[str | None, str | None]:
        if format_id is None:
            return None, None
        if format_id not in self._cache:
            keys = format_keys(conn, format_id)
            name = conn.execute(select(_REG.c.short_description)
                                .where(_REG.c.bitstream_format_id == format_id)).scalar()
            self._cache[format_id] = (str(keys[0]) if keys else None, name)
        return self._cache[format_id]

    def forget(self) -> None:
        self._cache.clear()
        self._ids.clear()


def require_renovated(engine: Engine) -> None:
    if not is_renovated(engine):
        raise DatabaseError("the archive is still on the DSpace 1.5 format model: the workbench "
                            "needs phase 0 first (`bsf upgrade phase0` / `Upgrade15To16 -0`)")


def current_state(conn: Connection, row: Any, names: FormatNames) -> FormatState:
    fid = row.bitstream_format_id
    key, name = names.get(conn, fid)
    conf = row.format_confidence
    return FormatState(fid, key, name, Confidence(conf) if conf is not None else None,
                       row.format_source, row.format_basis,
                       row.format_warning)


def resolve_format(conn: Connection, key: FormatKey, registries: RegistrySet | None) -> int:
    """The local format id for ``key``: bound already (canonical or synonym), bound to an
    equivalent key (registry synonyms), or added to the cache from the registries."""
    found = find_format_id(conn, key)
    if found is not None:
        return found
    if registries is not None:
        for other in sorted(registries.equivalent(key) - {key}):
            found = find_format_id(conn, other)
            if found is not None:
                return found
        fmt = registries.get(key)
        if fmt is not None:
            return ensure_format(conn, fmt)
    raise BsfError(f"format {key} is neither in the archive's format cache nor in the "
                   "configured registries")


def open_sample(row: Any, assets: Assets) -> Sample:
    path = assets.path(row.internal_id, row.store_number)
    name = row.name or ""
    try:
        return Sample.from_path(path, name=name)
    except FileNotFoundError:
        raise AssetError(f"asset file {path} is missing",
                         bitstream_id=row.bitstream_id, path=str(path)) from None
    except OSError as exc:
        raise AssetError(f"asset file {path} is unreadable: {exc.strerror}",
                         bitstream_id=row.bitstream_id, path=str(path)) from None


def _conf_int(confidence: Confidence | None) -> int | None:
    return int(confidence) if confidence is not None else None


def _write(conn: Connection, changes: list[Change], user: str, action: str) -> None:
    """One executemany UPDATE and the history rows of the batch's changed bitstreams."""
    written = [(c, c.new) for c in changes if c.status == CHANGED and c.new is not None]
    if not written:
        return
    conn.execute(
        update(_BS).where(_BS.c.bitstream_id == bindparam("b_id")).values(
            bitstream_format_id=bindparam("b_format"),
            format_confidence=bindparam("b_conf"),
            format_source=bindparam("b_source"),
            format_basis=bindparam("b_basis"),
            format_warning=bindparam("b_warning")),
        [{"b_id": c.bitstream_id, "b_format": new.format_id,
          "b_conf": _conf_int(new.confidence), "b_source": (new.source or "")[:256] or None,
          "b_basis": new.basis or None, "b_warning": new.warning or None}
         for c, new in written])
    record(conn, (HistoryEntry(
        bitstream_id=c.bitstream_id, changed_by=user, action=action,
        old_format_id=c.old.format_id, old_format_key=c.old.key, old_format_name=c.old.name,
        old_confidence=_conf_int(c.old.confidence), old_source=c.old.source,
        new_format_id=new.format_id, new_format_key=new.key, new_format_name=new.name,
        new_confidence=_conf_int(new.confidence), new_source=new.source,
        new_basis=new.basis, new_warning=new.warning, note=c.message or None)
        for c, new in written))


#: Called with each written batch's connection and changes inside its transaction, just before
#: the commit (never in a dry run): a caller's own bookkeeping (e.g. the web's job progress)
#: then commits or rolls back together with the batch.
OnBatch = Callable[[Connection, list[Change]], None]


def _run(engine: Engine, selection: Selection, decide: Decide, *, user: str, action: str,
         dry_run: bool, batch_size: int, progress: Progress,
         prepare: Callable[[list[Any]], dict[int, Any]] | None = None,
         start_after: int = 0, on_batch: OnBatch | None = None) -> Iterator[Change]:
    """The batch loop shared by reidentify and set: select, decide, write, yield.

    ``start_after`` skips bitstream ids up to it (resuming an interrupted run)."""
    require_renovated(engine)
    with engine.connect() as conn:
        the_plan: Plan = plan(conn, selection)
        total = count(conn, the_plan)
    if not dry_run:
        with engine.begin() as conn:
            ensure_history_table(conn)
    names = FormatNames()
    with ExitStack() as held:
        if not dry_run:  # never while an upgrade step (or another workbench run) writes
            held.enter_context(archive_lock(engine, f"workbench {action}"))
        yield from _batches(engine, the_plan, decide, names, user=user, action=action,
                            dry_run=dry_run, batch_size=batch_size, total=total,
                            progress=progress, prepare=prepare, after=start_after,
                            on_batch=on_batch)


def _batches(engine: Engine, the_plan: Plan, decide: Decide, names: FormatNames, *, user: str,
             action: str, dry_run: bool, batch_size: int, total: int,
             progress: Progress,
             prepare: Callable[[list[Any]], dict[int, Any]] | None, after: int = 0,
             on_batch: OnBatch | None = None) -> Iterator[Change]:
    progress.start(f"{action} ({'dry run' if dry_run else 'writing'})", total)
    try:
        while True:
            conn = engine.connect()
            trans = conn.begin()
            try:
                rows, last = fetch_batch(conn, the_plan, after, batch_size,
                                         for_update=not dry_run)
                prepared = prepare(rows) if prepare is not None else {}
                changes = [decide(conn, row, names, prepared.get(row.bitstream_id))
                           for row in rows]
                if dry_run:
                    trans.rollback()
                    names.forget()  # ids of formats created in the rolled-back batch are gone
                else:
                    _write(conn, changes, user, action)
                    if on_batch is not None:
                        on_batch(conn, changes)
                    trans.commit()
            except BaseException:
                if trans.is_active:
                    trans.rollback()
                names.forget()
                raise
            finally:
                conn.close()
            yield from changes
            progress.advance(len(rows))
            if last is None:
                break
            after = last
    finally:
        progress.finish()


def reidentify(engine: Engine, selection: Selection, *, stack: Stack, assets: Assets,
               registries: RegistrySet | None, user: str, dry_run: bool = False,
               force: bool = False, batch_size: int = DEFAULT_BATCH, workers: int = 1,
               progress: Progress = NO_PROGRESS, start_after: int = 0,
               on_batch: OnBatch | None = None) -> Iterator[Change]:
    """Re-run the identifier stack on the selected bitstreams (see module doc).

    A bitstream whose asset is missing or unreadable yields an ``error`` change and the run
    goes on: unlike phase 2, the workbench repairs some bitstreams and reports the others.
    With ``workers`` > 1 each batch is identified by a pool of processes
    (:mod:`workbench.parallel`); deciding and writing stay in this process. ``start_after``
    and ``on_batch``: see :func:`_run`.
    """
    from workbench.parallel import BatchIdentifier

    def decide(conn: Connection, row: Any, names: FormatNames, match: object) -> Change:
        old = current_state(conn, row, names)
        bid, name = row.bitstream_id, row.name
        if not isinstance(match, Match):
            return Change(bid, name, ERROR, old, None, str(match))
        try:
            fid = names.resolve(conn, match.key, registries)
        except BsfError as exc:
            return Change(bid, name, ERROR, old, None, str(exc))
        key, fname = names.get(conn, fid)
        new = FormatState(fid, key, fname, match.confidence,
                          REIDENTIFY_SOURCE.format(identifier=match.source),
                          match.basis or None, match.warning or None)
        if old.format_id == new.format_id and old.confidence == new.confidence:
            return Change(bid, name, UNCHANGED, old, new)
        if old.confidence == Confidence.MANUAL:
            if not force:
                return Change(bid, name, KEPT_MANUAL, old, new,
                              "set by hand; use --force to overwrite")
            return Change(bid, name, CHANGED, old, new, "forced over MANUAL")
        return Change(bid, name, CHANGED, old, new)

    def run() -> Iterator[Change]:
        with BatchIdentifier(stack, assets, workers) as identifier:
            yield from _run(engine, selection, decide, user=user, action="reidentify",
                            dry_run=dry_run, batch_size=batch_size, progress=progress,
                            prepare=identifier.identify, start_after=start_after,
                            on_batch=on_batch)

    return run()


def set_format(engine: Engine, selection: Selection, key: FormatKey, *,
               registries: RegistrySet | None, user: str, dry_run: bool = False,
               note: str | None = None, batch_size: int = DEFAULT_BATCH,
               progress: Progress = NO_PROGRESS, start_after: int = 0,
               on_batch: OnBatch | None = None) -> Iterator[Change]:
    """Set ``key``'s format by hand on the selected bitstreams: confidence MANUAL, source
    ``workbench:<user>``. A person's decision replaces an earlier person's (MANUAL over MANUAL
    is allowed; the history keeps both)."""
    source = SET_SOURCE.format(user=user)
    require_renovated(engine)
    with engine.connect() as conn:  # fail before any batch when the key is unknown
        if find_format_id(conn, key) is None and (registries is None
                                                  or registries.get(key) is None):
            raise BsfError(f"format {key} is neither in the archive's format cache nor in the "
                           "configured registries")

    def decide(conn: Connection, row: Any, names: FormatNames, _: object) -> Change:
        old = current_state(conn, row, names)
        fid = names.resolve(conn, key, registries)
        fkey, fname = names.get(conn, fid)
        new = FormatState(fid, fkey, fname, Confidence.MANUAL, source,
                          note or f"set by hand to {key}", None)
        bid, name = row.bitstream_id, row.name
        if old.format_id == fid and old.confidence == Confidence.MANUAL:
            return Change(bid, name, UNCHANGED, old, replace(new, source=old.source))
        return Change(bid, name, CHANGED, old, new, note or "")

    return _run(engine, selection, decide, user=user, action="set", dry_run=dry_run,
                batch_size=batch_size, progress=progress, start_after=start_after,
                on_batch=on_batch)
