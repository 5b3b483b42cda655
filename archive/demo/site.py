"""The folder ``bsf demo`` works in: a config file, an SQLite database and an asset store.

It needs nothing from the machine but a writable folder, so ``bsf demo`` runs on a fresh
install with no configuration at all (``--db URL`` puts the database on a PostgreSQL server
instead). Running ``bsf demo`` again rebuilds the folder — but only a folder this module made
itself, recognised by its marker file (``.bsf-demo``); any other non-empty folder is refused, so
a mistyped ``--dir`` can never delete an operator's files.

The folder also holds a writable copy of the packaged Provisional registry document, named by
the demo's ``bsf.cfg``: the conversion instructions' ``.htm`` recipe adds an entry to it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bsfcore.errors import ConfigError, DatabaseError, Problem
from bsfcore.settings import Settings, load_settings

CONFIG_NAME = "bsf.cfg"
DATABASE_NAME = "archive.db"
ASSETSTORE_NAME = "assetstore"
PROVISIONAL_NAME = "provisional-formats.xml"
MARKER_NAME = ".bsf-demo"
MARKER = "# bsf demo site: written by `bsf demo`, which deletes and rebuilds this folder."
#: The first line of a demo's bsf.cfg before the marker file existed (still recognised).
LEGACY_MARKER = "# bsf demo site: written by `bsf demo`; `bsf demo --force` may delete this folder."


@dataclass(frozen=True)
class DemoSite:
    """Where the demo lives; :meth:`settings` reads it back like any operator's config."""

    root: Path
    #: the database URL when it is not the folder's SQLite file (e.g. a PostgreSQL database)
    database_url: str | None = None

    @property
    def config(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def database(self) -> Path:
        return self.root / DATABASE_NAME

    @property
    def assetstore(self) -> Path:
        return self.root / ASSETSTORE_NAME

    @property
    def provisional(self) -> Path:
        return self.root / PROVISIONAL_NAME

    @property
    def marker(self) -> Path:
        return self.root / MARKER_NAME

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.database}"

    def settings(self) -> Settings:
        return load_settings(self.config, environ={})


def _error(root: Path, message: str) -> ConfigError:
    return ConfigError([Problem(str(root), None, message)])


def is_demo_site(root: Path) -> bool:
    """True when ``root`` holds the marker a ``bsf demo`` run leaves (or an older demo's
    marker line in ``bsf.cfg``)."""
    try:
        marker = root / MARKER_NAME
        if marker.is_file() and not marker.is_symlink():
            return marker.read_text(encoding="utf-8").startswith(MARKER)
        config = root / CONFIG_NAME
        return config.is_file() and config.read_text(encoding="utf-8").startswith(
            LEGACY_MARKER)
    except (OSError, UnicodeDecodeError):
        return False


def _check_database_empty(url: str) -> None:
    """A demo on an outside database (``--db``) needs an empty one: the demo never mixes
    itself into an archive, and never drops one."""
    from archive.db import has_table, normalise_url, open_engine

    engine = open_engine(url)
    try:
        holds_archive = has_table(engine, "bitstreamformatregistry")
    finally:
        engine.dispose()
    if holds_archive:
        shown = make_url(normalise_url(url)).render_as_string(hide_password=True)
        raise DatabaseError(f"{shown} already holds an archive; the demo needs an empty "
                            "database (create a new one, or leave out --db to use SQLite in "
                            "the demo folder)")


def _config_text(site: DemoSite) -> str:
    db_url = (site.database_url if site.database_url is not None
              else f"sqlite:///${{dspace.dir}}/{DATABASE_NAME}")
    return (f"{MARKER}\n"
            f"dspace.dir = {site.root}\n"
            f"db.url = {db_url}\n"
            f"assetstore.dir = ${{dspace.dir}}/{ASSETSTORE_NAME}\n"
            "# A writable copy of the packaged Provisional registry (the .htm recipe adds to it).\n"
            f"formatRegistry.Provisional.document = ${{dspace.dir}}/{PROVISIONAL_NAME}\n")


def prepare_demo_site(root: Path | str, *, db_url: str | None = None) -> DemoSite:
    """Create (or recreate) the demo folder: marker, ``bsf.cfg``, asset store folder and the
    writable Provisional registry.

    A folder an earlier ``bsf demo`` made is deleted and made again; a non-empty folder
    without the marker is refused, so nothing but a demo is ever deleted.
    """
    from registries.packaged import packaged_formats_dir

    site = DemoSite(Path(root).expanduser().resolve(), db_url)
    if site.root.exists():
        if not site.root.is_dir():
            raise _error(site.root, "exists and is not a folder")
        if any(site.root.iterdir()) and not is_demo_site(site.root):
            raise _error(site.root, "is not empty and is not a bsf demo folder (it has no "
                         f"{MARKER_NAME} marker); choose another one with --dir")
    if db_url is not None:
        _check_database_empty(db_url)
    if site.root.exists() and any(site.root.iterdir()):
        shutil.rmtree(site.root)
    site.root.mkdir(parents=True, exist_ok=True)
    site.marker.write_text(f"{MARKER}\nMade for {site.root}; everything in this folder is "
                           "rebuilt by the next `bsf demo --dir` of it.\n", encoding="utf-8")
    site.assetstore.mkdir(exist_ok=True)
    shutil.copyfile(packaged_formats_dir() / PROVISIONAL_NAME, site.provisional)
    site.config.write_text(_config_text(site), encoding="utf-8")
    return site
