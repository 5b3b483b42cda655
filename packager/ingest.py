"""Ingest AIPs in every mode the seeds describe: submit, restore, keep-existing, force replace.

All packages of one run (``-a`` follows child packages beside the parent file) are ingested
in ONE database transaction. If anything fails — a hostile or inconsistent package, an object
that already exists in restore mode, a missing parent, an unknown metadata schema — the
transaction is rolled back and every asset file the run wrote is deleted again, so database
and asset store are exactly as before (DSpace leaves orphan files, DS-2227). Files of objects
overwritten in replace mode are deleted only after the commit. Database sequences are moved
past the restored ids before the commit (no separate update-sequences step needed).

Mode rules (seeds): restore (``-r``) keeps the AIP's handles and parents and fails if an
object exists; keep-existing (``-r -k``) skips an existing object *and its children*;
replace (``-r -f``) overwrites an existing object in place (it keeps its handle and parent);
submit (``-s``) creates new objects with new handles under ``-p`` and puts items into their
collection's workflow unless ``-w`` (see :mod:`packager.workflow`). An item mapped into a
collection that is not restored yet fails with "Could not find a parent DSpaceObject
referenced as '...'" unless ``skipIfParentMissing=true``; the mapping is then made as soon as
that collection arrives (in this run or a later one).

Every write is authorized first (:mod:`packager.authorization`): the ``-e`` e-person must
administer what it changes, or the run stops with the missing right named and nothing written.
A database that refuses a new row because a sequence fell behind the ids in use gives one line
naming ``bsf archive update-sequences``, not a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import IntegrityError

from archive.assetstore import AssetStore
from archive.schema import COLLECTION, COMMUNITY, ITEM, SITE, T16
from bsfcore.errors import PackageError, UnsafeInputError
from bsfcore.progress import NO_PROGRESS, Progress
from bsfcore.settings import Settings
from packager.aipconfig import IngestCrosswalks, ingest_crosswalks
from packager.assets import RunAssets
from packager.authorization import Authority
from packager.ingest_handles import RunHandles
from packager.ingest_items import CANONICAL_PREFIX, ItemIngest
from packager.mets_read import read_manifest
from packager.model import ArchiveObject
from packager.naming import is_plain_name
from packager.options import Mode, PackagerOptions, coerce_options
from packager.refs import ObjRef, site_handle, tables_for
from packager.safezip import Package, ZipLimits, limits_from_settings
from packager.sequences import update_sequences
from packager.templates import replace_template
from packager.validate import SchemaCatalog, check_entries, schema_catalog, validate_mets
from packager.writing import ArchiveWriter

T = T16
TYPE_IDS = {"SITE": SITE, "COMMUNITY": COMMUNITY, "COLLECTION": COLLECTION, "ITEM": ITEM}
PARENT_TYPES = {"ITEM": {COLLECTION}, "COLLECTION": {COMMUNITY},
                "COMMUNITY": {COMMUNITY, SITE}}


@dataclass
class IngestResult:
    created: list[tuple[str, str]] = field(default_factory=list)
    replaced: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    workflow: list[tuple[str, str]] = field(default_factory=list)
    #: the SITE object restored with -r (groups and people created)
    restored: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sequences: dict[str, int] = field(default_factory=dict)


class _Run(ItemIngest):
    def __init__(self, conn: Connection, writer: ArchiveWriter, opts: PackagerOptions,
                 catalog: SchemaCatalog, *, recursive: bool, eperson_id: int,
                 eperson: str, skip_workflow: bool, limits: ZipLimits | None,
                 progress: Progress, authority: Authority, crosswalks: IngestCrosswalks,
                 canonical_prefix: str = CANONICAL_PREFIX,
                 extra_parents: Sequence[str] = ()) -> None:
        self.conn = conn
        self.authority = authority
        self.crosswalks = crosswalks
        self.canonical_prefix = canonical_prefix
        #: -p given more than once: the top object also goes under these (mapped/linked)
        self.extra_parents = list(extra_parents)
        #: collections whose item template is replaced at the end of the run
        self.templates: list[tuple[int, ArchiveObject]] = []
        self.w = writer
        self.opts = opts
        self.mode = opts.mode
        self.catalog = catalog
        self.recursive = recursive
        self.eperson_id = eperson_id
        self.eperson = eperson
        self.skip_workflow = skip_workflow
        self.limits = limits
        self.progress = progress
        self.result = IngestResult()
        self.done: set[str] = set()
        #: original collection handle -> item ids waiting to be mapped into it
        self.pending: dict[str, list[int]] = {}
        self.handles = RunHandles(conn, writer)
        self._collections: dict[int, Any] = {}

    # -- helpers -----------------------------------------------------------------------------

    def _remember(self, obj: ArchiveObject) -> None:
        """Only containers and items in several collections can be met twice in a run, so
        only they are remembered: memory does not grow with the number of items."""
        if obj.handle and (obj.type_name != "ITEM" or obj.other_parents):
            self.done.add(obj.handle)

    def _collection_row(self, collection_id: int) -> Any:
        """The collection's row, cached while its items are ingested (a collection's own
        package comes before its items and every container write clears the cache)."""
        row = self._collections.get(collection_id)
        if row is None:
            row = self.conn.execute(select(T.collection).where(
                T.collection.c.collection_id == collection_id)).one()
            self._collections = {collection_id: row}
        return row

    def _missing_parent(self, handle: str, what: str) -> None:
        message = f"Could not find a parent DSpaceObject referenced as '{handle}'"
        if not self.opts.skip_if_parent_missing:
            raise PackageError(f"{message} ({what})")
        self.result.warnings.append(f"{message} ({what}); skipped (skipIfParentMissing)")

    def _resolve(self, handle: str | None) -> ObjRef | None:
        return self.handles.resolve(handle)

    def _report(self, kind: str, type_name: str, handle: str) -> None:
        getattr(self.result, {"kept": "skipped"}.get(kind, kind)).append((type_name, handle))

    # -- one package -------------------------------------------------------------------------

    def ingest(self, path: Path, *, parent: str | None, replace_target: str | None,
               top: bool) -> None:
        with Package(path, self.limits) as pkg:
            name = path.name
            if self.opts.validate:
                self.result.warnings += validate_mets(
                    pkg.root, self.catalog, name=name,
                    require_schemas=self.opts.validate_explicit)
            if not pkg.manifest_only:
                check_entries(pkg.root, pkg.sizes, name)
            obj = read_manifest(pkg.root, name, self.crosswalks)
            if obj.handle and obj.handle in self.done:
                self._link_again(obj, parent)
                return
            target = self._place(obj, pkg, parent=parent, replace_target=replace_target, top=top)
        self.progress.advance()
        if target is None or not self.recursive or obj.type_name == "ITEM":
            return
        for child in obj.children:
            if not is_plain_name(child.package_name):
                raise UnsafeInputError(f"{name}: child package {child.package_name!r} points "
                                       "outside the package folder")
            child_path = path.parent / child.package_name
            if not child_path.is_file():
                raise PackageError(f"{name}: child package {child.package_name} not found "
                                   f"beside it in {path.parent}")
            self.ingest(child_path, parent=target, replace_target=None, top=False)

    def _link_again(self, obj: ArchiveObject, parent: str | None) -> None:
        """An item met again under another collection (a mapping): just map it."""
        if obj.type_name != "ITEM" or parent is None:
            return
        item = self.handles.resolve(obj.handle)
        col = self.handles.resolve_now(parent)
        if item is not None and col is not None and col.type_id == COLLECTION:
            self.map_checked(item.id, col, f"ITEM {item.handle}")

    def _place(self, obj: ArchiveObject, pkg: Package, *, parent: str | None,
               replace_target: str | None, top: bool) -> str | None:
        """Create, replace or skip the object; returns its local handle (for children)."""
        label = f"{obj.type_name} {obj.handle or obj.id}"
        if obj.type_name != "ITEM":  # containers and roles read freely: queued rows first
            self.w.flush()
        if obj.type_name == "SITE":
            if self.mode is Mode.SUBMIT:
                raise PackageError("a SITE AIP can only be restored (-r), not submitted (-s)")
            self.authority.require_site_admin("restore the SITE AIP (every group and person)")
            mode = {Mode.RESTORE: "restore", Mode.KEEP_EXISTING: "keep",
                    Mode.REPLACE: "replace"}[self.mode]
            if "DSPACE-ROLES" not in obj.ignored:
                self.w.apply_roles(obj.roles, mode=mode)
            if obj.handle:
                self.handles.map(obj.handle, self.w.site_handle)
                self._remember(obj)
            self._report({"restore": "restored", "keep": "kept", "replace": "replaced"}[mode],
                         "SITE", self.w.site_handle)
            return self.w.site_handle
        existing: ObjRef | None = None
        if replace_target is not None:
            existing = self.handles.resolve_now(replace_target)
            if existing is None or existing.type_name != obj.type_name:
                raise PackageError(f"-i {replace_target}: no {obj.type_name} with that handle "
                                   "to replace")
        elif obj.handle and (not self.opts.ignore_handle or self.mode is Mode.REPLACE):
            # ignoreHandle does not apply to replace: the replaced object keeps its handle
            existing = self.handles.resolve(obj.handle)
        if existing is not None:
            if self.mode is Mode.RESTORE:
                raise PackageError(f"{label} already exists ({existing.handle}); nothing was "
                                   "restored. Use -r -k to keep existing objects or -r -f to "
                                   "replace them")
            if self.mode is Mode.KEEP_EXISTING:
                self.result.skipped.append((obj.type_name, existing.handle or ""))
                self.result.warnings.append(f"{label} exists; kept, with its children")
                if obj.handle:
                    self._remember(obj)
                return None
            if self.mode is Mode.SUBMIT:
                raise PackageError(f"{label}: handle {obj.handle} is already in use "
                                   "(submit with -o ignoreHandle=false)")
            self.authority.require_admin(existing, f"replace {label}")
            self._replace(existing, obj, pkg)
            if obj.handle:
                self.handles.map(obj.handle, existing.handle)
                self._remember(obj)
            self.result.replaced.append((obj.type_name, existing.handle or ""))
            return existing.handle
        # a new object: find its parent
        if self.opts.ignore_parent or (top and parent is not None):
            parent_handle = parent
            if parent_handle is None:
                raise PackageError(f"{label}: a parent is needed: -p HANDLE (or -o "
                                   "ignoreParent=false to use the AIP's own parent)")
            parent_ref = self.handles.resolve_now(parent_handle)
        else:
            parent_handle = obj.parent_handle
            if parent_handle is None:
                raise PackageError(f"{label}: the AIP names no parent; give one with -p")
            parent_ref = self.handles.resolve(parent_handle)
        if parent_ref is None:
            self._missing_parent(parent_handle, label)
            return None
        if parent_ref.type_id not in PARENT_TYPES[obj.type_name]:
            raise PackageError(f"{label} cannot go under {parent_ref.type_name} "
                               f"{parent_ref.handle}")
        self.authority.require_admin(parent_ref, f"create {label} in {parent_ref.type_name} "
                                     f"{parent_ref.handle}")
        handle = self._create(obj, pkg, parent_ref)
        if obj.handle:
            self.handles.map(obj.handle, handle)
            self._remember(obj)
        if top and handle is not None:
            self._extra_parents(obj, handle)
        return handle

    def _extra_parents(self, obj: ArchiveObject, handle: str) -> None:
        """-p given several times: the new top object is also mapped into (items) or linked
        under (collections, communities) every further parent, as DSpace does."""
        ref = self.handles.resolve_now(handle)
        assert ref is not None
        for extra in self.extra_parents:
            parent = self.handles.resolve_now(extra)
            if parent is None:
                raise PackageError(f"-p {extra}: no object with that handle")
            if parent.type_id not in PARENT_TYPES[obj.type_name] or parent.type_id == SITE:
                raise PackageError(f"-p {extra}: {obj.type_name} {handle} cannot also go under "
                                   f"{parent.type_name} {parent.handle}")
            self.authority.require_admin(parent, f"add {obj.type_name} {handle} to "
                                         f"{parent.type_name} {parent.handle}")
            if obj.type_name == "ITEM":
                self.w.map_item(ref.id, parent.id)
            elif obj.type_name == "COLLECTION":
                self.w.link(T.community2collection, community_id=parent.id, collection_id=ref.id)
            else:
                self.w.link(T.community2community, parent_comm_id=parent.id,
                            child_comm_id=ref.id)

    # -- create / replace --------------------------------------------------------------------

    def _new_handle(self, obj: ArchiveObject) -> str:
        if obj.handle and not self.opts.ignore_handle:
            return obj.handle
        return self.w.new_handle()

    def _create(self, obj: ArchiveObject, pkg: Package, parent: ObjRef) -> str | None:
        if obj.type_name == "ITEM":
            return self.create_item(obj, pkg, parent)
        self._collections = {}
        values = self.w.container_values(obj)
        preferred = obj.id or None
        handle = self._new_handle(obj)
        if obj.type_name == "COMMUNITY":
            cid = self.w.insert_row(T.community, values, preferred)
            if parent.type_id == COMMUNITY:
                self.w.link(T.community2community, parent_comm_id=parent.id, child_comm_id=cid)
            type_id, table, key = COMMUNITY, T.community, T.community.c.community_id
        else:
            cid = self.w.insert_row(T.collection, values, preferred)
            self.w.link(T.community2collection, community_id=parent.id, collection_id=cid)
            type_id, table, key = COLLECTION, T.collection, T.collection.c.collection_id
        self.w.bind_handle(handle, type_id, cid)
        if obj.handle:  # group names like COLLECTION_hdl:<old handle>_SUBMIT now resolve
            self.handles.map(obj.handle, handle)
        self.w.rename_deferred_groups(obj.type_name, obj.handle, cid)
        if "DSPACE-ROLES" not in obj.ignored:
            self.w.apply_roles(obj.roles, mode="refs")
        self._container_content(obj, pkg, cid, type_id, table, key)
        self._report("created", obj.type_name, handle)
        return handle

    def _container_content(self, obj: ArchiveObject, pkg: Package, cid: int, type_id: int,
                           table: object, key: object) -> None:
        self.w.set_logo(table, key, cid, obj, pkg)  # type: ignore[arg-type]
        if type_id == COLLECTION and "DSPACE-ROLES" not in obj.ignored:
            self.w.set_collection_roles(cid, obj.roles)
        if "METSRIGHTS" not in obj.ignored:
            self.w.set_policies(type_id, cid, obj.policies)
        for other in obj.other_parents:
            ref = self.handles.resolve(other)
            if ref is None:
                self._missing_parent(other, f"{obj.type_name} {obj.handle} link")
                continue
            if ref.type_id == COMMUNITY and type_id in (COLLECTION, COMMUNITY):
                self.authority.require_admin(ref, f"link {obj.type_name} {obj.handle} under "
                                             f"COMMUNITY {ref.handle}")
            if type_id == COLLECTION and ref.type_id == COMMUNITY:
                self.w.link(T.community2collection, community_id=ref.id, collection_id=cid)
            elif type_id == COMMUNITY and ref.type_id == COMMUNITY:
                self.w.link(T.community2community, parent_comm_id=ref.id, child_comm_id=cid)
        if type_id == COLLECTION:
            # made at the end of the run: a template item must not take an id one of the
            # run's items restores (re-exports stay byte-identical)
            self.templates.append((cid, obj))
            self._resolve_mappings(obj, cid)

    def _resolve_mappings(self, obj: ArchiveObject, collection_id: int) -> None:
        """Items waiting for this collection (skipIfParentMissing), in this run or earlier."""
        waiting = self.pending.pop(obj.handle, []) if obj.handle else []
        locals_ = {c.handle: self.handles.local(c.handle) for c in obj.children
                   if c.type_name == "ITEM" and c.handle}
        plain = [h for h in locals_.values() if h and h not in self.handles.containers
                 and h == h.strip() and ":" not in h]
        items = self.handles.items_by_handle(plain)
        asked = set(plain)
        for child in obj.children:
            if child.type_name == "ITEM" and child.handle:
                local = locals_[child.handle]
                if local in items:
                    waiting.append(items[local])
                elif local not in asked:  # prefixed or odd: the one-by-one way
                    ref = self.handles.resolve(child.handle)
                    if ref is not None and ref.type_id == ITEM:
                        waiting.append(ref.id)
        for item_id in waiting:
            self.map_checked(item_id, ObjRef(COLLECTION, collection_id, obj.handle),
                             "waiting items")

    def _replace(self, existing: ObjRef, obj: ArchiveObject, pkg: Package) -> None:
        if obj.handle:
            self.handles.map(obj.handle, existing.handle)
        if existing.type_id == ITEM:
            self.replace_item(existing, obj, pkg)
            return
        self._collections = {}
        if "DSPACE-ROLES" not in obj.ignored:
            self.w.apply_roles(obj.roles, mode="refs")
        if existing.type_id == COMMUNITY:
            table, key = T.community, T.community.c.community_id
        else:
            table, key = T.collection, T.collection.c.collection_id
        self.conn.execute(update(table).where(key == existing.id)
                          .values(**self.w.container_values(obj)))
        self.w.rename_deferred_groups(obj.type_name, obj.handle, existing.id)
        self._container_content(obj, pkg, existing.id, existing.type_id, table, key)

    def finish(self) -> None:
        self.w.flush()
        for collection_id, obj in self.templates:
            replace_template(self.w, collection_id, obj)
        for handle in self.pending:
            self.result.warnings.append(f"item mappings into {handle} not made: that collection "
                                        "was not restored (they are made when it is)")
        self.result.warnings += self.w.warnings
        self.result.warnings = list(dict.fromkeys(self.result.warnings))
        self.result.sequences = update_sequences(self.conn)


def ingest_aip(engine: Engine, store: AssetStore, package: Path, *, mode: Mode,
               recursive: bool = False, parent: str | Sequence[str] | None = None,
               identifier: str | None = None, eperson: str,
               skip_workflow: bool = False,
               options: PackagerOptions | Mapping[str, str] | Iterable[str] | None = None,
               settings: Settings | None = None, progress: Progress = NO_PROGRESS,
               limits: ZipLimits | None = None) -> IngestResult:
    """Ingest ``package`` (and with ``recursive`` its child packages) in one transaction.

    ``parent``: one handle, or several (``-p`` repeated): the first is the parent, the top
    object is also mapped into / linked under the others."""
    if mode is Mode.EXPORT:
        raise PackageError("ingest_aip needs an ingest mode")
    opts = coerce_options(options, mode)
    if identifier is not None and mode is not Mode.REPLACE:
        raise PackageError("-i with an ingest is only valid in force replace mode (-r -f)")
    parents = [parent] if isinstance(parent, str) else list(parent or [])
    catalog = schema_catalog(settings) if opts.validate else SchemaCatalog()
    crosswalks = ingest_crosswalks(settings)
    canonical = (settings.get("handle.canonical.prefix") if settings is not None else None) \
        or CANONICAL_PREFIX
    if limits is None:
        limits = limits_from_settings(settings)
    package = Path(package)
    writer: ArchiveWriter | None = None
    assets = RunAssets(store)
    try:
        with engine.begin() as conn:
            if tables_for(conn) is not T:
                raise PackageError("the archive is not in the renovated model; run the upgrade "
                                   "(or bsf archive init --renovated) before ingesting AIPs")
            row = conn.execute(select(T.eperson.c.eperson_id)
                               .where(T.eperson.c.email == eperson)).first()
            if row is None:
                raise PackageError(f"EPerson {eperson} not found in the archive (-e)")
            authority = Authority(conn, T, int(row[0]), eperson)
            writer = ArchiveWriter(conn, assets, preserve_ids=mode.is_restore,
                                   create_metadata_fields=opts.create_metadata_fields,
                                   site_handle=site_handle(
                                       conn, T, settings.get("handle.prefix")
                                       if settings is not None else None))
            writer.guard = authority.people_guard
            run = _Run(conn, writer, opts, catalog, recursive=recursive,
                       eperson_id=int(row[0]), eperson=eperson, skip_workflow=skip_workflow,
                       limits=limits, progress=progress, authority=authority,
                       crosswalks=crosswalks, canonical_prefix=canonical,
                       extra_parents=parents[1:])
            progress.start("ingesting AIPs")
            run.ingest(package, parent=parents[0] if parents else None,
                       replace_target=identifier, top=True)
            run.finish()
            assets.make_durable()
            progress.finish()
    except IntegrityError as exc:
        assets.discard()
        raise refused_row(exc) from None
    except BaseException:
        assets.discard()
        raise
    result = run.result
    assert writer is not None
    for internal_id, store_number in writer.obsolete:
        try:
            store.delete(internal_id, store_number)
        except Exception as exc:  # the commit stands; report the leftover file
            result.warnings.append(f"replaced asset {internal_id} not deleted: {exc}")
    return result


def refused_row(exc: IntegrityError) -> PackageError:
    """One line for a row the database refused. A duplicate primary key (or handle) on a new
    row means a sequence is behind the ids in use — DSpace's "handle_handle_key" case."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    if constraint.endswith("_pkey") or constraint == "handle_handle_key" or \
            "duplicate key" in first:
        return PackageError(f"the database refused a new row ({first}): an id or handle "
                            "sequence is behind the rows already in the archive; run "
                            "`bsf archive update-sequences` and try again (nothing was "
                            "written)")
    return PackageError(f"the database refused a row ({first}); nothing was written")


__all__ = ["IngestResult", "Mode", "ingest_aip", "refused_row"]
