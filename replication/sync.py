"""``bsf replicate sync``: the replication suite's consumer, without running inside DSpace.

DSpace's sync consumer reacts to events (add/modify -> transmit the AIP, delete -> deletion
record). We have no events, so sync *compares* the archive with the store:

0. **check** (:mod:`.verify`) — compare the registry with the store's listing (sizes,
   recorded checksums, change tokens; with ``verify`` every object re-read): every missing,
   truncated or corrupt replica of a live object is forgotten by the registry, so the plan
   queues it and the work sends it again; a damaged deletion record is written anew;
1. **plan** (:mod:`.plan`) — queue a ``transmit`` task for every live object (or
   ``--handle H`` and its subtree) that may have changed — the SITE (its AIP carries every
   group and person, so it is rebuilt and compared each time), every community and
   collection, and each item whose fingerprint (:mod:`.fingerprint`) differs from its
   replica's — and a ``catalog`` task for every top-most object that has a replica but no
   longer resolves;
2. **work** — claim tasks from the database queue and do them. A transmit task builds the
   object's deterministic AIP and sends it only when its MD5 differs from the replica's, so an
   unchanged archive sends nothing and a workbench change sends exactly the changed items. A
   catalog task writes ``DELETION-RECORD@<handle>.zip`` listing the object and every member
   deleted with it. AIPs are never deleted by sync.

Crash safety: each task's registry update and its ``done`` mark commit together, after the
store write (which is itself atomic). A task interrupted between the two is claimed again; its
rebuilt AIP then matches what the store already holds, so it is recorded, not sent twice.
"""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from archive.queries import normalise_handle, resolve_handle
from archive.schema import ITEM, T15
from bsfcore import __version__
from bsfcore.errors import BsfError
from bsfcore.progress import NO_PROGRESS, Progress
from bsfcore.runtime import now, worker_name
from replication import queue as q
from replication.aip import AipPackager, UnknownObjectError
from replication.deletion import (
    DeletionRecord,
    read_deletion_record,
    write_deletion_record,
)
from replication.fingerprint import global_fingerprint, item_fingerprints
from replication.plan import deletion_roots, gone_replicas, plan, subtree
from replication.store import ObjectStore, StoreConfig, deletion_record_name
from replication.verify import Damage, check_store, record_tokens

T = T15
AGENT = f"bsf {__version__} replicate sync"
#: finished queue rows are kept this long (for status and post-mortems), then purged
DONE_KEPT = timedelta(days=7)

__all__ = ["SyncSummary", "Worker", "plan", "sync"]


