"""Restore deleted objects from the store, and remove replicas for good.

``restore`` is the suite's "Restore from AIP" for a deleted object: find its deletion record
(or just its AIP), fetch the object's AIP and every child AIP it links to that the store holds,
ingest them through the AIP packager (objects that still exist are kept as they are), check
that every object the record lists is back, and only then remove the record.

``restore_site`` rebuilds a whole repository from the store alone — an empty archive (``bsf
archive init --renovated --admin EMAIL``) and the store are all it needs: it fetches the SITE
AIP and, following the links of each AIP it fetched, every community, collection and item AIP
the store holds for them, each checked against the MD5 recorded at transmission (the
registry's, or the store's own when the registry is empty), and restores them in one
transaction in force-replace mode, as DSpace's full site restore does: groups, people (with
their password hashes when the SITE AIP carries them), communities, collections, items.

``remove`` is the suite's "Remove AIP": delete the object's AIP, the AIPs of every member its
deletion record lists, and the record itself. It cannot be undone; the CLI asks first.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from archive.queries import normalise_handle, resolve_handle
from bsfcore import __version__
from bsfcore.errors import BsfError, PackageError
from replication import queue as q
from replication.aip import AipPackager, UnknownObjectError
from replication.deletion import DeletionRecord, read_deletion_record
from replication.store import (
    ObjectStore,
    StoreConfig,
    deletion_record_name,
    parse_storage_name,
    storage_name,
)

AGENT = f"bsf {__version__} replicate"
TYPES = ("ITEM", "COLLECTION", "COMMUNITY", "SITE")


class ObjectExistsError(BsfError):
    """Restore was asked for an object the archive still has."""


def aip_names(engine: Engine, store: ObjectStore, config: StoreConfig,
              handle: str) -> dict[str, str | None]:
    """Store name -> MD5 recorded at transmission (None if unknown) of ``handle``'s AIPs."""
    names: dict[str, str | None] = {}
    with engine.connect() as conn:
        for rep in q.replicas_of(conn, handle):
            if rep.grp == config.aip_group:
                names[rep.name] = rep.md5
    for type_name in TYPES:
        name = storage_name(type_name, handle)
        if name not in names and store.exists(config.aip_group, name):
            names[name] = None
    return names


def fetch_checked(store: ObjectStore, config: StoreConfig, name: str, md5: str | None,
                  dest: Path) -> Path:
    """Fetch an AIP, refusing a copy whose MD5 differs from the one recorded at transmission."""
    got = store.fetch(config.aip_group, name, dest)
    if md5 is not None and got.md5 != md5:
        dest.unlink(missing_ok=True)
        raise PackageError(f"{config.aip_group}/{name}: corrupt store object: its MD5 {got.md5} "
                           f"differs from {md5} recorded when it was transmitted")
    return dest


def load_record(store: ObjectStore, config: StoreConfig, handle: str,
                tmp: Path) -> DeletionRecord | None:
    name = deletion_record_name(handle)
    if not store.exists(config.delete_group, name):
        return None
    path = tmp / name
    store.fetch(config.delete_group, name, path)
    return read_deletion_record(path, where=f"{config.delete_group}/{name}")


@dataclass
class RestoreResult:
    handle: str
    record: str | None
    restored: list[str] = field(default_factory=list)
    record_removed: bool = False


def restore_object(engine: Engine, store: ObjectStore, config: StoreConfig,
                   packager: AipPackager, handle: str, *,
                   staging: Path | None = None) -> RestoreResult:
    """Bring ``handle`` (and everything its deletion record lists) back into the archive."""
    handle = normalise_handle(handle)
    q.ensure_tables(engine)
    with engine.connect() as conn:
        if resolve_handle(conn, handle) is not None:
            raise ObjectExistsError(f"{handle} is in the archive; nothing to restore (to "
                                    "overwrite it from its AIP use bsf packager -r -f)")
    with tempfile.TemporaryDirectory(prefix="bsf-restore-", dir=staging) as tmp_name:
        tmp = Path(tmp_name)
        record = load_record(store, config, handle, tmp)
        top_names = aip_names(engine, store, config, handle)
        if not top_names:
            if record is None:
                raise UnknownObjectError(f"no deletion record and no AIP for handle {handle} "
                                         f"in the object store {config.location}")
            raise PackageError(f"{deletion_record_name(handle)} lists {handle}, but the store "
                               "holds no AIP for it; nothing restored, the record is kept")
        aips = tmp / "aips"
        aips.mkdir()
        top_name = sorted(top_names)[0]
        top = fetch_checked(store, config, top_name, top_names[top_name], aips / top_name)
        wanted = record.all_handles() if record else [handle]
        fetched = {handle}
        todo = [top]
        while todo:
            package = todo.pop(0)
            for child in packager.children(package):
                if child.handle in fetched:
                    continue
                fetched.add(child.handle)
                todo += _fetch_all(engine, store, config, child.handle, aips)
        for member in wanted:
            if member not in fetched:
                fetched.add(member)
                if not _fetch_all(engine, store, config, member, aips):
                    raise PackageError(f"{member} (listed in {deletion_record_name(handle)}) "
                                       "has no AIP in the store; nothing restored, the record "
                                       "is kept")
        created = packager.restore(engine, top)
        with engine.connect() as conn:
            missing = [h for h in wanted if resolve_handle(conn, h) is None]
        if missing:
            raise PackageError(f"restore of {handle} incomplete: {', '.join(missing)} still "
                               "missing; the deletion record is kept")
    result = RestoreResult(handle, deletion_record_name(handle) if record else None, created)
    with engine.begin() as conn:
        q.mark_deleted(conn, config.aip_group, wanted, None)
        q.add_events(conn, wanted, "restoration", "success", agent=AGENT,
                     detail="object restored into the archive from its AIP",
                     outcome_detail={m: f"restored with {handle}" for m in wanted
                                     if m != handle})
    if record is not None:
        store.remove(config.delete_group, deletion_record_name(handle))
        with engine.begin() as conn:
            q.forget_replica(conn, config.delete_group, deletion_record_name(handle))
        result.record_removed = True
    return result


