"""Sync: exactly the changed objects are sent, deletions get one record, crashes resume."""

from __future__ import annotations

import multiprocessing
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select, update

from archive.delete import delete_object
from archive.schema import T16 as T
from formats.model import Confidence
from replication import queue as q
from replication.deletion import read_deletion_record
from replication.store import LocalObjectStore, StoreConfig, StoredObject
from replication.sync import Worker, plan, sync
from tests.replication.builder import SmallArchive
from tests.replication.fakes import RowsPackager

ALL = 8  # 1 community, 2 collections, 5 items


class CountingStore(LocalObjectStore):
    def __init__(self, root: Path, crash_after: int | None = None) -> None:
        super().__init__(root)
        self.sent: list[str] = []
        self.crash_after = crash_after

    def transfer(self, group: str, name: str, source: Path) -> StoredObject:
        stored = super().transfer(group, name, source)
        self.sent.append(name)
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            os._exit(3)  # a hard crash: no cleanup, no rollback handlers
        return stored


def _set_manual(engine: Engine, bitstream_id: int) -> None:
    """A workbench change: ``bsf workbench set`` through its library call."""
    from registries.model import FormatKey
    from workbench.actions import set_format
    from workbench.selection import Selection

    changes = list(set_format(engine, Selection(ids=(bitstream_id,)),
                              FormatKey("PRONOM", "x-fmt/111"), registries=None, user="tester"))
    assert [c.bitstream_id for c in changes] == [bitstream_id]
    with engine.connect() as conn:
        assert conn.execute(select(T.bitstream.c.format_confidence)
                            .where(T.bitstream.c.bitstream_id == bitstream_id)
                            ).scalar() == int(Confidence.MANUAL)


def test_sync_sends_exactly_the_changed_items(engine: Engine, small: SmallArchive,
                                              store_config: StoreConfig) -> None:
    store = CountingStore(store_config.store_dir)
    # --handle limits the sync: Beta, its items /7 /8 and the mapped item /6
    part = sync(engine, store, store_config, RowsPackager(), handle=small.beta)
    assert sorted(part.transmitted) == ["COLLECTION@123456789-3.zip", "ITEM@123456789-6.zip",
                                        "ITEM@123456789-7.zip", "ITEM@123456789-8.zip"]
    store.sent.clear()
    first = sync(engine, store, store_config, RowsPackager())
    assert first.ok and len(first.transmitted) == ALL - 4 and first.unchanged == 4
    assert sorted(store.sent) == sorted(first.transmitted)
    assert "ITEM@123456789-4.zip" in first.transmitted and "ITEM@123456789-6.zip" not in \
        first.transmitted
    again = sync(engine, store, store_config, RowsPackager())
    assert again.transmitted == [] and again.unchanged == ALL
    # a workbench-like change of two bitstreams of two items
    _set_manual(engine, small.bitstreams[small.items[1]][0])
    _set_manual(engine, small.bitstreams[small.items[3]][1])
    store.sent.clear()
    changed = sync(engine, store, store_config, RowsPackager())
    assert sorted(changed.transmitted) == ["ITEM@123456789-5.zip", "ITEM@123456789-7.zip"]
    assert sorted(store.sent) == sorted(changed.transmitted)
    assert changed.unchanged == ALL - 2
    with engine.connect() as conn:
        events = q.events_of(conn, small.items[1])
    assert [e["event_type"] for e in events] == ["ingestion", "replication"]


