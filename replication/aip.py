"""What replication needs from the AIP packager, behind one small interface.

Sync builds one object's AIP (never recursive: each object is its own queue task) — the SITE
AIP included, with the password hashes unless ``replicate.packer.options`` says
``passwords=false``, so the store alone can rebuild people who can still log in — restore
ingests a fetched AIP tree (a deleted object's, or the whole site's), and both need to know
which child packages an AIP refers to.
:class:`DSpaceAipPackager` implements it over :mod:`packager.export` / :mod:`packager.ingest`
(the aip helper's API); tests may pass their own implementation of :class:`AipPackager`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine

from archive.delete import parent_handle
from archive.queries import normalise_handle, resolve_handle
from bsfcore.errors import BsfError, PackageError
from bsfcore.settings import Settings
from replication.store import TYPE_NAMES, storage_name


class UnknownObjectError(BsfError):
    """A handle the archive does not know (and, where it matters, the store neither)."""


@dataclass(frozen=True)
class BuiltAip:
    """One object's AIP, built into a staging folder."""

    path: Path
    type_name: str
    handle: str
    parent_handle: str | None
    md5: str
    size: int

    @property
    def name(self) -> str:
        return storage_name(self.type_name, self.handle)


@dataclass(frozen=True)
class ChildPackage:
    type_name: str
    handle: str


class AipPackager(Protocol):
    def context(self) -> str:
        """What besides the database shapes this packager's AIPs (version, options, registry
        files), for item fingerprints (see :mod:`replication.fingerprint`)."""

    def site_handle(self, engine: Engine) -> str | None:
        """The site's handle (``<prefix>/0``) when this packager builds SITE AIPs, else None."""

    def build(self, engine: Engine, handle: str, staging: Path) -> BuiltAip:
        """Export ``handle``'s object alone (no children) into ``staging``."""

    def children(self, package: Path) -> list[ChildPackage]:
        """The child objects a package's structMap links to."""

    def restore(self, engine: Engine, top: Path) -> list[str]:
        """Restore ``top`` and the child packages lying beside it, keeping objects that still
        exist; returns the handles created. All or nothing."""

    def restore_site(self, engine: Engine, top: Path) -> list[str]:
        """Restore the whole site from its SITE AIP ``top`` and the packages beside it (force
        replace, as DSpace's full site restore); returns the handles created."""


def locate(engine: Engine, handle: str) -> tuple[str, int, str | None]:
    """(type name, resource id, parent handle) of a live archive object, else an error."""
    handle = normalise_handle(handle)
    with engine.connect() as conn:
        resolved = resolve_handle(conn, handle)
        if resolved is None:
            raise UnknownObjectError(f"handle {handle} does not resolve to an object in the "
                                     "archive")
        type_id, rid = resolved
        if type_id not in TYPE_NAMES or type_id == 5:
            raise UnknownObjectError(f"handle {handle} is not an item, collection or community")
        return TYPE_NAMES[type_id], rid, parent_handle(conn, type_id, rid)


def parse_option_list(value: str | None) -> dict[str, str]:
    """``validate=false, filterBundles=TEXT`` -> dict (``replicate.packer.options``)."""
    options: dict[str, str] = {}
    for part in (value or "").split(","):
        if part.strip():
            key, sep, val = part.partition("=")
            if not sep:
                raise PackageError(f"replicate.packer.options: expected key=value, got {part!r}")
            options[key.strip()] = val.strip()
    return options


class DSpaceAipPackager:
    """The project's METS AIP packager (issue 7) seen through :class:`AipPackager`."""

    def __init__(self, assets: Any, *, settings: Settings | None = None,
                 eperson: str | None = None,
                 export_options: Mapping[str, str] | None = None) -> None:
        self.assets = assets
        self.settings = settings
        self.eperson = eperson
        if export_options is None and settings is not None:
            export_options = parse_option_list(settings.get("replicate.packer.options"))
        self.export_options = dict(export_options or {})
        self._context: str | None = None

    def context(self) -> str:
        from replication.fingerprint import context_fingerprint

        if self._context is None:
            self._context = context_fingerprint(self.settings, self.export_options)
        return self._context

    def site_handle(self, engine: Engine) -> str | None:
        from packager.refs import site_handle, tables_for

        prefix = self.settings.get("handle.prefix") if self.settings is not None else None
        with engine.connect() as conn:
            return site_handle(conn, tables_for(conn), prefix)

    def build(self, engine: Engine, handle: str, staging: Path) -> BuiltAip:
        from packager.export import export_aip

        options = dict(self.export_options)
        if handle == self.site_handle(engine):
            type_name, parent = "SITE", None
            options.setdefault("passwords", "true")
        else:
            type_name, _rid, parent = locate(engine, handle)
        target = staging / storage_name(type_name, handle)
        # the packager's own e-person only restores; builds read as the system (everything)
        result = export_aip(engine, self.assets, handle, target, recursive=False,
                            options=options or None, settings=self.settings)
        top = next((p for p in result.packages if p.handle == handle), None)
        if top is None:
            raise PackageError(f"{handle}: the packager wrote no AIP "
                               f"({'; '.join(result.warnings) or 'no reason given'})")
        return BuiltAip(Path(top.path), top.type_name, handle, parent, top.md5, top.size)

    def children(self, package: Path) -> list[ChildPackage]:
        from packager.mets_read import read_manifest
        from packager.safezip import open_package

        with open_package(package) as opened:
            obj = read_manifest(opened.root, f"{package.name}: mets.xml")
        return [ChildPackage(c.type_name, c.handle) for c in obj.children if c.handle]

    def restore(self, engine: Engine, top: Path) -> list[str]:
        from packager.ingest import ingest_aip
        from packager.options import Mode

        if not self.eperson:
            raise PackageError("restoring needs an e-person: pass --eperson EMAIL or set "
                               "replicate.eperson")
        result = ingest_aip(engine, self.assets, top, mode=Mode.KEEP_EXISTING, recursive=True,
                            eperson=self.eperson,
                            options={"createMetadataFields": "true",
                                     "skipIfParentMissing": "true"},
                            settings=self.settings)
        return [handle for _type, handle in result.created]

    def restore_site(self, engine: Engine, top: Path) -> list[str]:
        from packager.ingest import ingest_aip
        from packager.options import Mode

        if not self.eperson:
            raise PackageError("restoring needs an e-person: pass --eperson EMAIL or set "
                               "replicate.eperson")
        result = ingest_aip(engine, self.assets, top, mode=Mode.REPLACE, recursive=True,
                            eperson=self.eperson,
                            options={"createMetadataFields": "true",
                                     "skipIfParentMissing": "true"},
                            settings=self.settings)
        return [handle for _type, handle in result.created]
