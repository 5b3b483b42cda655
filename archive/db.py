"""Engines for the archive database: SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    MetaData,
    Sequence,
    Table,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from bsfcore.errors import DatabaseError


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def open_engine(url: str, *, check: bool = True) -> Engine:
    """An engine for ``url``; with ``check`` the database is contacted once, so an unreachable
    server gives one clear error here rather than a traceback deep inside a step."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError as exc:
        raise DatabaseError(f"malformed database URL {url!r}: {exc}") from None
    kwargs: dict[str, object] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 60}
    try:
        engine = create_engine(parsed, **kwargs)
    except Exception as exc:  # driver missing, bad option
        raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if check:
        try:
            with engine.connect():
                pass
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseError(
                f"cannot connect to database {parsed.render_as_string(hide_password=True)}: "
                f"{reason}") from None
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def has_table(engine: Engine, name: str) -> bool:
    return inspect(engine).has_table(name)


def is_renovated(bind: Engine | Connection) -> bool:
    """True once phase 0 (or ``archive init --renovated``) gave bitstream its format columns."""
    columns = {c["name"] for c in inspect(bind).get_columns("bitstream")}
    return "format_confidence" in columns


def _sequenced_tables(metadata: MetaData) -> list[tuple[str, str, str]]:
    """(table, primary key column, sequence name) for every table whose id has a sequence."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            if isinstance(column.default, Sequence):
                found.append((str(table.name), str(column.name), str(column.default.name)))
    return found


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row a single-row ``insert`` just wrote."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise DatabaseError("the database did not return the id of the inserted row")
    return int(key[0])


def sync_sequences(conn: Connection, metadata: MetaData) -> None:
    """After rows were inserted with explicit ids, move each ``<table>_seq`` past the highest id.

    DSpace allocates ids from these sequences; leaving one behind would make DSpace (or our own
    next insert) collide with a row we wrote. No-op on SQLite, where the row id is the counter.
    """
    if conn.dialect.name != "postgresql":
        return
    for table, column, sequence in _sequenced_tables(metadata):
        # Only ever move forward: never hand out an id DSpace already drew from the sequence.
        conn.execute(text(
            f"SELECT setval('{sequence}', m) FROM (SELECT MAX({column}) AS m FROM {table}) s "
            f"WHERE m IS NOT NULL AND m >= (SELECT CASE WHEN is_called THEN last_value "
            f"ELSE last_value - 1 END FROM {sequence})"))


class IdAllocator:
    """Hands out blocks of fresh primary keys for bulk inserts with explicit ids.

    PostgreSQL: drawn from the table's DSpace sequence (``nextval`` over ``generate_series``), so
    DSpace and concurrent writers stay consistent. SQLite: one writer at a time holds the
    database, so a counter starting after ``MAX(id)`` is safe for the life of the transaction.
    """

    def __init__(self, conn: Connection, table: Table) -> None:
        self._conn = conn
        self._table = table
        column = next(iter(table.primary_key.columns))
        self._postgres = conn.dialect.name == "postgresql"
        default = column.default
        self._sequence = default.name if isinstance(default, Sequence) else None
        self._next = 0
        if not self._postgres or self._sequence is None:
            current = conn.execute(select(func.max(column))).scalar()
            self._next = int(current or 0) + 1

    def block(self, n: int) -> list[int]:
        """``n`` fresh ids, ascending."""
        if n <= 0:
            return []
        if self._postgres and self._sequence is not None:
            rows = self._conn.execute(
                text(f"SELECT nextval('{self._sequence}') FROM generate_series(1, :n)"),
                {"n": n}).scalars().all()
            return sorted(int(r) for r in rows)
        start = self._next
        self._next += n
        return list(range(start, start + n))

    def one(self) -> int:
        return self.block(1)[0]