@dataclass
class SyncSummary:
    """What one sync did; ``transmitted`` and ``deletion_records`` hold store object names."""

    queued: int = 0
    reclaimed: int = 0
    transmitted: list[str] = field(default_factory=list)
    unchanged: int = 0
    deletion_records: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: replicas found missing, truncated or corrupt before the work (sent again by it)
    damaged: list[Damage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


# -- work ----------------------------------------------------------------------------------------
class Worker:
    """Claims tasks and does them; several may run at once against one database and store."""

    def __init__(self, engine: Engine, store: ObjectStore, config: StoreConfig,
                 packager: AipPackager, *, worker: str | None = None,
                 staging: Path | None = None, listed: set[str] | None = None) -> None:
        self.engine = engine
        #: the AIP names the store listed when this sync began (None: unknown); a name not
        #: among them is sent without asking the store first (one request less per new AIP)
        self.listed = listed
        self.store = store
        self.config = config
        self.packager = packager
        self.worker = worker or worker_name()
        self.staging = staging
        self._work: Path | None = None
        self._global_fp: str | None = None

    def run(self, summary: SyncSummary, *, progress: Progress = NO_PROGRESS,
            handles: list[str] | None = None) -> SyncSummary:
        self._work = Path(tempfile.mkdtemp(prefix="bsf-replicate-", dir=self.staging))
        try:
            return self._loop(summary, progress, handles)
        finally:
            shutil.rmtree(self._work, ignore_errors=True)
            self._work = None

    def _fingerprint(self, handle: str) -> str | None:
        """The item's fingerprint *before* its AIP is built: a change made while building
        leaves a stale fingerprint, so the next sync looks again (never the reverse)."""
        from packager.refs import tables_for

        with self.engine.connect() as conn:
            resolved = resolve_handle(conn, handle)
            if resolved is None or resolved.resource_type_id != ITEM:
                return None
            t = tables_for(conn)
            if self._global_fp is None:
                self._global_fp = global_fingerprint(conn, t, self.packager.context())
            item_id = resolved.resource_id
            return item_fingerprints(conn, t, [item_id], self._global_fp).get(item_id)

    def _loop(self, summary: SyncSummary, progress: Progress,
              handles: list[str] | None) -> SyncSummary:
        while True:
            tasks = q.claim(self.engine, self.worker, limit=4, handles=handles)
            if not tasks:
                return summary
            for task in tasks:
                if not q.renew(self.engine, task, self.worker):
                    continue  # our lease ran out and another worker took it over
                try:
                    if task.action == "transmit":
                        self.transmit(task, summary)
                    elif task.action == "catalog":
                        self.catalog(task, summary)
                    else:
                        raise BsfError(f"unknown queue action {task.action!r}")
                except Exception as exc:  # one bad object must not stop the others
                    message = str(exc) if isinstance(exc, BsfError) else \
                        f"{type(exc).__name__}: {exc}"
                    q.fail(self.engine, task, self.worker, message)
                    summary.failed.append((task.handle, message))
                progress.advance()

    def transmit(self, task: q.Task, summary: SyncSummary) -> None:
        assert self._work is not None
        fingerprint = self._fingerprint(task.handle)
        with tempfile.TemporaryDirectory(prefix="t-", dir=self._work) as tmp:
            try:
                built = self.packager.build(self.engine, task.handle, Path(tmp))
            except UnknownObjectError:
                # deleted since it was queued: the next plan writes its deletion record
                with self.engine.begin() as conn:
                    q.finish(conn, task, self.worker, "gone")
                return
            group, name = self.config.aip_group, built.name
            with self.engine.connect() as conn:
                known = q.replica(conn, group, name)
            send_bytes = False
            token = known.store_token if known is not None else None
            if known is None or known.md5 != built.md5 or known.deletion_record is not None:
                # Changed, new, damaged, or back after a deletion. The store may already hold
                # these exact bytes (sent just before a crash, a restored object, a registry
                # rebuilt from the store): then only the registry is behind and nothing is
                # sent again — but only when the bytes are really there, read back in full.
                present = self.store.stat(group, name) \
                    if self.listed is None or name in self.listed else None
                if present is None or present.size != built.size or \
                        (present.md5 and present.md5 != built.md5) or \
                        self.store.digest(group, name) != built.md5:
                    token = self.store.transfer(group, name, built.path).token
                    send_bytes = True
                else:
                    token = present.token
            with self.engine.begin() as conn:
                q.record_replica(conn, q.Replica(group, name, built.handle, built.type_name,
                                                 built.parent_handle, built.md5, built.size,
                                                 now(), None, fingerprint, token))
                if send_bytes:
                    q.add_event(conn, built.handle, "ingestion" if known is None
                                else "replication", "success", obj=name, agent=AGENT,
                                detail="AIP transmitted to the object store",
                                outcome_detail=f"md5:{built.md5} size:{built.size}")
                q.finish(conn, task, self.worker, "transmitted" if send_bytes else "unchanged")
        if send_bytes:
            summary.transmitted.append(name)
        else:
            summary.unchanged += 1

    def catalog(self, task: q.Task, summary: SyncSummary) -> None:
        group = self.config.delete_group
        name = deletion_record_name(task.handle)
        with self.engine.connect() as conn:
            if resolve_handle(conn, task.handle) is not None:
                outcome = "restored"
            else:
                gone = gone_replicas(conn, self.config.aip_group)
                outcome = "recorded" if task.handle in gone else "nothing"
            replicas = q.replicas_of(conn, task.handle)
        if outcome != "recorded":
            with self.engine.begin() as conn:
                q.finish(conn, task, self.worker, outcome)
            return
        members = deletion_roots(gone).get(task.handle, [])
        types = {}
        with self.engine.connect() as conn:
            for member in members:
                reps = [r for r in q.replicas_of(conn, member) if r.grp == self.config.aip_group]
                if reps:
                    types[member] = reps[0].type_name
        own = [r for r in replicas if r.grp == self.config.aip_group]
        record = DeletionRecord(task.handle, own[0].type_name if own else None,
                                gone.get(task.handle), int(now().timestamp() * 1000),
                                members, types)
        with tempfile.TemporaryDirectory(prefix="c-", dir=self._work) as tmp:
            existing = None
            if self.store.exists(group, name):
                fetched = Path(tmp) / ("old-" + name)
                try:
                    self.store.fetch(group, name, fetched)
                    existing = read_deletion_record(fetched, where=f"{group}/{name}")
                except BsfError:  # damaged: written anew below
                    existing = None
            if existing is not None and set(existing.all_handles()) >= set(record.all_handles()):
                record = existing  # written before a crash: keep it
                sent = None
            else:
                path = write_deletion_record(record, Path(tmp) / name)
                sent = self.store.transfer(group, name, path)
            with self.engine.begin() as conn:
                if sent is not None:
                    q.record_replica(conn, q.Replica(group, name, task.handle, "DELETION-RECORD",
                                                     record.owner_id, sent.md5, sent.size,
                                                     now(), None, None, sent.token))
                q.mark_deleted(conn, self.config.aip_group, record.all_handles(), name)
                q.add_events(conn, record.all_handles(), "deletion", "success", obj=name,
                             agent=AGENT, detail="object deleted from the archive; deletion "
                             "record written, AIP kept",
                             outcome_detail={m: f"member of {task.handle}"
                                             for m in record.members})
                q.finish(conn, task, self.worker, "recorded")
        summary.deletion_records.append(name)


def sync(engine: Engine, store: ObjectStore, config: StoreConfig, packager: AipPackager, *,
         handle: str | None = None, full: bool = False, verify: bool = False,
         workers: int = 1, worker: str | None = None, staging: Path | None = None,
         progress: Progress = NO_PROGRESS,
         on_planned: Callable[[int], None] | None = None) -> SyncSummary:
    """Check the store, plan, then work the queue until it is empty; see the module
    docstring. ``full`` rebuilds every object's AIP instead of trusting unchanged item
    fingerprints; ``verify`` re-reads every stored object instead of trusting unchanged
    change tokens; ``workers`` > 1 forks that many worker processes in all (this one
    included) to share the queue."""
    q.ensure_tables(engine)
    summary = SyncSummary()
    summary.reclaimed = q.reclaim_dead(engine)
    with engine.begin() as conn:
        q.purge_done(conn, DONE_KEPT)
    site = packager.site_handle(engine)
    in_scope: set[str] | None = None
    if handle is not None:
        handle = normalise_handle(handle)
        if handle == site:
            handle = None  # the site is everything
    if handle is not None:
        with engine.connect() as conn:
            known = [o.handle for o in subtree(conn, handle)] or \
                [r.handle for r in q.replicas_of(conn, handle)]
        if not known:
            raise UnknownObjectError(f"handle {handle} is neither in the archive nor in the "
                                     "object store")
        in_scope = set(known) | {handle}
    check = check_store(engine, store, (config.aip_group, config.delete_group), verify=verify,
                        handles=in_scope, progress=progress)
    record_tokens(engine, check)
    summary.damaged = check.damaged
    summary.failed += _forget_damaged(engine, config, check.damaged, site)
    summary.queued, scope, summary.unchanged = plan(engine, config, handle=handle,
                                                    context=packager.context(), full=full,
                                                    site=site if handle is None else None)
    if on_planned is not None:
        on_planned(summary.queued)
    with engine.connect() as conn:
        live = sum(q.queue_counts(conn).get("pending", {}).values())
    progress.start("replicating", live)
    try:
        listed = check.names.get(config.aip_group)
        helpers = _fork_workers(engine, store, config, packager, workers - 1, staging, scope,
                                listed)
        Worker(engine, store, config, packager, worker=worker, staging=staging,
               listed=listed).run(summary, progress=progress, handles=scope)
        for part in _join_workers(helpers):
            summary.transmitted += part.transmitted
            summary.unchanged += part.unchanged
            summary.deletion_records += part.deletion_records
            summary.failed += part.failed
    finally:
        progress.finish()
    return summary


def _forget_damaged(engine: Engine, config: StoreConfig, damaged: list[Damage],
                    site: str | None) -> list[tuple[str, str]]:
    """Make the registry forget damaged replicas of live objects (the plan then queues them
    and the work sends them again) and damaged deletion records (their objects count as not
    yet recorded, so the plan writes the record anew). A damaged AIP of an object no longer
    in the archive cannot be rebuilt: returned as a failure."""
    lost: list[tuple[str, str]] = []
    with engine.begin() as conn:
        for d in damaged:
            if d.group == config.delete_group:
                r = q.REPLICA.c
                covered = [str(h) for h in conn.execute(
                    select(r.handle).where(r.grp == config.aip_group,
                                           r.deletion_record == d.name)).scalars()]
                q.mark_deleted(conn, config.aip_group, covered, None)
                q.forget_replica(conn, d.group, d.name)
                continue
            live = d.handle == site or resolve_handle(conn, d.handle) is not None
            if live:
                q.forget_replica(conn, d.group, d.name)
            else:
                lost.append((d.handle, f"{d.where} is {d.problem} in the store and its object "
                             "is no longer in the archive: it cannot be rebuilt"))
    return lost


def _fork_workers(engine: Engine, store: ObjectStore, config: StoreConfig,
                  packager: AipPackager, count: int, staging: Path | None,
                  scope: list[str] | None, listed: set[str] | None) -> list[tuple[Any, Any]]:
    """Start ``count`` worker processes (fork: they inherit store and packager; each opens its
    own database connections). Each sends its SyncSummary back through a pipe."""
    if count <= 0:
        return []
    ctx = multiprocessing.get_context("fork")
    started = []
    for _ in range(count):
        receiver, sender = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_worker_main,
                              args=(engine, store, config, packager, staging, scope, listed,
                                    sender),
                              daemon=True)
        process.start()
        sender.close()
        started.append((process, receiver))
    return started


def _worker_main(engine: Engine, store: ObjectStore, config: StoreConfig,
                 packager: AipPackager, staging: Path | None, scope: list[str] | None,
                 listed: set[str] | None, sender: Any) -> None:
    engine.dispose(close=False)  # never share the parent's pooled connections
    part = SyncSummary()
    try:
        Worker(engine, store, config, packager, staging=staging, listed=listed).run(
            part, handles=scope)
    except BaseException as exc:  # report, never hang the parent
        part.failed.append(("(worker)", f"{type(exc).__name__}: {exc}"))
    sender.send(part)
    sender.close()


def _join_workers(started: list[tuple[Any, Any]]) -> list[SyncSummary]:
    parts = []
    for process, receiver in started:
        try:
            parts.append(receiver.recv())
        except EOFError:  # the worker died; its claims are reclaimed by the next sync
            parts.append(SyncSummary(failed=[("(worker)", f"worker process {process.pid} "
                                              f"died (exit code {process.exitcode})")]))
        process.join()
    return parts
