from sqlalchemy import Engine, insert, select

from archive.db import is_renovated
from archive.schema import META15, META16, T15, T16


def test_15_schema_creates_and_sequences_allocate_ids(engine: Engine) -> None:
    META15.create_all(engine)
    with engine.begin() as conn:
        first = conn.execute(insert(T15.bitstreamformatregistry).values(
            short_description="Unknown", support_level=0, internal=False)).inserted_primary_key[0]
        second = conn.execute(insert(T15.bitstreamformatregistry).values(
            short_description="Text", support_level=1, internal=False)).inserted_primary_key[0]
        assert second > first
        names = conn.execute(select(T15.bitstreamformatregistry.c.short_description)).scalars()
        assert sorted(names) == ["Text", "Unknown"]
    assert not is_renovated(engine)


def test_renovated_schema(engine: Engine) -> None:
    META16.create_all(engine)
    assert is_renovated(engine)
    assert T16.externalidentifier is not None
