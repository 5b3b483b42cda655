"""update_sequences: DSpace's update-sequences.sql, handle suffixes included."""

from __future__ import annotations

from sqlalchemy import insert

from archive.schema import T16
from packager.sequences import update_sequences
from tests.packager.builder import new_archive


def test_sequences_move_past_explicit_ids(engine) -> None:
    new_archive(engine)
    with engine.begin() as conn:
        conn.execute(insert(T16.item).values(item_id=500, in_archive=True, withdrawn=False))
        conn.execute(insert(T16.handle).values(handle_id=3, handle="123456789/777",
                                               resource_type_id=2, resource_id=500))
        values = update_sequences(conn)
    if engine.dialect.name != "postgresql":
        assert values == {}
        return
    assert values["item_seq"] == 501
    assert values["handle_seq"] == 778  # past the highest handle suffix, as DSpace's script
    with engine.begin() as conn:
        new_id = conn.execute(insert(T16.item).values(in_archive=True)).inserted_primary_key[0]
        assert new_id == 501
        again = update_sequences(conn)
        assert again["item_seq"] == 502