def test_deleting_a_collection_writes_one_record(engine: Engine, small: SmallArchive,
                                                 store_config: StoreConfig) -> None:
    store = CountingStore(store_config.store_dir)
    sync(engine, store, store_config, RowsPackager())
    aips_before = set(store.names(store_config.aip_group))
    delete_object(engine, small.alpha)
    result = sync(engine, store, store_config, RowsPackager())
    assert result.ok
    assert result.deletion_records == ["DELETION-RECORD@123456789-2.zip"]
    assert store.names(store_config.delete_group) == ["DELETION-RECORD@123456789-2.zip"]
    # sync never deletes AIPs
    assert set(store.names(store_config.aip_group)) == aips_before
    fetched = store_config.store_dir.parent / "rec.zip"
    store.fetch(store_config.delete_group, "DELETION-RECORD@123456789-2.zip", fetched)
    record = read_deletion_record(fetched)
    assert record.object_id == small.alpha and record.object_type == "COLLECTION"
    assert record.owner_id == small.community
    assert sorted(record.members) == sorted(small.alpha_items[:2])  # /6 lives on in Beta
    assert record.member_types == {h: "ITEM" for h in small.alpha_items[:2]}
    # the next sync writes nothing new
    later = sync(engine, store, store_config, RowsPackager())
    assert later.deletion_records == [] and later.transmitted == []


def test_deleting_an_item_of_a_deleted_collection_is_one_record(
        engine: Engine, small: SmallArchive, store_config: StoreConfig) -> None:
    store = CountingStore(store_config.store_dir)
    sync(engine, store, store_config, RowsPackager())
    delete_object(engine, small.community)
    result = sync(engine, store, store_config, RowsPackager())
    assert result.deletion_records == ["DELETION-RECORD@123456789-1.zip"]
    fetched = store_config.store_dir.parent / "rec.zip"
    store.fetch(store_config.delete_group, result.deletion_records[0], fetched)
    record = read_deletion_record(fetched)
    assert set(record.members) == {small.alpha, small.beta, *small.items}
    # parents before children
    assert record.members.index(small.alpha) < record.members.index(small.alpha_items[0])


def _crashing_child(db_url: str, root: str, config: StoreConfig) -> None:
    from archive.db import open_engine

    engine = open_engine(db_url)
    store = CountingStore(Path(root), crash_after=3)
    sync(engine, store, config, RowsPackager())
    os._exit(0)  # not reached


def test_crash_in_the_middle_resumes_without_duplicates(
        engine: Engine, db_url: str, small: SmallArchive, store_config: StoreConfig) -> None:
    engine.dispose()
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=_crashing_child,
                        args=(db_url, str(store_config.store_dir), store_config))
    child.start()
    child.join(60)
    assert child.exitcode == 3
    with engine.connect() as conn:
        states = q.queue_counts(conn)
    # the task the crash interrupted, and any claimed with it but not started
    stranded = states.get("running", {}).get("transmit", 0)
    assert stranded >= 1
    crashed_names = set(LocalObjectStore(store_config.store_dir).names(store_config.aip_group))
    assert len(crashed_names) == 3
    store = CountingStore(store_config.store_dir)
    resumed = sync(engine, store, store_config, RowsPackager())
    assert resumed.ok and resumed.reclaimed == stranded
    assert len(resumed.transmitted) == ALL - 3
    assert not set(store.sent) & crashed_names  # nothing sent twice
    # the two finished before the crash, and the interrupted one: its bytes were already stored
    assert resumed.unchanged == 3
    with engine.connect() as conn:
        live = conn.execute(select(func.count()).select_from(q.QUEUE)
                            .where(q.QUEUE.c.state.in_(q.LIVE))).scalar()
        per_handle = conn.execute(select(q.QUEUE.c.handle, func.count())
                                  .where(q.QUEUE.c.outcome == "transmitted")
                                  .group_by(q.QUEUE.c.handle)).all()
        registry = conn.execute(select(func.count()).select_from(q.REPLICA)).scalar()
    assert live == 0 and all(n == 1 for _h, n in per_handle) and len(per_handle) == ALL - 1
    assert registry == ALL


def test_two_workers_share_the_queue(engine: Engine, small: SmallArchive,
                                     store_config: StoreConfig) -> None:
    q.ensure_tables(engine)
    queued, _, _ = plan(engine, store_config)
    assert queued == ALL
    assert plan(engine, store_config)[0] == 0  # planning again queues nothing twice
    store = CountingStore(store_config.store_dir)
    packagers = [RowsPackager(), RowsPackager()]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        from replication.sync import SyncSummary

        try:
            Worker(engine, store, store_config, packagers[n], worker=f"test:w{n}").run(
                SyncSummary())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    built = packagers[0].builds + packagers[1].builds
    assert sorted(built) == sorted(set(built)) and len(built) == ALL
    assert sorted(store.sent) == sorted(set(store.sent)) and len(store.sent) == ALL


