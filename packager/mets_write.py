"""Write one object's METS manifest following DSpace's AIP profile (``mets_aip_1_0``).

Order and IDs are deterministic: the ``@ID`` counter starts at 1 for every manifest, sections
come in DSpace's order (dmdSecs, then the object's amdSec, then each bundle's amdSec followed
by its bitstreams'), and no creation date is written — only ``LASTMODDATE`` for items, which
is the item's own last-modified time. So an unchanged object gives the same bytes every time.
Which crosswalks fill which section follows ``aip.disseminate.*`` (:mod:`packager.aipconfig`);
``xsi:schemaLocation`` names the schema of every namespace the manifest uses (METS, PREMIS,
MODS, METSRights), as a validator that follows the document's hints needs. A collection's item
template is written as DSpace does: its own dmdSecs and a ``DSpace ITEM Template`` div.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from packager.aipconfig import Dissemination, MdSection, dissemination
from packager.crosswalks import (
    dim_element,
    mods_element,
    registry_element,
    techmd_bitstream,
    techmd_bundle,
    techmd_object,
)
from packager.model import ITEM_T, SITE_T, ArchiveObject, BitstreamRec, iso
from packager.naming import bitstream_entry_name
from packager.premis import Agent, premis_element
from packager.roles import rights_element, roles_element
from packager.xmlns import METS, MODS, NSMAP, PREMIS, PROFILE, RIGHTS, XLINK, XSI, q, sub

#: Where each schema a manifest may use lives (xsi:schemaLocation names those it uses, so a
#: validator that follows the document's hints checks PREMIS, MODS and METSRights as well).
SCHEMA_LOCATIONS = (
    (METS, "http://www.loc.gov/standards/mets/mets.xsd"),
    (PREMIS, "http://www.loc.gov/standards/premis/v2/premis-v2-2.xsd"),
    (MODS, "http://www.loc.gov/standards/mods/v3/mods-3-7.xsd"),
    (RIGHTS, "http://cosimo.stanford.edu/sdr/metsrights.xsd"),
)
#: METS CHECKSUMTYPE values for DSpace's algorithm names.
CHECKSUM_TYPES = {"MD5": "MD5", "SHA-1": "SHA-1", "SHA1": "SHA-1", "SHA-256": "SHA-256",
                  "SHA256": "SHA-256", "SHA-512": "SHA-512"}
#: license crosswalk -> (bundle, bitstream name or None for the bundle's first bitstream)
LICENSE_REFS = {"DSPACE_DEPLICENSE": ("LICENSE", None),
                "DSPACE_CCRDF": ("CC-LICENSE", "license_rdf"),
                "DSPACE_CCTEXT": ("CC-LICENSE", "license_text")}
TEMPLATE_DIV = "DSpace ITEM Template"
_DEFAULT = dissemination(None)


@dataclass(frozen=True)
class PackedFile:
    """A bitstream and the zip entry it goes to."""

    entry_name: str
    bitstream: BitstreamRec


@dataclass(frozen=True)
class _Md:
    """One metadata section of an amdSec: wrapped XML, or a reference to a zip entry."""

    tag: str  # techMD | rightsMD | sourceMD | digiprovMD
    section: MdSection
    element: etree._Element | None = None
    href: str | None = None
    mimetype: str | None = None


class _Ids:
    def __init__(self) -> None:
        self.n = 0

    def next(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}_{self.n}"


def entry_for(bit: BitstreamRec) -> str:
    return bitstream_entry_name(bit.id, bit.format.extensions if bit.format else ())


def _md_type(el: etree._Element, section: MdSection) -> None:
    if section.standard:
        el.set("MDTYPE", section.label.upper())
    else:
        el.set("MDTYPE", "OTHER")
        el.set("OTHERMDTYPE", section.label)


def _dmd_secs(root: etree._Element, ids: _Ids, obj: ArchiveObject,
              config: Dissemination) -> list[str]:
    found = []
    for section in config.dmd:
        element = mods_element(obj) if section.crosswalk == "MODS" else \
            dim_element(obj.metadata, obj.type_name)
        dmd = sub(root, METS, "dmdSec", ID=ids.next("dmdSec"))
        found.append(str(dmd.get("ID")))
        wrap = sub(dmd, METS, "mdWrap")
        _md_type(wrap, section)
        sub(wrap, METS, "xmlData").append(element)
    return found


def build_mets(obj: ArchiveObject, agent: Agent, *, software: str,
               config: Dissemination | None = None) -> tuple[bytes, list[PackedFile]]:
    """The manifest bytes and the bitstreams it references, in zip order."""
    config = config or _DEFAULT
    ids = _Ids()
    root = etree.Element(q(METS, "mets"), nsmap=NSMAP)
    root.set(q(XSI, "schemaLocation"), "")
    root.set("ID", f"DSpace_{obj.type_name}_DB-ID-{obj.id}")
    root.set("OBJID", f"hdl:{obj.handle}" if obj.handle else f"DSpace_DB_{obj.type_name}_{obj.id}")
    root.set("TYPE", f"DSpace {obj.type_name}")
    root.set("PROFILE", PROFILE)
    hdr = sub(root, METS, "metsHdr")
    if obj.type_name == ITEM_T and obj.last_modified is not None:
        hdr.set("LASTMODDATE", iso(obj.last_modified))
    custodian = sub(hdr, METS, "agent", ROLE="CUSTODIAN", TYPE="OTHER", OTHERTYPE="DSpace Archive")
    sub(custodian, METS, "name", obj.site_handle)
    creator = sub(hdr, METS, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="DSpace Software")
    sub(creator, METS, "name", software)

    dmd_ids = _dmd_secs(root, ids, obj, config)
    template_ids: list[str] = []
    if obj.template is not None:
        template = ArchiveObject(type_name=ITEM_T, id=0, handle=None,
                                 site_handle=obj.site_handle, metadata=list(obj.template))
        template_ids = _dmd_secs(root, ids, template, config)

    object_amd = _amdsec(root, ids, _object_parts(obj, config))
    packed: list[PackedFile] = []
    groups: list[tuple[str, str, list[tuple[BitstreamRec, str]]]] = []
    for bundle in obj.bundles:
        primary = f"bitstream_{bundle.primary_bitstream_id}" if bundle.primary_bitstream_id \
            and any(b.id == bundle.primary_bitstream_id for b in bundle.bitstreams) else None
        bundle_amd = _amdsec(root, ids, _rights_parts(bundle.policies, config) + _source_parts(
            techmd_bundle(bundle.name, primary), config))
        files = []
        for bit in bundle.bitstreams:
            files.append((bit, _bitstream_amd(root, ids, bit, agent, config)))
        groups.append((bundle.name, bundle_amd, files))
    logo_amd = _bitstream_amd(root, ids, obj.logo, agent, config) if obj.logo is not None \
        else None

    if groups or obj.logo is not None:
        file_sec = sub(root, METS, "fileSec")
        for name, bundle_amd, files in groups:
            grp = sub(file_sec, METS, "fileGrp", USE=name, ADMID=bundle_amd)
            for bit, amd in files:
                packed.append(_file(grp, bit, amd))
        if obj.logo is not None and logo_amd is not None:
            grp = sub(file_sec, METS, "fileGrp", USE="LOGO")
            packed.append(_file(grp, obj.logo, logo_amd))

    smap = sub(root, METS, "structMap", ID=ids.next("struct"), TYPE="LOGICAL",
               LABEL="DSpace Object")
    div0 = sub(smap, METS, "div", ID=ids.next("div"), TYPE="DSpace Object Contents",
               DMDID=" ".join(d for d in dmd_ids if d) or None, ADMID=object_amd)
    if obj.logo is not None:
        sub(div0, METS, "fptr", FILEID=obj.logo.file_id)
    original = next((b for b in obj.bundles if b.name == "ORIGINAL"), None)
    if original is not None:
        if original.primary_bitstream_id and any(
                b.id == original.primary_bitstream_id for b in original.bitstreams):
            sub(div0, METS, "fptr", FILEID=f"bitstream_{original.primary_bitstream_id}")
        for bit in original.bitstreams:
            div = sub(div0, METS, "div", ID=ids.next("div"), TYPE="DSpace BITSTREAM")
            sub(div, METS, "fptr", FILEID=bit.file_id)
    if obj.template is not None:
        sub(div0, METS, "div", ID=ids.next("div"), TYPE=TEMPLATE_DIV,
            DMDID=" ".join(template_ids) or None)
    for child in obj.children:
        div = sub(div0, METS, "div", ID=ids.next("div"), TYPE=f"DSpace {child.type_name}")
        if child.handle:
            _mptr(div, "HANDLE", child.handle)
        _mptr(div, "URL", child.package_name)
    if obj.type_name != SITE_T and obj.parent_handle:
        parent_map = sub(root, METS, "structMap", ID=ids.next("struct"), TYPE="LOGICAL",
                         LABEL="Parent")
        div = sub(parent_map, METS, "div", ID=ids.next("div"), TYPE="AIP Parent Link")
        _mptr(div, "HANDLE", obj.parent_handle)
    used = {etree.QName(el).namespace for el in root.iter() if isinstance(el.tag, str)}
    root.set(q(XSI, "schemaLocation"), " ".join(
        f"{ns} {location}" for ns, location in SCHEMA_LOCATIONS if ns in used))
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data, packed


def _object_parts(obj: ArchiveObject, config: Dissemination) -> list[_Md]:
    parts: list[_Md] = []
    for section in config.techmd:
        if section.crosswalk == "DSPACE-ROLES" and obj.roles:
            parts.append(_Md("techMD", section, roles_element(obj.roles)))
    if obj.schemas:
        parts.append(_Md("techMD", MdSection("DSPACE-METADATA-REGISTRY",
                                             "DSPACE-METADATA-REGISTRY"),
                         registry_element(obj.schemas, obj.fields)))
    for section in config.rightsmd:
        if section.crosswalk in LICENSE_REFS:
            bundle_name, bit_name = LICENSE_REFS[section.crosswalk]
            bit = _license_bitstream(obj, bundle_name, bit_name)
            if bit is not None:
                mime = bit.format.mimetype if bit.format and bit.format.mimetype else None
                parts.append(_Md("rightsMD", section, href=entry_for(bit), mimetype=mime))
        elif section.crosswalk == "METSRIGHTS" and obj.policies:
            parts.append(_Md("rightsMD", section, rights_element(obj.policies)))
    return parts + _source_parts(techmd_object(obj), config)


def _license_bitstream(obj: ArchiveObject, bundle_name: str,
                       bit_name: str | None) -> BitstreamRec | None:
    """The bitstream a license reference points at (only when its bundle is in the AIP)."""
    bundle = next((b for b in obj.bundles if b.name == bundle_name), None)
    if bundle is None:
        return None
    if bit_name is None:
        return bundle.bitstreams[0] if bundle.bitstreams else None
    return next((b for b in bundle.bitstreams if b.name == bit_name), None)


def _rights_parts(policies: list, config: Dissemination) -> list[_Md]:
    section = config.label("rightsmd", "METSRIGHTS")
    if section is None or not policies:
        return []
    return [_Md("rightsMD", section, rights_element(policies))]


def _source_parts(element: etree._Element, config: Dissemination) -> list[_Md]:
    section = config.label("sourcemd", "AIP-TECHMD")
    return [] if section is None else [_Md("sourceMD", section, element)]


def _mptr(div: etree._Element, loctype: str, href: str) -> None:
    mptr = sub(div, METS, "mptr", ID=None, LOCTYPE=loctype)
    mptr.set(q(XLINK, "type"), "simple")
    mptr.set(q(XLINK, "href"), href)


def _amdsec(root: etree._Element, ids: _Ids, parts: list[_Md]) -> str:
    """An amdSec with the parts in METS's order (techMD, rightsMD, sourceMD, digiprovMD)."""
    amd = sub(root, METS, "amdSec", ID=ids.next("amd"))
    order = ("techMD", "rightsMD", "sourceMD", "digiprovMD")
    for part in sorted(parts, key=lambda p: order.index(p.tag)):
        holder = sub(amd, METS, part.tag, ID=ids.next(part.tag))
        if part.href is not None:
            ref = sub(holder, METS, "mdRef", LOCTYPE="URL", MIMETYPE=part.mimetype)
            _md_type(ref, part.section)
            ref.set(q(XLINK, "type"), "simple")
            ref.set(q(XLINK, "href"), part.href)
            continue
        wrap = sub(holder, METS, "mdWrap")
        _md_type(wrap, part.section)
        sub(wrap, METS, "xmlData").append(part.element)
    return str(amd.get("ID"))