@dataclass
class SiteRestoreResult:
    site: str
    packages: int
    restored: list[str] = field(default_factory=list)


def site_aip_name(store: ObjectStore, config: StoreConfig, site: str | None) -> str:
    """The SITE AIP to restore: the archive's own site's when the store has it, else the one
    SITE AIP the store holds."""
    if site is not None:
        own = storage_name("SITE", site)
        if store.exists(config.aip_group, own):
            return own
    found = [o.name for o in store.list(config.aip_group) if o.name.startswith("SITE@")]
    if len(found) == 1:
        return found[0]
    if not found:
        raise UnknownObjectError(f"no SITE AIP in the object store {config.location} "
                                 f"({config.aip_group}); run bsf replicate sync first")
    raise PackageError(f"the object store holds several SITE AIPs ({', '.join(found)}) and "
                       f"none is {storage_name('SITE', site or '?/0')}; nothing restored")


def restore_site(engine: Engine, store: ObjectStore, config: StoreConfig,
                 packager: AipPackager, *, staging: Path | None = None) -> SiteRestoreResult:
    """Rebuild the whole repository from the store; see the module docstring."""
    q.ensure_tables(engine)
    site = packager.site_handle(engine)
    name = site_aip_name(store, config, site)
    with engine.connect() as conn:
        recorded = {rep.name: rep.md5 for rep in q.registry_rows(conn, [config.aip_group])}
    with tempfile.TemporaryDirectory(prefix="bsf-restore-site-", dir=staging) as tmp_name:
        aips = Path(tmp_name) / "aips"
        aips.mkdir()
        top = fetch_checked(store, config, name, recorded.get(name), aips / name)
        fetched = {name}
        todo = [top]
        while todo:
            package = todo.pop()
            for child in packager.children(package):
                child_name = storage_name(child.type_name, child.handle)
                if child_name in fetched:
                    continue
                fetched.add(child_name)
                if not store.exists(config.aip_group, child_name):
                    continue  # the ingest reports what is missing (skipIfParentMissing)
                todo.append(fetch_checked(store, config, child_name, recorded.get(child_name),
                                          aips / child_name))
        created = packager.restore_site(engine, top)
    result = SiteRestoreResult(site or name, len(fetched), created)
    with engine.begin() as conn:
        q.add_events(conn, created, "restoration", "success", agent=AGENT,
                     detail="object restored into the archive from the object store (full "
                     "site restore)")
    return result


def _fetch_all(engine: Engine, store: ObjectStore, config: StoreConfig, handle: str,
               into: Path) -> list[Path]:
    return [fetch_checked(store, config, name, md5, into / name)
            for name, md5 in sorted(aip_names(engine, store, config, handle).items())]


@dataclass
class RemoveResult:
    handle: str
    removed: list[str] = field(default_factory=list)
    bytes_freed: int = 0


def removal_plan(engine: Engine, store: ObjectStore, config: StoreConfig,
                 handle: str) -> list[tuple[str, str]]:
    """(group, name) of everything ``remove`` would delete, for the confirmation prompt."""
    handle = normalise_handle(handle)
    q.ensure_tables(engine)
    with tempfile.TemporaryDirectory(prefix="bsf-remove-") as tmp:
        record = load_record(store, config, handle, Path(tmp))
    handles = record.all_handles() if record else [handle]
    plan = [(config.aip_group, name) for h in handles
            for name in sorted(aip_names(engine, store, config, h))]
    if record is not None:
        plan.append((config.delete_group, deletion_record_name(handle)))
    if not plan:
        raise UnknownObjectError(f"no AIP and no deletion record for handle {handle} in the "
                                 f"object store {config.location}")
    return plan


def remove_object(engine: Engine, store: ObjectStore, config: StoreConfig,
                  handle: str) -> RemoveResult:
    """Permanently delete ``handle``'s AIP(s), its members' AIPs and its deletion record."""
    handle = normalise_handle(handle)
    plan = removal_plan(engine, store, config, handle)
    result = RemoveResult(handle)
    # The record goes last: if anything fails midway, it still lists what is left.
    for group, name in plan:
        result.bytes_freed += store.remove(group, name)
        result.removed.append(f"{group}/{name}")
        with engine.begin() as conn:
            q.forget_replica(conn, group, name)
            if group == config.aip_group:
                parsed = parse_storage_name(name)
                q.add_event(conn, parsed[1] if parsed else handle, "deletion", "success",
                            obj=name, agent=AGENT,
                            detail="AIP permanently removed from the object store")
    return result
