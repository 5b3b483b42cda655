"""Fixtures for packager tests: a built site, its store, settings pointing at the schemas."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from archive.assetstore import AssetStore
from bsfcore.settings import Settings, load_settings
from tests.packager.builder import Built, build_site, new_archive, store_at

SCHEMA_KEYS = {
    "mets": ("http://www.loc.gov/METS/", "mets.xsd"),
    "xlink": ("http://www.w3.org/1999/xlink", "xlink.xsd"),
    "xml": ("http://www.w3.org/XML/1998/namespace", "xml.xsd"),
    "premis": ("info:lc/xmlns/premis-v2", "premis-v2-2.xsd"),
    "mods": ("http://www.loc.gov/mods/v3", "mods-3-7.xsd"),
    "rights": ("http://cosimo.stanford.edu/sdr/metsrights/", "METSRights.xsd"),
}


def write_config(path: Path, schemas: Path | None, extra: str = "") -> Path:
    lines = [f"mets.xsd.{abbr} = {ns} {schemas / name}"
             for abbr, (ns, name) in SCHEMA_KEYS.items()] if schemas else []
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


@pytest.fixture
def settings(tmp_path: Path, shared_dir: Path) -> Settings:
    """Settings whose mets.xsd.* keys point at ../shared/schemas (absolute paths)."""
    return load_settings(write_config(tmp_path / "bsf.cfg", shared_dir / "schemas"))


@dataclass
class Site:
    engine: Engine
    store: AssetStore
    built: Built
    tmp: Path


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Site:
    new_archive(engine)
    store = store_at(tmp_path / "store")
    return Site(engine, store, build_site(engine, store), tmp_path)


@pytest.fixture
def lite_site(tmp_path: Path) -> Iterator[Site]:
    """The same site on SQLite only: for option tests where the database adds nothing."""
    from archive.db import open_engine

    engine = open_engine(f"sqlite:///{tmp_path / 'lite.db'}")
    new_archive(engine)
    store = store_at(tmp_path / "store")
    try:
        yield Site(engine, store, build_site(engine, store), tmp_path)
    finally:
        engine.dispose()
