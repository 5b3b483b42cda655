import pytest
from sqlalchemy import Engine, func, insert, select

from archive.db import IdAllocator, is_renovated
from archive.init import default_formats_15, init_archive
from archive.queries import (
    handle_of,
    in_archive_bitstreams,
    resolve_handle,
    upgradable_bitstreams,
)
from archive.schema import BITSTREAM, ITEM, SITE, T15, T16
from bsfcore.errors import DatabaseError


def test_default_registry_facts() -> None:
    formats = default_formats_15()
    assert len(formats) == 73
    assert sum(len(f.extensions) for f in formats) == 89
    by_name = {f.short_description: f for f in formats}
    assert by_name["Unknown"].support_level == 0
    assert [f.short_description for f in formats if f.internal] == ["License"]
    assert by_name["image/png"].extensions == ("png",)
    assert by_name["Adobe PDF"].description == "Adobe Portable Document Format"
    exts = [e for f in formats for e in f.extensions]
    assert len(exts) == len(set(exts))


def test_init_15(engine: Engine) -> None:
    t = init_archive(engine, admin_email="admin@example.org")
    assert not is_renovated(engine)
    with engine.begin() as conn:
        def count(table):
            return conn.execute(select(func.count()).select_from(table)).scalar()

        assert count(t.bitstreamformatregistry) == 73
        assert count(t.fileextension) == 89
        assert resolve_handle(conn, "123456789/0") == (SITE, 0)
        assert resolve_handle(conn, "hdl:123456789/0") == (SITE, 0)
        assert handle_of(conn, SITE, 0) == "123456789/0"
        assert resolve_handle(conn, "123456789/999") is None
        groups = dict(conn.execute(
            select(t.epersongroup.c.eperson_group_id, t.epersongroup.c.name)).all())
        assert groups == {0: "Anonymous", 1: "Administrator"}
        # sequences continue after explicit ids: a plain insert must not collide
        new_id = conn.execute(insert(t.epersongroup).values(name="Editors")).inserted_primary_key[0]
        assert new_id > 1
        ids = IdAllocator(conn, t.bitstream).block(3)
        assert len(set(ids)) == 3
    with pytest.raises(DatabaseError, match="already holds an archive"):
        init_archive(engine)


def test_init_renovated(engine: Engine) -> None:
    t = init_archive(engine, renovated=True)
    assert is_renovated(engine)
    assert t is T16
    with engine.connect() as conn:
        emails = conn.execute(select(T16.eperson.c.email)).scalars().all()
        assert emails == ["admin@localhost"]
        reg = T16.bitstreamformatregistry
        names = conn.execute(select(reg.c.short_description)).scalars().all()
        assert names == ["Unknown"]


def _bitstream(conn, deleted: bool = False) -> int:
    return conn.execute(insert(T15.bitstream).values(
        name="x.txt", deleted=deleted, internal_id="1" * 38, store_number=0)
    ).inserted_primary_key[0]


def _item_with(conn, bitstream_id: int, *, in_archive: bool, withdrawn: bool = False) -> int:
    item = conn.execute(insert(T15.item).values(
        in_archive=in_archive, withdrawn=withdrawn)).inserted_primary_key[0]
    bundle = conn.execute(insert(T15.bundle).values(name="ORIGINAL")).inserted_primary_key[0]
    conn.execute(insert(T15.item2bundle).values(item_id=item, bundle_id=bundle))
    conn.execute(insert(T15.bundle2bitstream).values(bundle_id=bundle, bitstream_id=bitstream_id))
    return item


def test_in_archive_and_upgradable(engine: Engine) -> None:
    init_archive(engine)
    with engine.begin() as conn:
        archived = _bitstream(conn)
        _item_with(conn, archived, in_archive=True)
        deleted = _bitstream(conn, deleted=True)
        _item_with(conn, deleted, in_archive=True)
        withdrawn = _bitstream(conn)
        _item_with(conn, withdrawn, in_archive=False, withdrawn=True)
        wip = _bitstream(conn)
        wip_item = _item_with(conn, wip, in_archive=False)
        conn.execute(insert(T15.workspaceitem).values(item_id=wip_item, stage_reached=1))
        rejected = _bitstream(conn)
        _item_with(conn, rejected, in_archive=False)
        logo = _bitstream(conn)
        conn.execute(insert(T15.community).values(name="C", logo_bitstream_id=logo))
        orphan = _bitstream(conn)
        conn.execute(insert(T15.handle).values(
            handle="123456789/7", resource_type_id=ITEM, resource_id=3))

        def ids(query):
            return sorted(r.bitstream_id for r in conn.execute(query))

        assert ids(in_archive_bitstreams()) == [archived, logo]
        assert ids(in_archive_bitstreams(include_withdrawn=True)) == [archived, withdrawn, logo]
        assert ids(upgradable_bitstreams()) == [archived, withdrawn, wip, logo]
        batch = upgradable_bitstreams().where(T15.bitstream.c.bitstream_id > archived) \
            .order_by(T15.bitstream.c.bitstream_id).limit(2)
        assert ids(batch) == [withdrawn, wip]
        assert orphan not in ids(upgradable_bitstreams())
        assert handle_of(conn, ITEM, 3) == "123456789/7"
        assert handle_of(conn, BITSTREAM, 3) is None
