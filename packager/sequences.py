"""Keep DSpace's id sequences ahead of the rows bsf writes (``update-sequences``).

DSpace allocates ids from PostgreSQL sequences named ``<table>_seq``; a restore that inserts
rows with the ids from its AIPs leaves those sequences behind, and DSpace's next insert then
collides ("duplicate key value violates unique constraint"). DSpace ships
``update-sequences.sql`` for that; bsf moves every sequence past the highest id itself after
each ingest and offers the same as ``bsf archive update-sequences``. ``handle_seq`` is special,
as in DSpace's script: new handles are ``<prefix>/<handle_seq>``, so it must also pass the
highest numeric handle suffix. On SQLite the row id is the counter: nothing to do.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, MetaData, Sequence, inspect, text

from archive.schema import META16
from packager.workflow import WORKFLOW_META


def _sequenced(metadata: MetaData) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            if isinstance(column.default, Sequence):
                found.append((table.name, column.name, str(column.default.name)))
    return found


def max_handle_suffix(conn: Connection) -> int:
    best = 0
    for (handle,) in conn.execute(text("SELECT handle FROM handle")):
        suffix = str(handle).rsplit("/", 1)[-1]
        if suffix.isdigit():
            best = max(best, int(suffix))
    return best


def update_sequences(conn: Connection) -> dict[str, int]:
    """Set each existing ``<table>_seq`` so its next value is past every id; returns them."""
    if conn.dialect.name != "postgresql":
        return {}
    inspector = inspect(conn)
    tables = set(inspector.get_table_names())
    sequences = set(inspector.get_sequence_names())
    result: dict[str, int] = {}
    for table, column, sequence in _sequenced(META16) + _sequenced(WORKFLOW_META):
        if table not in tables or sequence not in sequences:
            continue
        top = int(conn.execute(text(f'SELECT COALESCE(MAX("{column}"), 0) FROM "{table}"'))
                  .scalar_one())
        if table == "handle":
            top = max(top, max_handle_suffix(conn))
        current = conn.execute(text(f'SELECT last_value, is_called FROM "{sequence}"')).one()
        floor = int(current.last_value) if current.is_called else int(current.last_value) - 1
        value = max(top, floor)
        if value >= 1:
            conn.execute(text("SELECT setval(:s, :v, true)"), {"s": sequence, "v": value})
        result[sequence] = value + 1
    return result


def update_sequences_engine(engine: Engine) -> dict[str, int]:
    with engine.begin() as conn:
        return update_sequences(conn)


def bump_sequence(conn: Connection, sequence: str, used_id: int) -> None:
    """After inserting ``used_id`` explicitly, make sure ``sequence`` will not hand it out."""
    if conn.dialect.name != "postgresql" or used_id < 1:
        return
    conn.execute(text(f'SELECT setval(:s, GREATEST(:v, (SELECT last_value FROM "{sequence}")),'
                      " true)"), {"s": sequence, "v": used_id})