def test_real_aips_only_changed_items_are_sent(engine: Engine, small: SmallArchive,
                                               store_config: StoreConfig, tmp_path: Path) -> None:
    """The same with the METS packager: its AIPs are deterministic, so an unchanged archive
    sends nothing and a format change re-sends that item's AIP alone."""
    from archive.assetstore import AssetStore
    from replication.aip import DSpaceAipPackager

    packager = DSpaceAipPackager(AssetStore({0: tmp_path / "assetstore"}),
                                 export_options={"validate": "false"})
    store = CountingStore(store_config.store_dir)
    first = sync(engine, store, store_config, packager).transmitted
    assert len(first) == ALL + 1 and "SITE@123456789-0.zip" in first  # the SITE AIP too
    assert sync(engine, store, store_config, packager).transmitted == []
    _set_manual(engine, small.bitstreams[small.items[2]][0])
    changed = sync(engine, store, store_config, packager)
    assert changed.transmitted == ["ITEM@123456789-6.zip"]


def test_fingerprints_skip_unchanged_items_but_see_every_change(
        engine: Engine, small: SmallArchive, store_config: StoreConfig) -> None:
    store = CountingStore(store_config.store_dir)
    sync(engine, store, store_config, RowsPackager())
    packager = RowsPackager()
    sync(engine, store, store_config, packager)
    assert sorted(packager.builds) == sorted([small.community, small.alpha, small.beta])
    # a metadata change is seen although RowsPackager's AIP shows it too: compare by build
    with engine.begin() as conn:
        conn.execute(update(T.metadatavalue)
                     .where(T.metadatavalue.c.item_id == small.item_ids[small.items[4]])
                     .values(text_value="A new title"))
    packager = RowsPackager()
    result = sync(engine, store, store_config, packager)
    assert small.items[4] in packager.builds and result.transmitted == ["ITEM@123456789-8.zip"]
    # a login (DSpace rewrites eperson.last_active) changes no AIP and queues no item...
    with engine.begin() as conn:
        conn.execute(update(T.eperson).values(last_active=datetime.now(UTC)))
    packager = RowsPackager()
    sync(engine, store, store_config, packager)
    assert not set(small.items) & set(packager.builds)
    # ...but a new email of the submitter, which item AIPs show, queues every item
    with engine.begin() as conn:
        conn.execute(update(T.eperson).values(email="curator@example.org"))
    packager = RowsPackager()
    sync(engine, store, store_config, packager)
    assert set(small.items) <= set(packager.builds)
    # a registry-wide change (a format renamed) makes every item a candidate again
    with engine.begin() as conn:
        conn.execute(update(T.bitstreamformatregistry)
                     .where(T.bitstreamformatregistry.c.mimetype == "text/plain")
                     .values(short_description="Plain text (renamed)"))
    packager = RowsPackager()
    sync(engine, store, store_config, packager)
    assert set(small.items) <= set(packager.builds)
    # --full rebuilds everything and finds nothing to send
    packager = RowsPackager()
    full = sync(engine, store, store_config, packager, full=True)
    assert len(packager.builds) == ALL and full.transmitted == [] and full.unchanged == ALL


def test_worker_processes_share_the_queue(engine: Engine, small: SmallArchive,
                                          store_config: StoreConfig) -> None:
    store = LocalObjectStore(store_config.store_dir)
    result = sync(engine, store, store_config, RowsPackager(), workers=3)
    assert result.ok
    assert sorted(result.transmitted) == sorted(set(result.transmitted))
    assert len(result.transmitted) == ALL == len(store.names(store_config.aip_group))
    with engine.connect() as conn:
        rows = conn.execute(select(q.QUEUE.c.handle, q.QUEUE.c.state, q.QUEUE.c.worker)).all()
    assert len(rows) == ALL and {r.state for r in rows} == {"done"}
