"""Read a DSpace AIP manifest back into a :class:`packager.model.ArchiveObject`.

The inverse of :mod:`packager.mets_write`, tolerant of DSpace's own AIPs: ingest prefers DIM
over MODS, takes the format from PREMIS ``formatRegistry`` keys when present (else from the
AIP-TECHMD short description, as DSpace does) and the identification from the PREMIS event.
Each section is read by the crosswalk ``mets.dspaceAIP.ingest.crosswalk.<mdType>`` names (by
default the one named like its type); a crosswalk set to NIL skips its sections, and
``ArchiveObject.ignored`` tells ingest which ones were skipped. The object's descriptive
metadata are the dmdSecs its structMap div names; a ``DSpace ITEM Template`` div names a
collection's item template's. Structural problems (wrong PROFILE, unknown TYPE, a file without
ADMID) raise PackageError.
A malformed handle or a value too long for its column raises PackageError too
(:mod:`packager.package_checks`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from lxml import etree

from bsfcore.errors import PackageError
from packager.aipconfig import IngestCrosswalks
from packager.crosswalks import (
    read_dim,
    read_mods,
    read_registry,
    read_techmd_bitstream,
    read_techmd_bundle,
    read_techmd_object,
)
from packager.model import (
    ArchiveObject,
    BitstreamRec,
    BundleRec,
    ChildRef,
    FormatInfo,
    MetadataValue,
    parse_iso,
)
from packager.package_checks import check_package_values
from packager.premis import read_premis
from packager.roles import read_rights, read_roles
from packager.xmlns import METS, PREMIS, PROFILE, XLINK, q

TYPES = ("SITE", "COMMUNITY", "COLLECTION", "ITEM")
_FILE_ID = re.compile(r"^bitstream_(\d+)$")
_OBJ_ID = re.compile(r"^DSpace_[A-Z]+_DB-ID-(\d+)$")
_TEMPLATE_DIV = "DSpace ITEM Template"
_DEFAULT = IngestCrosswalks()


def _wrapped(section: etree._Element) -> tuple[str, etree._Element | None]:
    wrap = section.find(q(METS, "mdWrap"))
    if wrap is None:
        return "", None
    mdtype = wrap.get("MDTYPE", "")
    if mdtype == "OTHER":
        mdtype = wrap.get("OTHERMDTYPE", "")
    data = wrap.find(q(METS, "xmlData"))
    content = next((c for c in data if isinstance(c.tag, str)), None) if data is not None \
        else None
    return mdtype.upper(), content


def _md_sections(amd: etree._Element | None, crosswalks: IngestCrosswalks = _DEFAULT,
                 ignored: set[str] | None = None) -> dict[str, list[etree._Element]]:
    """The wrapped sections of an amdSec keyed by the crosswalk that reads them; sections
    whose crosswalk is NIL are left out (and their type noted in ``ignored``)."""
    found: dict[str, list[etree._Element]] = {}
    if amd is None:
        return found
    for section in amd:
        if not isinstance(section.tag, str):
            continue
        mdtype, content = _wrapped(section)
        if content is None:
            continue
        crosswalk = crosswalks.crosswalk(mdtype)
        if crosswalk is None:
            if ignored is not None:
                ignored.add(mdtype)
            continue
        found.setdefault(crosswalk, []).append(content)
    return found


def _dmd(root: etree._Element, ids: dict[str | None, etree._Element], dmdid: str | None,
         crosswalks: IngestCrosswalks, ignored: set[str]) -> list[MetadataValue] | None:
    """Descriptive metadata from the dmdSecs ``dmdid`` names: DIM first, then MODS."""
    found: dict[str, etree._Element] = {}
    for ref in (dmdid or "").split():
        sec = ids.get(ref)
        if sec is None or sec.tag != q(METS, "dmdSec"):
            continue
        mdtype, content = _wrapped(sec)
        crosswalk = crosswalks.crosswalk(mdtype) if content is not None else None
        if content is not None and crosswalk is None:
            ignored.add(mdtype)
        if crosswalk is not None and content is not None:
            found.setdefault(crosswalk, content)
    if "DIM" in found:
        return read_dim(found["DIM"])
    if "MODS" in found:
        return read_mods(found["MODS"])
    return None


def read_manifest(root: etree._Element, name: str = "mets.xml",
                  crosswalks: IngestCrosswalks | None = None) -> ArchiveObject:
    if root.tag != q(METS, "mets"):
        raise PackageError(f"{name}: root element is {root.tag}, not METS")
    if root.get("PROFILE") != PROFILE:
        raise PackageError(f"{name}: METS PROFILE {root.get('PROFILE')!r} is not the DSpace AIP "
                           f"profile {PROFILE}")
    mets_type = (root.get("TYPE") or "").removeprefix("DSpace ").strip()
    if mets_type not in TYPES:
        raise PackageError(f"{name}: unknown METS TYPE {root.get('TYPE')!r}")
    objid = root.get("OBJID") or ""
    handle = objid[4:] if objid.startswith("hdl:") else None
    match = _OBJ_ID.match(root.get("ID") or "")
    hdr = root.find(q(METS, "metsHdr"))
    site = ""
    last_modified = None
    if hdr is not None:
        for agent in hdr.findall(q(METS, "agent")):
            if agent.get("ROLE") == "CUSTODIAN":
                site = (agent.findtext(q(METS, "name")) or "").strip()
        if hdr.get("LASTMODDATE"):
            try:
                last_modified = parse_iso(hdr.get("LASTMODDATE", ""))
            except ValueError:
                raise PackageError(f"{name}: bad LASTMODDATE {hdr.get('LASTMODDATE')!r}") \
                    from None
    obj = ArchiveObject(type_name=mets_type, id=int(match.group(1)) if match else 0,
                        handle=handle, site_handle=site, last_modified=last_modified)
    ids = {el.get("ID"): el for el in root.iter() if isinstance(el.tag, str) and el.get("ID")}
    cw = crosswalks or _DEFAULT
    ignored = obj.ignored

    struct = next((s for s in root.findall(q(METS, "structMap"))
                   if s.get("LABEL") == "DSpace Object"), None)
    div0 = struct.find(q(METS, "div")) if struct is not None else None
    if div0 is not None and div0.get("DMDID"):
        obj.metadata = _dmd(root, ids, div0.get("DMDID"), cw, ignored) or []
    else:  # no DMDID on the object's div: every dmdSec not naming a template
        template_refs = {r for d in root.iter(q(METS, "div")) if d.get("TYPE") == _TEMPLATE_DIV
                         for r in (d.get("DMDID") or "").split()}
        own = " ".join(str(s.get("ID")) for s in root.findall(q(METS, "dmdSec"))
                       if s.get("ID") and s.get("ID") not in template_refs)
        obj.metadata = _dmd(root, ids, own, cw, ignored) or []
    if div0 is not None:
        sections = _md_sections(ids.get((div0.get("ADMID") or "").split(" ")[0]), cw, ignored)
        if "DSPACE-ROLES" in sections:
            obj.roles = read_roles(sections["DSPACE-ROLES"][0])
        if "DSPACE-METADATA-REGISTRY" in sections:
            obj.schemas, obj.fields = read_registry(sections["DSPACE-METADATA-REGISTRY"][0])
        if "METSRIGHTS" in sections:
            obj.policies = read_rights(sections["METSRIGHTS"][0])
        if "AIP-TECHMD" in sections:
            read_techmd_object(read_dim(sections["AIP-TECHMD"][0]), obj)
        for div in div0.findall(q(METS, "div")):
            if div.get("TYPE") == _TEMPLATE_DIV and mets_type == "COLLECTION":
                obj.template = _dmd(root, ids, div.get("DMDID"), cw, ignored) or []
                continue
            child_type = (div.get("TYPE") or "").removeprefix("DSpace ").strip()
            if child_type not in TYPES:
                continue
            child_handle = package = None
            for mptr in div.findall(q(METS, "mptr")):
                href = mptr.get(q(XLINK, "href"))
                if mptr.get("LOCTYPE") == "HANDLE":
                    child_handle = href
                elif mptr.get("LOCTYPE") == "URL":
                    package = href
            if package:
                obj.children.append(ChildRef(child_type, child_handle, 0, package))
    parent_map = next((s for s in root.findall(q(METS, "structMap"))
                       if s.get("LABEL") == "Parent"), None)
    if parent_map is not None:
        mptr = next(parent_map.iter(q(METS, "mptr")), None)
        if mptr is not None and mptr.get(q(XLINK, "href")):
            obj.parent_handle = mptr.get(q(XLINK, "href"))

    primary_original = None
    if div0 is not None:
        direct = [f.get("FILEID") for f in div0.findall(q(METS, "fptr"))]
        primary_original = next((f for f in direct if f and f.startswith("bitstream_")), None)
    file_sec = root.find(q(METS, "fileSec"))
    for grp in file_sec.findall(q(METS, "fileGrp")) if file_sec is not None else ():
        use = grp.get("USE") or ""
        files = [_read_file(f, ids, name, cw, ignored) for f in grp.findall(q(METS, "file"))]
        if use == "LOGO":
            obj.logo = files[0] if files else None
            continue
        bundle = BundleRec(name=use, bitstreams=files)
        bundle_md = _md_sections(ids.get(grp.get("ADMID") or ""), cw, ignored)
        primary = read_techmd_bundle(read_dim(bundle_md["AIP-TECHMD"][0])) \
            if "AIP-TECHMD" in bundle_md else None
        if use == "ORIGINAL" and primary is None and primary_original and obj.logo is None:
            primary = primary_original if any(b.file_id == primary_original for b in files) \
                else None
        if primary:
            m = _FILE_ID.match(primary)
            bundle.primary_bitstream_id = int(m.group(1)) if m else None
        if "METSRIGHTS" in bundle_md:
            bundle.policies = read_rights(bundle_md["METSRIGHTS"][0])
        obj.bundles.append(bundle)
    check_package_values(obj, name)  # handles are data, values fit their columns
    return obj


def _read_file(el: etree._Element, ids: dict[str | None, etree._Element], name: str,
               crosswalks: IngestCrosswalks = _DEFAULT,
               ignored: set[str] | None = None) -> BitstreamRec:
    file_id = el.get("ID") or ""
    match = _FILE_ID.match(file_id)
    size_text = el.get("SIZE") or "0"
    if not size_text.isdigit():
        raise PackageError(f"{name}:{el.sourceline}: file {file_id} has SIZE {size_text!r}")
    loc = el.find(q(METS, "FLocat"))
    bit = BitstreamRec(
        id=int(match.group(1)) if match else 0, name=None, size=int(size_text),
        checksum=el.get("CHECKSUM"), checksum_algorithm=el.get("CHECKSUMTYPE"),
        sequence_id=int(el.get("SEQ")) if (el.get("SEQ") or "").isdigit() else None,
        entry_name=loc.get(q(XLINK, "href")) if loc is not None else None)
    sections = _md_sections(ids.get((el.get("ADMID") or "").split(" ")[0]), crosswalks, ignored)
    info: FormatInfo | None = None
    if "AIP-TECHMD" in sections:
        info = read_techmd_bitstream(read_dim(sections["AIP-TECHMD"][0]), bit)
    if "PREMIS" in sections:
        premis = sections["PREMIS"][0]
        if premis.tag != q(PREMIS, "premis"):
            premis = next(premis.iter(q(PREMIS, "premis")), premis)
        facts = read_premis(premis)
        bit.ident = facts.ident
        if bit.name is None:
            bit.name = facts.original_name
        if facts.checksum and not bit.checksum:
            bit.checksum, bit.checksum_algorithm = facts.checksum, facts.checksum_algorithm
        if facts.size is not None and facts.size != bit.size:
            raise PackageError(f"{name}: {file_id}: PREMIS size {facts.size} differs from "
                               f"SIZE {bit.size}")
        if info is None and facts.name:
            info = FormatInfo(short_description=facts.name)
        if info is not None and facts.keys:
            info = replace(info, keys=facts.keys, name=facts.name, version=facts.version)
    if "METSRIGHTS" in sections:
        bit.policies = read_rights(sections["METSRIGHTS"][0])
    bit.format = info
    return bit
