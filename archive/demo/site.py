"""The folder ``bsf demo`` works in: a config file, an SQLite database and an asset store.

It needs nothing from the machine but a writable folder, so ``bsf demo`` runs on a fresh
install with no configuration at all. Rebuilding (``--force``) only ever removes a folder this
module made itself (recognised by the marker line in its ``bsf.cfg``): never an operator's files.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from bsfcore.errors import ConfigError, Problem
from bsfcore.settings import Settings, load_settings

CONFIG_NAME = "bsf.cfg"
DATABASE_NAME = "archive.db"
ASSETSTORE_NAME = "assetstore"
MARKER = "# bsf demo site: written by `bsf demo`; `bsf demo --force` may delete this folder."


@dataclass(frozen=True)
class DemoSite:
    """Where the demo lives; :meth:`settings` reads it back like any operator's config."""

    root: Path

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
    def db_url(self) -> str:
        return f"sqlite:///{self.database}"

    def settings(self) -> Settings:
        return load_settings(self.config, environ={})


def _error(root: Path, message: str) -> ConfigError:
    return ConfigError([Problem(str(root), None, message)])


def _is_demo_site(root: Path) -> bool:
    config = root / CONFIG_NAME
    try:
        return config.is_file() and config.read_text(encoding="utf-8").startswith(MARKER)
    except OSError:
        return False


def prepare_demo_site(root: Path | str, *, force: bool = False) -> DemoSite:
    """Create (or, with ``force``, recreate) the demo folder and write its ``bsf.cfg``.

    A folder holding an earlier demo is refused without ``force``; a non-empty folder that is
    not a demo is refused always, so a mistyped ``--dir`` can never delete anything.
    """
    site = DemoSite(Path(root).expanduser().resolve())
    if site.root.exists():
        if not site.root.is_dir():
            raise _error(site.root, "exists and is not a folder")
        if any(site.root.iterdir()):
            if not _is_demo_site(site.root):
                raise _error(site.root, "is not empty and is not a bsf demo folder; choose "
                             "another one with --dir")
            if not force:
                raise _error(site.root, "a demo archive already exists here; use --force to "
                             "rebuild it")
            shutil.rmtree(site.root)
    site.root.mkdir(parents=True, exist_ok=True)
    site.assetstore.mkdir(exist_ok=True)
    site.config.write_text(
        f"{MARKER}\n"
        f"dspace.dir = {site.root}\n"
        f"db.url = sqlite:///${{dspace.dir}}/{DATABASE_NAME}\n"
        f"assetstore.dir = ${{dspace.dir}}/{ASSETSTORE_NAME}\n",
        encoding="utf-8")
    return site
