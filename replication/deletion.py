"""Deletion records: ``DELETION-RECORD@<handle>.zip``, a BagIt bag that lists what was deleted.

The DSpace Replication Task Suite writes one when an object whose AIP is in the store is deleted,
instead of deleting the AIP (see research/aip-bagit.md §2.4). Layout, as the suite's CatalogPacker
writes it::

    DELETION-RECORD@123456789-2/
      bagit.txt  bag-info.txt  manifest-md5.txt  tagmanifest-md5.txt
      data/object.properties   ``key<two spaces>value`` lines: bagType man, objectType deletion,
                               objectId <handle>, created <epoch ms>, ownerId <parent handle>
      data/members             one handle per line (only when members were deleted with it)

Bags are made and checked with the ``bagit`` library. Reading a record re-validates it fully, so a
tampered or truncated record is refused with its name rather than half-trusted.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import bagit

from bsfcore import __version__
from bsfcore.errors import PackageError
from packager.safezip import extract_all
from replication.store import atomic_copy, deletion_record_name

PROPERTIES_DELIMITER = "  "
#: Entry times in the zip: the record's creation time is in object.properties; a fixed zip time
#: keeps two records of the same deletion byte-identical.
ZIP_TIME = (2002, 11, 4, 0, 0, 0)


@dataclass(frozen=True)
class DeletionRecord:
    """One deletion: the object, its type, its parent and every member deleted with it."""

    object_id: str
    #: ITEM / COLLECTION / COMMUNITY; None in records that do not say (the suite's)
    object_type: str | None = None
    owner_id: str | None = None
    created_ms: int = 0
    members: list[str] = field(default_factory=list)
    #: member handle -> type name (ITEM, COLLECTION, COMMUNITY), so restore needs no guessing.
    member_types: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return deletion_record_name(self.object_id)

    def all_handles(self) -> list[str]:
        """The object first, then its members in the recorded order."""
        return [self.object_id, *[m for m in self.members if m != self.object_id]]


def _properties_text(record: DeletionRecord) -> str:
    lines = [("bagType", "man"), ("objectType", "deletion"), ("objectId", record.object_id),
             ("created", str(record.created_ms))]
    if record.owner_id:
        lines.append(("ownerId", record.owner_id))
    # Our extension: the deleted object's own type (the suite leaves it implicit).
    if record.object_type:
        lines.append(("deletedType", record.object_type))
    return "".join(f"{k}{PROPERTIES_DELIMITER}{v}\n" for k, v in lines)


def _members_text(record: DeletionRecord) -> str:
    return "".join(f"{m}\n" for m in record.members)


def _member_types_text(record: DeletionRecord) -> str:
    return "".join(f"{m}{PROPERTIES_DELIMITER}{record.member_types[m]}\n"
                   for m in record.members if m in record.member_types)


def human_size(size: int) -> str:
    """commons-io ``byteCountToDisplaySize`` as the suite uses for Bag-Size (e.g. ``20 KB``)."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def write_deletion_record(record: DeletionRecord, dest: Path, *,
                          source_organization: str = "org.dspace") -> Path:
    """Write the record as a BagIt zip at ``dest`` (atomically) and return ``dest``."""
    bag_name = record.name[: -len(".zip")]
    with tempfile.TemporaryDirectory(prefix="bsf-delrec-") as tmp:
        bag_dir = Path(tmp) / bag_name
        bag_dir.mkdir()
        (bag_dir / "object.properties").write_text(_properties_text(record), encoding="utf-8")
        if record.members:
            (bag_dir / "members").write_text(_members_text(record), encoding="utf-8")
            if record.member_types:
                (bag_dir / "member.types").write_text(_member_types_text(record),
                                                      encoding="utf-8")
        payload = sum(p.stat().st_size for p in bag_dir.iterdir())
        info = {
            "Source-Organization": source_organization,
            "Bag-Size": human_size(payload),
            "Bagging-Date": _date_of(record.created_ms),
            "External-Identifier": f"hdl:{record.object_id}",
            "Bag-Software-Agent": f"bsf {__version__}",
        }
        bag = bagit.make_bag(str(bag_dir), bag_info=info, checksums=["md5"])
        bag.validate()
        zip_tmp = Path(tmp) / "record.zip"
        with zipfile.ZipFile(zip_tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(bag_dir.rglob("*")):
                if path.is_file():
                    rel = path.relative_to(bag_dir).as_posix()
                    entry = zipfile.ZipInfo(f"{bag_name}/{rel}", ZIP_TIME)
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    entry.external_attr = 0o644 << 16
                    archive.writestr(entry, path.read_bytes())
        with zip_tmp.open("rb") as src:
            atomic_copy(src, dest)
    return dest


def _date_of(created_ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(created_ms / 1000, UTC).strftime("%Y-%m-%d")


def read_deletion_record(path: Path, *, where: str | None = None) -> DeletionRecord:
    """Unpack, fully validate and parse a deletion record; any defect is a PackageError."""
    where = where or path.name
    with tempfile.TemporaryDirectory(prefix="bsf-delrec-") as tmp:
        entries = extract_all(path, Path(tmp), where)
        tops = {e.parts[0] for e in entries}
        if len(tops) != 1 or any(len(e.parts) < 2 for e in entries):
            raise PackageError(f"{where}: a deletion record holds exactly one bag folder")
        bag_dir = Path(tmp) / tops.pop()
        try:
            bag = bagit.Bag(str(bag_dir))
            bag.validate()
        except bagit.BagValidationError as exc:
            details = "; ".join(str(d) for d in exc.details) or str(exc)
            raise PackageError(f"{where}: invalid BagIt bag: {details}") from None
        except bagit.BagError as exc:
            raise PackageError(f"{where}: invalid BagIt bag: {exc}") from None
        props = _parse_properties(bag_dir / "data" / "object.properties", where)
        members_file = bag_dir / "data" / "members"
        members = []
        if members_file.is_file():
            members = [line.strip() for line in
                       members_file.read_text(encoding="utf-8").splitlines() if line.strip()]
        types_file = bag_dir / "data" / "member.types"
        member_types: dict[str, str] = {}
        if types_file.is_file():
            member_types = _parse_properties(types_file, where)
    if props.get("objectType") != "deletion" or not props.get("objectId"):
        raise PackageError(f"{where}: object.properties is not a deletion record "
                           f"(objectType={props.get('objectType')!r})")
    try:
        created = int(props.get("created", "0"))
    except ValueError:
        raise PackageError(f"{where}: object.properties: bad created value "
                           f"{props.get('created')!r}") from None
    return DeletionRecord(props["objectId"], props.get("deletedType"),
                          props.get("ownerId"), created, members, member_types)


def _parse_properties(path: Path, where: str) -> dict[str, str]:
    if not path.is_file():
        raise PackageError(f"{where}: missing data/{path.name}")
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(PROPERTIES_DELIMITER)
        if not sep:  # tolerate Java properties syntax (key=value / key value)
            for alt in ("=", ":", " "):
                key, sep, value = line.partition(alt)
                if sep:
                    break
        if not sep:
            raise PackageError(f"{where}: data/{path.name}:{number}: not 'key  value': {line!r}")
        values[key.strip()] = value.strip()
    return values

