import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from archive.assetstore import AssetStore
from archive.demo import build_demo, guess_format_15
from archive.demo.samples import KINDS
from archive.queries import in_archive_bitstreams, upgradable_bitstreams
from archive.schema import T15
from bsfcore.errors import DatabaseError

ITEMS = 30


def _rows(engine: Engine) -> list[tuple]:
    b, f = T15.bitstream, T15.bitstreamformatregistry
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(b.c.bitstream_id, b.c.name, f.c.short_description, b.c.checksum,
                   b.c.size_bytes, b.c.internal_id, b.c.user_format_description, b.c.deleted,
                   b.c.store_number)
            .join(f, f.c.bitstream_format_id == b.c.bitstream_format_id)
            .order_by(b.c.bitstream_id))]


def _items(engine: Engine) -> list[tuple]:
    """Items with last_modified as naive UTC (PostgreSQL returns it zone-aware)."""
    i = T15.item
    with engine.connect() as conn:
        rows = conn.execute(select(i.c.item_id, i.c.last_modified, i.c.in_archive, i.c.withdrawn,
                                   i.c.owning_collection).order_by(i.c.item_id)).all()
    result = []
    for item_id, modified, in_archive, withdrawn, owner in rows:
        assert isinstance(modified, datetime)
        if modified.tzinfo is not None:
            modified = modified.astimezone(UTC).replace(tzinfo=None)
        result.append((item_id, modified, in_archive, withdrawn, owner))
    return result


@pytest.fixture
def demo(engine: Engine, tmp_path: Path):
    store = AssetStore({0: tmp_path / "assetstore"})
    summary = build_demo(engine, store, items=ITEMS, seed=7)
    return engine, store, summary


def test_demo_contents(demo) -> None:
    engine, store, summary = demo
    assert summary.items == ITEMS
    assert summary.kinds == set(KINDS)  # every kind of file, even in a small demo
    assert summary.withdrawn_items >= 1 and summary.workspace_items >= 1
    assert summary.missing_assets >= 2 and summary.deleted_bitstreams >= 1
    assert summary.logos >= 1 and summary.user_format_descriptions >= 1
    rows = _rows(engine)
    assert len(rows) == summary.bitstreams
    by_name = {r[1]: r for r in rows}
    # DSpace 1.5 assignment: by extension, whole name when there is no dot, else Unknown.
    assert by_name["license.txt"][2] == "License"
    assert any(r[2] == "Adobe PDF" and r[1].endswith(".pdf") for r in rows)
    assert any(r[1].endswith(".csv") and r[2] == "Unknown" for r in rows)
    assert any(r[1] == r[1].upper() and "." in r[1] and r[2] != "Unknown" for r in rows)
    assert any(r[1].endswith(".") and r[2] == "Unknown" for r in rows)
    assert any("." not in r[1] and r[2] == "Unknown" and r[6] for r in rows)
    assert all(r[6] is None for r in rows if r[2] != "Unknown")
    missing = 0
    for _id, _name, _fmt, checksum, size, key, _ufd, _deleted, store_number in rows:
        if not store.exists(key, store_number):
            missing += 1
            continue
        data = store.open(key, store_number).read()
        assert len(data) == size and hashlib.md5(data).hexdigest() == checksum
    assert missing == summary.missing_assets
    with engine.connect() as conn:
        archived = conn.execute(select(func.count()).select_from(
            in_archive_bitstreams().subquery())).scalar()
        upgradable = conn.execute(select(func.count()).select_from(
            upgradable_bitstreams().subquery())).scalar()
        handles = conn.execute(select(func.count()).select_from(T15.handle)).scalar()
        assert conn.execute(select(func.count()).select_from(T15.metadatavalue)).scalar() \
            == summary.metadata_values
    assert 0 < archived < upgradable < summary.bitstreams
    expected_handles = 1 + summary.communities + summary.collections + summary.items \
        - summary.workspace_items
    assert handles == expected_handles
    with engine.begin() as conn:  # sequences were moved past the explicit ids
        for table in (T15.bitstream, T15.item, T15.handle, T15.metadatavalue, T15.bundle):
            new_id = conn.execute(insert(table).values()).inserted_primary_key[0]
            assert new_id > max(r[0] for r in conn.execute(
                select(table.primary_key.columns[0]).where(
                    table.primary_key.columns[0] != new_id)))


def test_demo_is_deterministic_and_refuses_a_second_run(demo, tmp_path: Path) -> None:
    engine, _store, _summary = demo
    from archive.db import open_engine

    other = open_engine(f"sqlite:///{tmp_path / 'again.db'}")
    build_demo(other, AssetStore({0: tmp_path / "again"}), items=ITEMS, seed=7)
    assert _rows(other) == _rows(engine)
    assert _items(other) == _items(engine)
    different = open_engine(f"sqlite:///{tmp_path / 'other.db'}")
    build_demo(different, AssetStore({0: tmp_path / "other"}), items=ITEMS, seed=8)
    assert _rows(different) != _rows(engine)
    for e in (other, different):
        e.dispose()
    with pytest.raises(DatabaseError, match="already holds"):
        build_demo(engine, AssetStore({0: tmp_path / "x"}), items=5, seed=1)


def test_guess_format_15_rules() -> None:
    extensions = {"pdf": 3, "txt": 5, "readme": 9}
    assert guess_format_15("Thesis.PDF", extensions) == 3
    assert guess_format_15("archive.tar.gz", extensions) is None
    assert guess_format_15("README", extensions) == 9  # whole name when there is no dot
    assert guess_format_15("notes.", extensions) is None  # trailing dot: no extension
    assert guess_format_15(None, extensions) is None
