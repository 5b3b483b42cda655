"""Engines for the archive database: SQLite (embedded default) and PostgreSQL (production).

Every way a database can fail is one line for the operator (:func:`open_engine` refuses bad
URLs, missing or empty databases before anything is created; :func:`database_error` turns
what the driver raises later — a read-only file, a constraint, a value too long — into a
:class:`~bsfcore.errors.DatabaseError`; the CLI prints it, ``--debug`` shows the traceback).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

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
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    DBAPIError,
    IntegrityError,
    NoSuchColumnError,
    NoSuchTableError,
    SQLAlchemyError,
)

from bsfcore.errors import DatabaseError


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


#: a table every DSpace archive (1.5 or renovated) has
ARCHIVE_TABLE = "bitstream"


def parse_url(url: str) -> URL:
    """The SQLAlchemy URL of ``url``; a malformed one (bad port, no dialect) is one line."""
    try:
        parsed = make_url(normalise_url(url))
        parsed.port  # noqa: B018 - a port that is not a number raises here
    except (ArgumentError, ValueError, TypeError) as exc:
        raise DatabaseError(f"malformed database URL {url!r}: {exc}") from None
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names (``file:`` URIs included), None for in-memory ones."""
    database = url.database or ""
    if url.query.get("uri") in ("true", "1") or database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
    if not database or database == ":memory:" or database.startswith(":memory:") \
            or url.query.get("mode") == "memory":
        return None
    return Path(database)


def _describe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _check_sqlite_file(url: URL) -> None:
    """Refuse a SQLite URL whose file is missing, empty or holds no archive, reading it
    read-only and without creating anything (no database, no lock, no journal)."""
    path = sqlite_file(url)
    if path is None:
        raise DatabaseError(f"{_describe(url)} is an in-memory database: it holds no archive")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DatabaseError(f"database file {path} does not exist (check --db or db.url; "
                            "`bsf archive init` creates a new archive)") from None
    except OSError as exc:
        raise DatabaseError(f"cannot use database file {path}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise DatabaseError(f"database file {path} is not a regular file")
    if st.st_size == 0:
        raise DatabaseError(f"database file {path} is empty: it holds no archive (`bsf "
                            "archive init` creates one)")
    # Without a -wal file the main file is all there is: read it as immutable, which creates
    # no -wal/-shm either. With one, another connection may be at work: a plain read-only open.
    wal = Path(f"{path}-wal").exists()
    options = "mode=ro" if wal else "mode=ro&immutable=1"
    try:
        raw = sqlite3.connect(f"file:{quote(os.fspath(path))}?{options}", uri=True, timeout=60)
        try:
            found = raw.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                (ARCHIVE_TABLE,)).fetchone()
        finally:
            raw.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot read database file {path}: {exc}") from None
    if found is None:
        raise DatabaseError(f"database file {path} holds no DSpace archive (no "
                            f"{ARCHIVE_TABLE} table)")


def open_engine(url: str, *, check: bool = True, existing: bool = False) -> Engine:
    """An engine for ``url``; with ``check`` the database is contacted once, so an unreachable
    server gives one clear error here rather than a traceback deep inside a step.

    ``existing``: the database must already hold an archive (every command but the ones that
    create one). A missing or empty SQLite file is refused before it is opened, so nothing
    is created; an empty PostgreSQL database is refused after connecting."""
    parsed = parse_url(url)
    kwargs: dict[str, object] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 60}
    try:
        engine = create_engine(parsed, **kwargs)  # (SQLite: no file is touched yet)
    except Exception as exc:  # driver missing, bad option
        raise DatabaseError(f"cannot use database URL {_describe(parsed)}: {exc}") from None
    if existing and engine.dialect.name == "sqlite":
        _check_sqlite_file(parsed)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if check or existing:
        try:
            with engine.connect() as conn:
                if existing and not inspect(conn).has_table(ARCHIVE_TABLE):
                    raise DatabaseError(f"database {_describe(parsed)} holds no DSpace archive "
                                        f"(no {ARCHIVE_TABLE} table; `bsf archive init` "
                                        "creates one)")
        except DBAPIError as exc:
            raise DatabaseError(f"cannot connect to database {_describe(parsed)}: "
                                f"{_first_line(exc)}") from None
        except (ValueError, TypeError) as exc:  # e.g. a port out of range, found on connect
            raise DatabaseError(f"cannot connect to database {_describe(parsed)}: {exc}") \
                from None
    return engine


def require_writable(engine: Engine) -> None:
    """Refuse, before anything is locked or written, a SQLite archive this process cannot
    write: a read-only file (``chmod 444``), a read-only folder for its journal, or a
    ``mode=ro`` URI. (PostgreSQL says so at the first write; :func:`database_error`.)"""
    if engine.dialect.name != "sqlite":
        return
    path = sqlite_file(engine.url)
    if path is None:
        return
    if engine.url.query.get("mode") == "ro" or "mode=ro" in (engine.url.database or ""):
        reason = "opened with mode=ro"
    elif path.exists() and not os.access(path, os.W_OK):
        reason = f"{path} is not writable"
    elif not os.access(path.parent if str(path.parent) else Path("."), os.W_OK | os.X_OK):
        reason = f"its folder {path.parent} is not writable (SQLite needs it for the journal)"
    else:
        return
    raise DatabaseError(f"the database is read-only ({reason}); nothing was changed")


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def database_error(exc: SQLAlchemyError) -> DatabaseError:
    """One line for what the database refused (the CLI prints it instead of a traceback)."""
    reason = _first_line(exc)
    lowered = reason.lower()
    if "readonly database" in lowered or "read-only" in lowered or "read only" in lowered:
        return DatabaseError(f"the database is read-only ({reason}); nothing was changed")
    if "database is locked" in lowered:
        return DatabaseError(f"the database is locked by another process ({reason}); try "
                             "again when it is done")
    if "unable to open database file" in lowered:
        return DatabaseError(f"cannot open the database file ({reason}): check the path and "
                             "the folder's permissions")
    if isinstance(exc, IntegrityError):
        return DatabaseError(f"the database refused the change, a constraint was violated "
                             f"({reason}); nothing was changed")
    if isinstance(exc, DataError):
        return DatabaseError(f"the database refused a value, too long or malformed for its "
                             f"column ({reason}); nothing was changed")
    if isinstance(exc, NoSuchTableError | NoSuchColumnError):
        return DatabaseError(f"the database lacks {type(exc).__name__[6:-5].lower()} "
                             f"{reason}: is it a DSpace archive?")
    if "permission denied" in lowered:
        return DatabaseError(f"the database refused access ({reason})")
    return DatabaseError(f"database error ({type(exc).__name__}): {reason}")


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


def analyze_tables(conn: Connection, names: Iterable[str]) -> None:
    """Refresh PostgreSQL's planner statistics of the named tables that exist (after a bulk
    change: without them a filter on a rewritten column is planned as if it were empty).
    No-op on SQLite, whose planner needs none of this."""
    if conn.dialect.name != "postgresql":
        return
    existing = set(inspect(conn).get_table_names())
    wanted = [n for n in names if n in existing]
    if wanted:
        conn.exec_driver_sql("ANALYZE " + ", ".join(wanted))


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