def _bitstream_amd(root: etree._Element, ids: _Ids, bit: BitstreamRec, agent: Agent,
                   config: Dissemination) -> str:
    parts: list[_Md] = []
    section = config.label("techmd", "PREMIS")
    if section is not None:
        parts.append(_Md("techMD", section, premis_element(bit, entry_for(bit), agent)))
    parts += _rights_parts(bit.policies, config)
    parts += _source_parts(techmd_bitstream(bit), config)
    return _amdsec(root, ids, parts)


def _file(grp: etree._Element, bit: BitstreamRec, amd: str) -> PackedFile:
    entry = entry_for(bit)
    mime = bit.format.mimetype if bit.format and bit.format.mimetype else \
        "application/octet-stream"
    el = sub(grp, METS, "file", ID=bit.file_id,
             SEQ=str(bit.sequence_id) if bit.sequence_id is not None else None,
             MIMETYPE=mime.split(",")[0].strip(), SIZE=str(bit.size), ADMID=amd,
             GROUPID=f"GROUP_{bit.file_id}")
    ctype = CHECKSUM_TYPES.get((bit.checksum_algorithm or "MD5").upper())
    if bit.checksum and ctype:
        el.set("CHECKSUM", bit.checksum)
        el.set("CHECKSUMTYPE", ctype)
    loc = sub(el, METS, "FLocat", LOCTYPE="URL")
    loc.set(q(XLINK, "type"), "simple")
    loc.set(q(XLINK, "href"), entry)
    return PackedFile(entry, bit)
