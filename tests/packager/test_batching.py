"""The round-trip savers keep behaviour: batched export reads, the restore's id-free bitmap
and its queued link rows give the same packages and the same ids as one-by-one work."""

from __future__ import annotations

from sqlalchemy import insert, select

from archive.db import sync_sequences
from archive.schema import T16
from packager import reading
from packager.ingest import ingest_aip
from packager.options import Mode
from packager.writing import _IdsAbove
from tests.packager.builder import ADMIN, store_at
from tests.packager.ingest_helpers import export_site, target_archive

T = T16
SKIP = ["skipIfParentMissing=true"]


def test_ids_above_marks_only_what_was_taken() -> None:
    ids = _IdsAbove(10)
    assert not ids.free(3) and not ids.free(10)  # at or below the top: ask the database
    assert ids.free(11) and ids.free(5000)
    ids.add(12)
    ids.add(9000)
    ids.add(4)  # below the top: nothing to remember
    assert not ids.free(12) and not ids.free(9000)
    assert ids.free(11) and ids.free(13) and ids.free(8999) and ids.free(10**6)
    huge = 10 + _IdsAbove.BITMAP_IDS + 5  # beyond the bitmap: a set, no huge allocation
    ids.add(huge)
    assert not ids.free(huge) and ids.free(huge + 1) and ids.free(2**31 - 1)
    assert len(ids.bits) < 4_000  # 9000 ids in bits + slack, not 2 MiB


def test_export_in_small_batches_is_byte_identical(site, monkeypatch) -> None:
    whole = export_site(site.engine, site.store, site.tmp / "whole")
    monkeypatch.setattr(reading, "PREFETCH_ITEMS", 1)
    one = export_site(site.engine, site.store, site.tmp / "one")
    monkeypatch.setattr(reading, "PREFETCH_ITEMS", 2)
    two = export_site(site.engine, site.store, site.tmp / "two")
    assert whole == one == two


def test_restore_over_taken_ids_asks_the_database(site, tmp_path, request) -> None:
    """Ids below the target's highest are checked one by one: free ones are reused, a taken
    one gives a fresh id, and the queued rows all land (the site restores completely)."""
    folder = tmp_path / "aips"
    before = export_site(site.engine, site.store, folder)
    taken = site.built.ids["item1"]
    with target_archive(site.engine, tmp_path, request) as target:
        with target.begin() as conn:  # an orphan item holds item1's id, another a high id
            conn.execute(insert(T.item).values(item_id=taken, in_archive=False,
                                               withdrawn=False))
            conn.execute(insert(T.item).values(item_id=taken + 1000, in_archive=False,
                                               withdrawn=False))
            sync_sequences(conn, T.metadata)  # as in any consistent archive
        store = store_at(tmp_path / "store2")
        result = ingest_aip(target, store, folder / "SITE@123456789-0.zip", mode=Mode.REPLACE,
                            recursive=True, eperson=ADMIN, options=SKIP)
        assert len(result.created) == 8
        with target.connect() as conn:
            ids = {h: i for h, i in conn.execute(
                select(T.handle.c.handle, T.handle.c.resource_id)
                .where(T.handle.c.resource_type_id == 2))}
            mapped = set(conn.execute(select(T.collection2item.c.item_id)).scalars())
            bundles = conn.execute(select(T.item2bundle.c.item_id)).scalars().all()
        handles = site.built.handles
        for label, item_id in site.built.ids.items():
            if label.startswith("item") and label in handles and label != "item1":
                assert ids[handles[label]] == item_id  # free id reused
        assert ids[handles["item1"]] not in (taken, taken + 1000)
        assert set(ids.values()) <= mapped and set(ids.values()) <= set(bundles)
        after = export_site(target, store, tmp_path / "again")
        assert after.keys() == before.keys()
        same = [name for name in before if before[name] == after[name]]
        assert len(same) >= len(before) - 3  # item1 (new id) and the containers listing it
