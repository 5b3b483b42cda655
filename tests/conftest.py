"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``BSF_TEST_POSTGRES_URL`` (an admin URL such as
``postgresql://postgres@127.0.0.1:5432/postgres``). When that variable is set, an unreachable
server is a failure (CI sets it); when it is not set, the local default server is tried and the
PostgreSQL variants are skipped with a clear reason if it does not answer. Each test gets its own
throw-away database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from archive.db import normalise_url, open_engine

PG_ENV = "BSF_TEST_POSTGRES_URL"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def _admin_url() -> tuple[str | None, str]:
    forced = os.environ.get(PG_ENV)
    url = normalise_url(forced or PG_DEFAULT)
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return url, ""
    except Exception as exc:
        if forced:
            pytest.fail(f"{PG_ENV} is set but PostgreSQL is unreachable: {exc}", pytrace=False)
        return None, f"no PostgreSQL server at {PG_DEFAULT} (set {PG_ENV} to force): {exc}"


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url, reason = _admin_url()
    if url is None:
        pytest.skip(reason)
    return url


def create_pg_database(admin_url: str) -> str:
    name = f"bsf_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a fresh, empty archive database: SQLite file or throw-away PostgreSQL DB."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.db'}"
        return
    admin_url = request.getfixturevalue("pg_admin_url")
    url = create_pg_database(admin_url)
    try:
        yield url
    finally:
        drop_pg_database(admin_url, url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = open_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the project (PRONOM files, schemas); skip if absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not found")
    return SHARED


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """PRONOM data a developer installed with ``bsf signatures update`` must not change what
    the tests see: the user data folder is a fresh one for the whole session."""
    before = os.environ.get("BSF_DATA_DIR")
    os.environ["BSF_DATA_DIR"] = str(tmp_path_factory.mktemp("bsf-data"))
    yield
    if before is None:
        os.environ.pop("BSF_DATA_DIR", None)
    else:
        os.environ["BSF_DATA_DIR"] = before
