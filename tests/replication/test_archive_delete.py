"""``archive.delete`` removes objects the way DSpace does; both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from archive.delete import UnknownHandleError, delete_object
from archive.queries import resolve_handle
from archive.schema import T16 as T
from tests.replication.builder import SmallArchive


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_delete_collection(engine: Engine, small: SmallArchive) -> None:
    with pytest.raises(UnknownHandleError, match="123456789/999"):
        delete_object(engine, "123456789/999")
    assert _count(engine, T.item) == 5
    result = delete_object(engine, small.alpha)
    # /6 is still mapped into Beta: it survives, with Beta as its new owner
    assert result.handles == [small.alpha, small.alpha_items[0], small.alpha_items[1]]
    assert result.root.type_name == "COLLECTION" and result.root.parent_handle == small.community
    assert result.bitstreams_marked == 4
    with engine.connect() as conn:
        assert resolve_handle(conn, small.alpha) is None
        for handle in small.alpha_items[:2]:
            assert resolve_handle(conn, handle) is None
        survivor = small.item_ids[small.alpha_items[2]]
        assert resolve_handle(conn, small.alpha_items[2]) == (2, survivor)
        beta = resolve_handle(conn, small.beta)
        assert beta is not None
        owner = conn.execute(select(T.item.c.owning_collection)
                             .where(T.item.c.item_id == survivor)).scalar()
        assert owner == beta[1]
        deleted = {b.bitstream_id: b.deleted for b in conn.execute(select(T.bitstream))}
        for handle in small.items:
            gone = handle in small.alpha_items[:2]
            assert all(deleted[b] is gone for b in small.bitstreams[handle])
        # metadata and bundles of deleted items are gone; rows of survivors stay
        remaining = conn.execute(select(T.metadatavalue.c.item_id)).scalars().all()
        assert small.item_ids[small.alpha_items[0]] not in remaining
    assert _count(engine, T.item) == 3
    assert _count(engine, T.bundle) == 3
    assert _count(engine, T.collection) == 1


def test_delete_community_deletes_everything_below(engine: Engine, small: SmallArchive) -> None:
    result = delete_object(engine, small.community)
    assert result.handles[0] == small.community
    assert set(result.handles) == {small.community, small.alpha, small.beta, *small.items}
    assert _count(engine, T.item) == 0 and _count(engine, T.community) == 0
    assert _count(engine, T.collection2item) == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(T.bitstream)
                            .where(T.bitstream.c.deleted.is_(False))).scalar() == 0
