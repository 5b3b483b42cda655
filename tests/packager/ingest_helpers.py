"""Helpers for ingest tests: target archives, snapshots of database + asset store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, select

from archive.db import open_engine
from archive.schema import META16
from packager.export import export_aip
from tests.conftest import create_pg_database, drop_pg_database
from tests.packager.builder import new_archive

SITE = "123456789/0"


@contextmanager
def target_archive(source: Engine, tmp: Path, request: object) -> Iterator[Engine]:
    """An empty renovated archive on the same kind of database as ``source``."""
    if source.dialect.name == "postgresql":
        admin = request.getfixturevalue("pg_admin_url")  # type: ignore[attr-defined]
        url = create_pg_database(admin)
        eng = open_engine(url)
        try:
            new_archive(eng)
            yield eng
        finally:
            eng.dispose()
            drop_pg_database(admin, url)
    else:
        eng = open_engine(f"sqlite:///{tmp / 'target.db'}")
        new_archive(eng)
        try:
            yield eng
        finally:
            eng.dispose()


def export_site(engine: Engine, store: object, folder: Path, **kwargs: object) -> dict[str, str]:
    options = kwargs.pop("options", None)
    name = "SITE@123456789-0.xml" if options and "manifestOnly=true" in options \
        else "SITE@123456789-0.zip"
    result = export_aip(engine, store, SITE, folder / name, recursive=True,
                        use_registries=False, options=options, **kwargs)  # type: ignore[arg-type]
    return {p.path.name: p.md5 for p in result.packages}


def snapshot(engine: Engine, store_dir: Path) -> tuple[dict[str, int], set[str]]:
    """Row count of every table and the set of files in the asset store."""
    counts = {}
    with engine.connect() as conn:
        for table in META16.sorted_tables:
            counts[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
    files = {str(p.relative_to(store_dir)) for p in store_dir.rglob("*") if p.is_file()}
    return counts, files
