"""Every database failure is one `error:` line (``--debug``: the traceback), and a command that
only reads never creates a database or lock file where none existed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

import upgrade.runner
from archive.db import database_error, open_engine
from archive.schema import META15, T15
from bsf.compat import cleanup, upgrade15to16
from bsf.main import main
from bsfcore.errors import DatabaseError
from tests.conftest import create_pg_database, drop_pg_database
from tests.upgrade.helpers import build_archive


def bsf(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """Run the CLI; (exit code, stderr lines)."""
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err.strip().splitlines()


def one_error(code: int, err: list[str], *phrases: str) -> None:
    assert code != 0
    assert len(err) == 1 and err[0].startswith("error: "), err
    for phrase in phrases:
        assert phrase in err[0], err[0]


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.mark.parametrize("url, phrase", [
    ("postgresql://u@h:notaport/x", "malformed database URL"),
    ("postgresql://u@127.0.0.1:1/x", "cannot connect to database"),
    ("nosuch://x", "cannot use database URL"),
    ("sqlite+nodriver:///x.db", "cannot use database URL"),
    ("just words", "malformed database URL"),
])
def test_malformed_and_unreachable_urls(capsys: pytest.CaptureFixture[str], url: str,
                                        phrase: str) -> None:
    one_error(*bsf(capsys, "--db", url, "upgrade", "status"), phrase)


@pytest.mark.parametrize("command", [("upgrade", "status"), ("upgrade", "phase2"),
                                     ("upgrade", "report"), ("report",), ("cleanup", "-c"),
                                     ("workbench", "show", "1")])
def test_a_missing_sqlite_file_is_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              command: tuple[str, ...]) -> None:
    store = tmp_path / "store"
    store.mkdir()
    url = f"sqlite:///{tmp_path / 'typo-archive.db'}"
    one_error(*bsf(capsys, "--db", url, "--assetstore", str(store), *command),
              "typo-archive.db does not exist")
    assert files(tmp_path) == {"store"}  # no database, no lock files


def test_empty_and_foreign_sqlite_files_are_left_alone(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    one_error(*bsf(capsys, "--db", f"sqlite:///{empty}", "upgrade", "report"), "is empty")
    foreign = tmp_path / "foreign.db"
    engine = open_engine(f"sqlite:///{foreign}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (x INTEGER)"))
    engine.dispose()
    before = foreign.read_bytes()
    one_error(*bsf(capsys, "--db", f"sqlite:///{foreign}", "upgrade", "status"),
              "holds no DSpace archive")
    assert empty.stat().st_size == 0 and foreign.read_bytes() == before
    assert files(tmp_path) == {"empty.db", "foreign.db"}


@pytest.mark.postgres
def test_an_empty_postgres_database_is_refused(pg_admin_url: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    url = create_pg_database(pg_admin_url)
    try:
        one_error(*bsf(capsys, "--db", url, "upgrade", "phase2"), "holds no DSpace archive")
        engine = open_engine(url)
        assert inspect(engine).get_table_names() == []
        engine.dispose()
    finally:
        drop_pg_database(pg_admin_url, url)


@pytest.fixture
def archive15(tmp_path: Path) -> tuple[Path, Path]:
    db = tmp_path / "archive.db"
    engine = open_engine(f"sqlite:///{db}")
    build_archive(engine, tmp_path / "store")
    engine.dispose()
    return db, tmp_path / "store"


def counts(db: Path) -> dict[str, int]:
    engine = open_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in META15.sorted_tables}
    finally:
        engine.dispose()


def test_a_read_only_database_is_one_line_and_unchanged(
        archive15: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    db, store = archive15
    before = counts(db)
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    for command in (("upgrade", "phase0"), ("cleanup", "-c"), ("upgrade", "undo")):
        one_error(*bsf(capsys, "--db", url, "--assetstore", str(store), *command),
                  "the database is read-only")
    assert upgrade15to16(["--db", url, "--assetstore", str(store), "-0"]) == 2
    assert cleanup(["--db", url, "--assetstore", str(store), "-c"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("error: the database is read-only")
                                 for line in err)
    assert counts(db) == before
    assert not any(name.endswith(".lock") for name in files(db.parent))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to a chmod 444 file anyway")
def test_a_chmod_444_database(archive15: tuple[Path, Path],
                              capsys: pytest.CaptureFixture[str]) -> None:
    db, store = archive15
    before = counts(db)
    db.chmod(0o444)
    one_error(*bsf(capsys, "--db", f"sqlite:///{db}", "--assetstore", str(store), "upgrade",
                   "phase0"), "the database is read-only", "not writable")
    assert counts(db) == before


def test_reading_runs_create_no_lock_file(archive15: tuple[Path, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    db, store = archive15
    base = ["--db", f"sqlite:///{db}", "--assetstore", str(store)]
    for command in (("upgrade", "status"), ("upgrade", "phase0", "-n"), ("cleanup", "-c", "-n")):
        code, err = bsf(capsys, *base, *command)
        assert code == 0, err
    assert not any(name.endswith(".lock") for name in files(db.parent))
    assert bsf(capsys, *base, "upgrade", "phase0")[0] == 0  # a writing run creates it
    assert f"{db.name}-bsf.lock" in files(db.parent)
    assert bsf(capsys, *base, "upgrade", "report")[0] == 0  # and readers lock it from then on


def test_constraint_violations_and_debug(engine: Engine, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    build_archive(engine, tmp_path / "store")
    url = engine.url.render_as_string(hide_password=False)

    def duplicate(conn: object) -> None:
        with engine.begin() as c:
            c.execute(insert(T15.handle).values(handle="123456789/dup"))
            c.execute(insert(T15.handle).values(handle="123456789/dup"))

    monkeypatch.setattr(upgrade.runner, "status", duplicate)
    one_error(*bsf(capsys, "--db", url, "upgrade", "status"),
              "a constraint was violated", "nothing was changed")
    with pytest.raises(SQLAlchemyError):
        main(["--debug", "--db", url, "upgrade", "status"])
    with pytest.raises(DatabaseError, match="malformed database URL"):
        main(["--debug", "--db", "postgresql://u@h:notaport/x", "upgrade", "status"])


def test_values_too_long_on_postgres_are_one_line(engine: Engine) -> None:
    from archive.init import init_archive

    init_archive(engine)
    try:
        with engine.begin() as conn:
            conn.execute(insert(T15.bundle).values(name="X" * 40))
    except SQLAlchemyError as exc:
        error = database_error(exc)
        assert engine.dialect.name == "postgresql"
        assert str(error).startswith("the database refused a value, too long or malformed")
        assert "\n" not in str(error)
    else:
        assert engine.dialect.name == "sqlite"  # SQLite stores it: why packages are checked
