"""``bsf replicate restore-bag``: rebuild a BagIt bag for one object from the object store.

Modelled on APTrust's bag restorer (seed 004, research/aip-bagit.md §3):

* every payload file of the object's stored package is copied into ``data/``, each verified
  against its recorded checksum on the way; a mismatch stops the build, names the file, and
  leaves nothing behind (the bag is built in a hidden folder inside ``--dest`` and renamed into
  place only once it validated);
* the original tag files are kept (``bag-info.txt``, ``aptrust-info.txt``, any other file
  outside ``data/`` that is not a manifest, tag manifest, ``bagit.txt`` or ``fetch.txt``);
* manifests and tag manifests: md5 + sha256 (APTrust profile) or sha1 + sha256 + sha512 (BTR);
* ``bag-info.txt`` gets a new Payload-Oxum, Bagging-Date (RFC 3339, UTC), Bag-Size (the whole
  bag's size, as APTrust's restorer writes it) and Bagging-Software, each old value kept as
  ``Original-<Name>``; an APTrust bag rebuilt from a METS AIP gets the ``aptrust-info.txt`` the
  profile requires (:mod:`.tags`);
* ``premis-events.json`` carries the object's PREMIS events (see :mod:`.premis_events`);
* the result passes bagit's full validation (every algorithm, every file) before it is
  published, as a folder ``<dest>/<TYPE>@<handle>/`` or, with ``tar``,
  ``<dest>/<TYPE>@<handle>.tar``.

The bag itself is made by the ``bagit`` library; bagit writes bag-info tags in name order, so
the ``Original-*`` tags sort beside the others rather than at the end as APTrust's do.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bagit
from sqlalchemy import Engine

from archive.queries import normalise_handle
from bsfcore import __version__
from bsfcore.errors import PackageError
from bsfcore.runtime import now
from replication import queue as q
from replication.aip import UnknownObjectError
from replication.bags import premis_events as pe
from replication.bags.source import SourcePackage, read_source
from replication.bags.tags import APTRUST_INFO, AptrustDefaults, aptrust_info, settle_bag_size
from replication.store import ObjectStore, StoreConfig, storage_name

BAGGING_SOFTWARE = f"bsf {__version__} restored bag builder"
REWRITTEN = ("Payload-Oxum", "Bagging-Date", "Bag-Size", "Bagging-Software")
CHUNK = 1 << 20


@dataclass(frozen=True)
class BagProfile:
    name: str
    algorithms: tuple[str, ...]
    identifier: str


PROFILES = {
    "aptrust": BagProfile("aptrust", ("md5", "sha256"),
                          "https://raw.githubusercontent.com/APTrust/preservation-services/"
                          "master/profiles/aptrust-v2.3.json"),
    "btr": BagProfile("btr", ("sha1", "sha256", "sha512"),
                      "https://github.com/dpscollaborative/btr_bagit_profile/releases/download/"
                      "1.0/btr-bagit-profile.json"),
}


@dataclass(frozen=True)
class RestoredBag:
    path: Path
    profile: str
    source_kind: str
    payload_files: int
    payload_bytes: int


def human_size(size: int) -> str:
    """APTrust's ``ToHumanSize``: 1024-based, two decimals (``1.50 MB``)."""
    value = float(size)
    for unit in ("Bytes", "KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.2f} {unit}"
        value /= 1024
    return f"{value:.2f} TB"


def choose_profile(name: str | None, original: list[tuple[str, str]]) -> BagProfile:
    """The requested profile; else BTR when the original bag says so (as APTrust does)."""
    if name is not None:
        try:
            return PROFILES[name.lower()]
        except KeyError:
            raise PackageError(f"unknown bag profile {name!r} (aptrust or btr)") from None
    for key, value in original:
        if key.lower() == "bagit-profile-identifier" and "btr-bagit-profile" in value:
            return PROFILES["btr"]
    return PROFILES["aptrust"]


def rewrite_bag_info(original: list[tuple[str, str]], *, payload_bytes: int, payload_files: int,
                     profile: BagProfile, when: datetime,
                     defaults: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The restored bag's tags: the original ones, the four rewritten with ``Original-*`` kept
    (an ``Original-*`` already present, from an earlier restoration, is kept as it is)."""
    tags = list(original) if original else list(defaults)
    old: dict[str, str] = {}
    kept: list[tuple[str, str]] = []
    present = {k.lower() for k, _v in tags}
    for key, value in tags:
        canon = next((r for r in REWRITTEN if r.lower() == key.lower()), None)
        if canon is not None:
            old.setdefault(canon, value)
        else:
            kept.append((key, value))
    new = {
        "Payload-Oxum": f"{payload_bytes}.{payload_files}",
        "Bagging-Date": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Bag-Size": human_size(payload_bytes),
        "Bagging-Software": BAGGING_SOFTWARE,
    }
    kept += list(new.items())
    for name in REWRITTEN:
        if name in old and f"original-{name.lower()}" not in present:
            kept.append((f"Original-{name}", old[name]))
    if "bagit-profile-identifier" not in present:
        kept.append(("BagIt-Profile-Identifier", profile.identifier))
    if "source-organization" not in present:  # required by the BTR profile
        kept += [(k, v) for k, v in defaults if k == "Source-Organization"]
    return kept


def _as_bagit_info(tags: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    info: dict[str, str | list[str]] = {}
    for key, value in tags:
        if key in info:
            prev = info[key]
            info[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            info[key] = value
    return info


def find_aip(engine: Engine, store: ObjectStore, config: StoreConfig,
             handle: str) -> tuple[str, str | None]:
    """(store name, MD5 recorded at transmission or None) of ``handle``'s AIP."""
    with engine.connect() as conn:
        reps = [r for r in q.replicas_of(conn, handle) if r.grp == config.aip_group]
    if reps:
        return reps[0].name, reps[0].md5
    for type_name in ("ITEM", "COLLECTION", "COMMUNITY", "SITE"):
        name = storage_name(type_name, handle)
        if store.exists(config.aip_group, name):
            return name, None
    raise UnknownObjectError(f"no AIP for handle {handle} in the object store "
                             f"({config.location}/{config.aip_group})")


def _verify_and_place(source: SourcePackage, bag_dir: Path, where: str) -> tuple[int, int]:
    """Hash every payload file with its recorded algorithms; move it into the bag if it
    matches. Returns (bytes, files)."""
    total = 0
    for pf in source.payload:
        digests = {alg: hashlib.new(alg) for alg in pf.recorded}
        size = 0
        with pf.path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                size += len(chunk)
                for d in digests.values():
                    d.update(chunk)
        for alg, digest in digests.items():
            if digest.hexdigest() != pf.recorded[alg]:
                raise PackageError(
                    f"{where}: {pf.rel}: checksum mismatch ({alg} recorded "
                    f"{pf.recorded[alg]}, found {digest.hexdigest()}); restore-bag stopped, "
                    "nothing written")
        target = bag_dir.joinpath(*pf.rel.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(pf.path, target)
        total += size
    return total, len(source.payload)


def _write_tar(bag_dir: Path, bag_name: str, out: Path, when: datetime) -> None:
    """A PAX tar with every entry under ``<bag_name>/`` in APTrust's order: bagit.txt, payload
    and tag files, payload manifests, tag manifests last."""
    files = sorted(p for p in bag_dir.rglob("*") if p.is_file())

    def rank(path: Path) -> tuple[int, str]:
        rel = path.relative_to(bag_dir).as_posix()
        if rel == "bagit.txt":
            return 0, rel
        if rel.startswith("tagmanifest-"):
            return 3, rel
        if rel.startswith("manifest-"):
            return 2, rel
        return 1, rel

    stamp = int(when.timestamp())
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(files, key=rank):
            info = tar.gettarinfo(str(path), f"{bag_name}/{path.relative_to(bag_dir).as_posix()}")
            info.mode, info.mtime, info.uid, info.gid = 0o644, stamp, 0, 0
            info.uname = info.gname = ""
            with path.open("rb") as fh:
                tar.addfile(info, fh)


def restore_bag(engine: Engine, store: ObjectStore, config: StoreConfig, handle: str,
                dest: Path, *, profile: str | None = None, tar: bool = False,
                source_organization: str = "org.dspace",
                when: datetime | None = None,
                aptrust: AptrustDefaults | None = None) -> RestoredBag:
    """Rebuild ``handle``'s bag under ``dest``; see the module docstring."""
    handle = normalise_handle(handle)
    when = when or now()
    q.ensure_tables(engine)
    name, recorded_md5 = find_aip(engine, store, config, handle)
    bag_name = name[: -len(".zip")]
    where = f"{config.aip_group}/{name}"
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / (f"{bag_name}.tar" if tar else bag_name)
    if final.exists():
        raise PackageError(f"{final} already exists; move it away or choose another --dest")
    work = Path(tempfile.mkdtemp(prefix=f".{bag_name}.partial-", dir=dest))
    try:
        fetched = store.fetch(config.aip_group, name, work / "source.zip")
        if recorded_md5 is not None and fetched.md5 != recorded_md5:
            raise PackageError(f"{where}: corrupt store object: its MD5 {fetched.md5} differs "
                               f"from {recorded_md5} recorded when it was transmitted; "
                               "nothing written")
        source = read_source(work / "source.zip", work / "src", where)
        chosen = choose_profile(profile, source.bag_info)
        bag_dir = work / bag_name
        bag_dir.mkdir()
        payload_bytes, payload_files = _verify_and_place(source, bag_dir, where)
        defaults = [("Source-Organization", source_organization),
                    ("External-Identifier", f"hdl:{handle}"),
                    ("Internal-Sender-Identifier", name)]
        tags = rewrite_bag_info(source.bag_info, payload_bytes=payload_bytes,
                                payload_files=payload_files, profile=chosen, when=when,
                                defaults=defaults)
        bagit.make_bag(str(bag_dir), bag_info=_as_bagit_info(tags),
                       checksums=list(chosen.algorithms))
        for rel, path in source.tag_files.items():
            if rel in ("bag-info.txt", pe.EVENTS_FILE):
                continue
            target = bag_dir.joinpath(*rel.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        if chosen.name == "aptrust" and APTRUST_INFO not in source.tag_files:
            (bag_dir / APTRUST_INFO).write_text(aptrust_info(
                source.title or f"hdl:{handle}", source.description,
                aptrust or AptrustDefaults()), encoding="utf-8")
        events, closing = _collect_events(engine, handle, source, where, bag_name, chosen,
                                          when, payload_bytes, payload_files)
        (bag_dir / pe.EVENTS_FILE).write_bytes(
            pe.document(handle, bag_name, BAGGING_SOFTWARE, events, closing))
        bag = bagit.Bag(str(bag_dir))

        def save(bag_size: str) -> None:
            sized = [(k, bag_size if k == "Bag-Size" else v) for k, v in tags]
            bag.info = _as_bagit_info(sized)  # drops bagit's own Bag-Software-Agent
            bag.save()  # rewrites bag-info and every tag manifest (listing the kept tag files)

        settle_bag_size(bag_dir, human_size, save)
        try:
            bagit.Bag(str(bag_dir)).validate()
        except bagit.BagError as exc:  # pragma: no cover - a bug, not bad input
            raise PackageError(f"{where}: the rebuilt bag does not validate: {exc}") from None
        if tar:
            partial = work / "bag.tar"
            _write_tar(bag_dir, bag_name, partial, when)
            os.replace(partial, final)
        else:
            os.replace(bag_dir, final)
        with engine.begin() as conn:
            q.add_event(conn, handle, "restoration", "success", obj=final.name,
                        agent=BAGGING_SOFTWARE,
                        detail=f"bag rebuilt from {where} ({chosen.name} profile)",
                        outcome_detail=f"Payload-Oxum {payload_bytes}.{payload_files}",
                        when=when)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return RestoredBag(final, chosen.name, source.kind, payload_files, payload_bytes)


def _collect_events(engine: Engine, handle: str, source: SourcePackage, where: str,
                    bag_name: str, profile: BagProfile, when: datetime, payload_bytes: int,
                    payload_files: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    events: list[dict[str, Any]] = []
    events += pe.from_mets(handle, source.mets_events)
    with engine.connect() as conn:
        events += pe.from_history(conn, handle, [p.rel for p in source.payload])
        events += pe.from_registry(handle, q.events_of(conn, handle))
    closing = pe.make_event(
        handle, "restoration", when, detail=f"bag rebuilt from {where} by {BAGGING_SOFTWARE}",
        outcome="success", outcome_detail=f"profile={profile.name} "
        f"Payload-Oxum={payload_bytes}.{payload_files}", obj=bag_name,
        agent=BAGGING_SOFTWARE)
    return events, closing
