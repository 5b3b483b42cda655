"""Read an object's stored AIP as the *source* of a restored bag.

The store's AIP group may hold two kinds of package under ``<TYPE>@<handle>.zip``:

* a **METS AIP** (what ``bsf replicate sync`` transmits): every zip entry is payload; the
  recorded checksum of each bitstream is the ``CHECKSUM`` its ``mets:file`` carries, and the
  whole package is covered by the MD5 the replica registry recorded at transmission;
* a **BagIt AIP** (e.g. one the DSpace Replication Task Suite wrote with ``pkgtype = bagit``,
  or a deposited bag): its ``data/`` files are payload, its manifests are the recorded
  checksums, and its other tag files (``bag-info.txt``, ``aptrust-info.txt``, ...) are the
  *original tag files* a restored bag keeps.

Either way the package is unpacked with the hostile-zip checks into a private folder; nothing
is trusted until its checksum was verified by :mod:`replication.bags.restored`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from bsfcore.errors import InputError, PackageError
from packager.safezip import STORE_AIP_LIMITS, extract_all
from registries.xmlsafe import parse_xml

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
PREMIS = "info:lc/xmlns/premis-v2"
DIM = "http://www.dspace.org/xmlns/dspace/dim"
#: Tag files a rebuilt bag regenerates rather than keeps (the seed's rule).
_REGENERATED = re.compile(r"^(bagit\.txt|fetch\.txt|(tag)?manifest-[a-z0-9]+\.txt)$")
#: AIPs hold whole archives' worth of files: no total cap beyond the disk, but ratios apply.


@dataclass
class PayloadFile:
    """One payload file: where it lies unpacked, its path under ``data/``, recorded digests."""

    rel: str
    path: Path
    recorded: dict[str, str] = field(default_factory=dict)


@dataclass
class SourcePackage:
    kind: str  # "mets" | "bagit"
    payload: list[PayloadFile]
    #: original tag files to keep: relative name -> unpacked path (bag-info.txt included)
    tag_files: dict[str, Path]
    #: bag-info.txt of the original, in order (empty for a METS AIP)
    bag_info: list[tuple[str, str]]
    #: PREMIS events of a METS AIP's mets.xml (read before the file moves into the bag)
    mets_events: list[dict[str, str | None]] = field(default_factory=list)
    #: a METS AIP's dc.title and dc.description.abstract (for a new aptrust-info.txt)
    title: str | None = None
    description: str | None = None


def read_source(package: Path, unpack_to: Path, where: str) -> SourcePackage:
    """Unpack ``package`` into ``unpack_to`` and describe it; see the module docstring."""
    entries = extract_all(package, unpack_to, where, limits=STORE_AIP_LIMITS)
    names = {e.as_posix() for e in entries}
    if "mets.xml" in names:
        return _mets_source(unpack_to, entries, where)
    roots = {e.parts[0] for e in entries if len(e.parts) == 2 and e.parts[1] == "bagit.txt"}
    if "bagit.txt" in names:
        return _bag_source(unpack_to, entries, where)
    if len(roots) == 1:
        root = roots.pop()
        inner = [PurePosixPath(*e.parts[1:]) for e in entries if e.parts[0] == root
                 and len(e.parts) > 1]
        return _bag_source(unpack_to / root, inner, where)
    raise PackageError(f"{where}: neither a METS AIP (no mets.xml) nor a BagIt bag "
                       "(no bagit.txt)")


def _mets_source(root: Path, entries: list[PurePosixPath], where: str) -> SourcePackage:
    mets_path = root / "mets.xml"
    try:
        tree = parse_xml(mets_path, name=f"{where}: mets.xml")
    except InputError as exc:
        raise PackageError(str(exc)) from None
    recorded: dict[str, dict[str, str]] = {}
    for file_el in tree.iter(f"{{{METS}}}file"):
        flocat = file_el.find(f"{{{METS}}}FLocat")
        checksum, kind = file_el.get("CHECKSUM"), (file_el.get("CHECKSUMTYPE") or "").lower()
        if flocat is None or not checksum or not kind:
            continue
        href = flocat.get(f"{{{XLINK}}}href") or ""
        recorded[href] = {kind.replace("-", ""): checksum.lower()}
    payload = []
    for entry in sorted(entries, key=lambda e: e.as_posix()):
        rel = entry.as_posix()
        payload.append(PayloadFile(rel, root / entry, recorded.pop(rel, {})))
    if recorded:
        missing = ", ".join(sorted(recorded))
        raise PackageError(f"{where}: mets.xml lists files the package lacks: {missing}")
    title, description = _dim_title(tree)
    return SourcePackage("mets", payload, {}, [], premis_events(tree), title, description)


def _dim_title(tree: etree._ElementTree) -> tuple[str | None, str | None]:
    """The object's own dc.title and dc.description.abstract: the DIM of the dmdSecs the
    object's structMap div names (a collection's item template has dmdSecs of its own)."""
    div0 = next((d for d in tree.iter(f"{{{METS}}}div")
                 if d.get("TYPE") == "DSpace Object Contents"), None)
    own = set((div0.get("DMDID") or "").split()) if div0 is not None else set()
    title = description = None
    for sec in tree.iter(f"{{{METS}}}dmdSec"):
        if own and sec.get("ID") not in own:
            continue
        for f in sec.iter(f"{{{DIM}}}field"):
            if f.get("mdschema") != "dc" or not (f.text or "").strip():
                continue
            if f.get("element") == "title" and not f.get("qualifier") and title is None:
                title = " ".join(f.text.split())
            elif f.get("element") == "description" and f.get("qualifier") == "abstract" \
                    and description is None:
                description = " ".join(f.text.split())
    return title, description


def _bag_source(root: Path, entries: list[PurePosixPath], where: str) -> SourcePackage:
    recorded: dict[str, dict[str, str]] = {}
    tag_files: dict[str, Path] = {}
    for entry in entries:
        rel = entry.as_posix()
        match = re.match(r"^manifest-([a-z0-9]+)\.txt$", rel)
        if match:
            for number, line in enumerate((root / entry).read_text("utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                parts = line.strip().split(None, 1)
                if len(parts) != 2:
                    raise PackageError(f"{where}: {rel}:{number}: not '<digest> <path>'")
                recorded.setdefault(_unescape(parts[1]), {})[match.group(1)] = parts[0].lower()
        elif entry.parts[0] != "data" and not _REGENERATED.match(rel):
            tag_files[rel] = root / entry
    payload = []
    for entry in sorted(entries, key=lambda e: e.as_posix()):
        if entry.parts[0] != "data":
            continue
        rel = entry.as_posix()
        digests = recorded.pop(rel, None)
        if not digests:
            raise PackageError(f"{where}: payload file {rel} is in no manifest")
        payload.append(PayloadFile(PurePosixPath(*entry.parts[1:]).as_posix(), root / entry,
                                   digests))
    if recorded:
        raise PackageError(f"{where}: manifest lists missing payload files: "
                           f"{', '.join(sorted(recorded))}")
    info: list[tuple[str, str]] = []
    if "bag-info.txt" in tag_files:
        info = parse_bag_info(tag_files["bag-info.txt"].read_text("utf-8"))
    return SourcePackage("bagit", payload, tag_files, info)


def _unescape(path: str) -> str:
    """Manifest paths percent-encode CR, LF and %, as BagIt 1.0 says."""
    return path.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def parse_bag_info(text: str) -> list[tuple[str, str]]:
    """``Name: value`` lines in order, continuation lines (leading blank) joined."""
    tags: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line[0] in " \t" and tags:
            name, value = tags[-1]
            tags[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if sep:
            tags.append((name.strip(), value.strip()))
    return tags


def premis_events(tree: etree._ElementTree) -> list[dict[str, str | None]]:
    """The PREMIS events an AIP's mets.xml carries, each with the file it is about."""
    events: list[dict[str, str | None]] = []
    for premis in tree.iter(f"{{{PREMIS}}}premis"):
        obj = premis.find(f"{{{PREMIS}}}object/{{{PREMIS}}}objectIdentifier/"
                          f"{{{PREMIS}}}objectIdentifierValue")
        target = obj.text.strip() if obj is not None and obj.text else None
        for event in premis.iter(f"{{{PREMIS}}}event"):
            def text(path: str, el: etree._Element = event) -> str | None:
                found = el.find(path)
                return found.text.strip() if found is not None and found.text else None

            notes = [n.text.strip() for n in event.iter(f"{{{PREMIS}}}eventOutcomeDetailNote")
                     if n.text]
            events.append({
                "event_type": text(f"{{{PREMIS}}}eventType"),
                "date_time": text(f"{{{PREMIS}}}eventDateTime"),
                "detail": text(f"{{{PREMIS}}}eventDetail"),
                "outcome": text(f"{{{PREMIS}}}eventOutcomeInformation/{{{PREMIS}}}eventOutcome"),
                "outcome_detail": "; ".join(notes) or None,
                "file": target,
                "agent": text(f"{{{PREMIS}}}linkingAgentIdentifier/"
                              f"{{{PREMIS}}}linkingAgentIdentifierValue"),
            })
    return events
