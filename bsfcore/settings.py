"""The operator's configuration: which archive, which asset stores, which registries.

One :class:`Settings` is built per command from ``--config FILE`` (or ``BSF_CONFIG``) plus the
command-line overrides ``--db`` and ``--assetstore``, and passed down explicitly: no module reads
global configuration in an inner loop.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bsfcore.errors import ConfigError, Problem
from bsfcore.properties import Entry, Properties, load_properties

#: Key prefixes bsf understands. A key outside them is a typo until proven otherwise, so it is
#: reported with file and line instead of being silently ignored.
KNOWN_PREFIXES: tuple[str, ...] = (
    "dspace.", "db.", "assetstore.", "formatRegistry.", "formatIdentifier.",
    "plugin.named.org.dspace.content.format.", "plugin.sequence.org.dspace.content.format.",
    "mets.", "replicate.", "group.", "packager.", "bsf.", "upgrade.", "workbench.", "report.",
    "handle.", "aip.",
)

CONFIG_ENV = "BSF_CONFIG"


@dataclass
class Settings:
    """Resolved configuration for one bsf invocation."""

    properties: Properties = field(default_factory=lambda: Properties([]))
    db_override: str | None = None
    assetstore_override: Path | None = None

    @property
    def path(self) -> str | None:
        return self.properties.path

    @property
    def dspace_dir(self) -> Path:
        value = self.properties.get("dspace.dir")
        if value:
            return Path(value)
        if self.path:
            return Path(self.path).resolve().parent
        return Path.cwd()

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL of the archive database."""
        url = self.db_override or self.properties.get("db.url")
        if not url:
            raise ConfigError.at(self.path, None,
                                 "no archive database configured: set db.url in the config file "
                                 "or pass --db URL (e.g. sqlite:///archive.db)")
        return url

    def assetstore_dirs(self) -> dict[int, Path]:
        """Store number -> root folder; store 0 is ``assetstore.dir``, then ``.1``, ``.2`` ..."""
        stores: dict[int, Path] = {}
        if self.assetstore_override is not None:
            stores[0] = self.assetstore_override
        elif self.properties.get("assetstore.dir"):
            stores[0] = Path(self.properties["assetstore.dir"])
        else:
            stores[0] = self.dspace_dir / "assetstore"
        for key in self.properties:
            if key.startswith("assetstore.dir."):
                suffix = key.rsplit(".", 1)[1]
                if not suffix.isdigit():
                    path, line = self.properties.where(key)
                    raise ConfigError.at(path, line, f"{key}: store number must be an integer")
                stores[int(suffix)] = Path(self.properties[key])
        return stores

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.properties.get(key, default)


def check_known_keys(properties: Properties) -> None:
    """Report every key bsf does not understand, with file and line."""
    problems = []
    for key in properties:
        if not key.startswith(KNOWN_PREFIXES) and key != "dspace.dir":
            entry: Entry | None = properties.entry(key)
            problems.append(Problem(entry.path if entry else properties.path,
                                    entry.line if entry else None,
                                    f"unknown configuration key {key!r}"))
    if problems:
        raise ConfigError(problems)


def load_settings(config: str | Path | None = None, *, db: str | None = None,
                  assetstore: str | Path | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Build the Settings of one invocation: file (or ``$BSF_CONFIG``) plus overrides."""
    env = os.environ if environ is None else environ
    config = config or env.get(CONFIG_ENV) or None
    if config:
        properties = load_properties(config)
        check_known_keys(properties)
    else:
        properties = Properties([])
    store = Path(assetstore) if assetstore else None
    if store is not None and not store.is_dir():
        message = f"asset store folder {store} does not exist"
        raise ConfigError([Problem("--assetstore", None, message)])
    return Settings(properties, db, store)
