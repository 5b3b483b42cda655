"""Export AIPs: one deterministic zip per object, optionally the whole hierarchy below it.

``export_aip`` is what ``bsf packager -d [-a] -t AIP -e EPERSON -i HANDLE FILE`` runs: the
object named by HANDLE (``<prefix>/0`` = the site) goes to FILE; with ``recursive`` every child
object's AIP is written beside FILE as ``<TYPE>@<handle-with-dashes>.zip``. FILE may be a
folder instead — an existing one, or any path ending in ``/`` (the seed's cron form
``backups/``), created when missing — and the top AIP then goes into it under its package
name. Each manifest is validated *before* its zip is written (``validate``, on by default,
against the shipped schemas unless ``mets.xsd.*`` names others), each bitstream is streamed
into the zip with its MD5 checked, and each zip is renamed into place only when complete.
``-o passwords=true`` needs a site administrator (:mod:`packager.authorization`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import Connection, Engine, select

from archive.assetstore import AssetStore
from archive.schema import COLLECTION, ITEM
from bsfcore import __version__
from bsfcore.errors import PackageError
from bsfcore.progress import NO_PROGRESS, Progress
from bsfcore.settings import Settings
from packager.aipconfig import Dissemination, dissemination
from packager.authorization import Authority
from packager.mets_write import build_mets
from packager.model import DEFAULT_DATE
from packager.options import Mode, PackagerOptions, coerce_options
from packager.premis import Agent
from packager.reading import ArchiveReader, FormatNamer
from packager.reading_bitstreams import NamedFormat
from packager.refs import ObjRef, resolve, updated_since
from packager.validate import SchemaCatalog, schema_catalog, validate_mets
from packager.zipout import deterministic_zip, file_md5, write_atomic
from registries.model import FormatKey

SOFTWARE = f"bsf {__version__}"
COMMENT = f"METS archive created by {SOFTWARE}"


@dataclass(frozen=True)
class ExportedPackage:
    path: Path
    type_name: str
    handle: str | None
    object_id: int
    md5: str
    size: int


@dataclass
class ExportResult:
    packages: list[ExportedPackage] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ExportContext:
    """What every package of one export run shares."""

    store: AssetStore
    options: PackagerOptions
    agent: Agent
    catalog: SchemaCatalog
    config: Dissemination | None = None
    warnings: list[str] = field(default_factory=list)


def signature_file_name(settings: Settings | None) -> str | None:
    """The DROID signature file the configuration identifies with (its file name)."""
    try:
        from registries.config import default_format_config, load_format_config

        config = load_format_config(settings) if settings is not None \
            else default_format_config()
        path = config.droid_signature_file
        if path is None:
            from registries.pronom import default_signature_file

            path = default_signature_file()
        return Path(path).name if path else None
    except Exception:  # registries not configured or not installed: the agent has no note
        return None


@functools.lru_cache(maxsize=4)
def _registry_set(config_path: str | None) -> Any:
    try:
        from bsfcore.settings import load_settings
        from registries.config import load_format_config
        from registries.loader import load_registry_set

        return load_registry_set(load_format_config(load_settings(config_path)))
    except Exception:
        return None


def format_namer(settings: Settings | None) -> FormatNamer:
    """Name, version and extensions of a format key from the configured registries (lazy,
    cached)."""
    def namer(key: FormatKey) -> NamedFormat | None:
        registries = _registry_set(settings.path if settings is not None else None)
        if registries is None:
            return None
        fmt = registries.get(key)
        return None if fmt is None else NamedFormat(fmt.name, fmt.version,
                                                    tuple(fmt.extensions))
    return namer


def find_eperson(conn: Connection, reader_t: object, email: str) -> int:
    ep = reader_t.eperson  # type: ignore[attr-defined]
    row = conn.execute(select(ep.c.eperson_id).where(ep.c.email == email)).first()
    if row is None:
        raise PackageError(f"EPerson {email} not found in the archive (-e)")
    return int(row[0])


def export_aip(engine: Engine, store: AssetStore, handle: str, target: Path | str, *,
               recursive: bool = False, eperson: str | None = None,
               options: PackagerOptions | Mapping[str, str] | Iterable[str] | None = None,
               settings: Settings | None = None, progress: Progress = NO_PROGRESS,
               use_registries: bool = True) -> ExportResult:
    """Export the object ``handle`` to ``target`` (and its children beside it if recursive).

    ``target`` is the top AIP's file, or a folder: an existing one, or a ``str`` ending in
    ``/`` (created when missing)."""
    opts = coerce_options(options, Mode.EXPORT)
    catalog = schema_catalog(settings)
    if opts.validate and opts.validate_explicit and not catalog:
        validate_mets(etree.Element("x"), catalog, require_schemas=True)
    ctx = ExportContext(store, opts, Agent(__version__, signature_file_name(settings)), catalog,
                        dissemination(settings))
    result = ExportResult()
    folder_given = isinstance(target, str) and target.endswith(("/", os.sep))
    target = Path(target)
    prefix = settings.get("handle.prefix") if settings is not None else None
    with engine.connect() as conn:
        probe = ArchiveReader(conn, opts, prefix=prefix)
        eperson_id = find_eperson(conn, probe.t, eperson) if eperson else None
        if opts.passwords and eperson_id is not None and eperson is not None:
            # (a library caller that names no e-person acts as the system, as for reading)
            Authority(conn, probe.t, eperson_id, eperson).require_site_admin(
                "export password hashes (-o passwords=true)")
        reader = ArchiveReader(conn, opts, eperson_id=eperson_id, prefix=prefix,
                               format_namer=format_namer(settings) if use_registries else None)
        top = resolve(conn, reader.t, handle, prefix)
        if top is None:
            raise PackageError(f"no object with handle {handle} in the archive (-i)")
        if folder_given or target.is_dir():  # FILE may be a folder (the seed's cron example)
            target.mkdir(parents=True, exist_ok=True)
            target = target / _child_name(reader, top)
        progress.start("exporting AIPs")
        # An item in one collection is met once; only items in several collections (and
        # containers, which are few) can be met twice, so only they are remembered: memory
        # does not grow with the number of items.
        stack: list[tuple[ObjRef, Path, bool]] = [(top, target, True)]
        seen: set[tuple[int, int]] = set()
        while stack:
            ref, dest, remember = stack.pop()
            key = (ref.type_id, ref.id)
            if key in seen:
                continue
            if remember:
                seen.add(key)
            if ref.type_id == ITEM and opts.updated_after is not None and ref is not top \
                    and not updated_since(conn, reader.t, ref.id, opts.updated_after):
                result.skipped.append(ref.handle or f"ITEM {ref.id}")
                continue
            result.packages.append(write_object_aip(conn, reader, ref, dest, ctx))
            progress.advance()
            if recursive:
                children = reader.children(ref)
                shared = reader.shared_here if ref.type_id == COLLECTION else set()
                stack.extend(reversed([
                    (c, dest.parent / _child_name(reader, c),
                     c.type_id != ITEM or c.id in shared) for c in children]))
        progress.finish()
    result.warnings = list(dict.fromkeys(ctx.warnings))
    return result


def _child_name(reader: ArchiveReader, ref: ObjRef) -> str:
    from packager.naming import package_name

    return package_name(ref.type_name, ref.handle, ref.id,
                        manifest_only=reader.options.manifest_only)


def write_object_aip(conn: Connection, reader: ArchiveReader, ref: ObjRef, dest: Path,
                     ctx: ExportContext) -> ExportedPackage:
    """Write one object's AIP (no recursion) and return its path and checksum."""
    obj = reader.read(ref)
    data, packed = build_mets(obj, ctx.agent, software=SOFTWARE, config=ctx.config)
    if ctx.options.validate:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True,
                                                      huge_tree=False))
        ctx.warnings += validate_mets(root, ctx.catalog, name=dest.name,
                                      require_schemas=ctx.options.validate_explicit)
    if ctx.options.manifest_only:
        write_atomic(dest, data)
    else:
        when = obj.last_modified if obj.type_name == "ITEM" else DEFAULT_DATE
        written: set[str] = set()
        with deterministic_zip(dest, when=when, comment=COMMENT) as out:
            zipped = out
            out.write_bytes("mets.xml", data)
            for pf in packed:
                if pf.entry_name in written:
                    continue
                written.add(pf.entry_name)
                bit = pf.bitstream
                if bit.internal_id is None:
                    out.write_bytes(pf.entry_name, b"")
                    continue
                with ctx.store.open(bit.internal_id, bit.store_number) as fh:
                    out.write_stream(pf.entry_name, fh, bit.size, bit.checksum,
                                     what=f"bitstream {bit.id} ({bit.name}) of "
                                          f"{obj.type_name} {obj.handle or obj.id}")
        return ExportedPackage(dest, obj.type_name, obj.handle, obj.id, zipped.md5,
                               zipped.size)
    return ExportedPackage(dest, obj.type_name, obj.handle, obj.id, file_md5(dest),
                           dest.stat().st_size)


def export_site(engine: Engine, store: AssetStore, folder: Path, *, eperson: str | None = None,
                settings: Settings | None = None,
                progress: Progress = NO_PROGRESS) -> ExportResult:
    """The whole site as AIPs in ``folder`` (``SITE@<prefix>-0.zip`` + one per object),
    validated (schemas when ``mets.xsd.*`` are configured, reference checks always) — the
    step ``bsf demo`` runs after building its archive."""
    prefix = settings.get("handle.prefix") if settings is not None else None
    with engine.connect() as conn:
        reader = ArchiveReader(conn, coerce_options(None, Mode.EXPORT), prefix=prefix)
        site = reader.site
    name = f"SITE@{site.replace('/', '-')}.zip"
    return export_aip(engine, store, site, Path(folder) / name, recursive=True,
                      eperson=eperson, settings=settings, progress=progress)
