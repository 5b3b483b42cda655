"""Write one object's METS manifest following DSpace's AIP profile (``mets_aip_1_0``).

Order and IDs are deterministic: the ``@ID`` counter starts at 1 for every manifest, sections
come in DSpace's order (dmdSecs, then the object's amdSec, then each bundle's amdSec followed
by its bitstreams'), and no creation date is written — only ``LASTMODDATE`` for items, which
is the item's own last-modified time. So an unchanged object gives the same bytes every time.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

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
from packager.xmlns import METS, NSMAP, PROFILE, XLINK, XSI, q, sub

SCHEMA_LOCATION = "http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd"
#: METS CHECKSUMTYPE values for DSpace's algorithm names.
CHECKSUM_TYPES = {"MD5": "MD5", "SHA-1": "SHA-1", "SHA1": "SHA-1", "SHA-256": "SHA-256",
                  "SHA256": "SHA-256", "SHA-512": "SHA-512"}


@dataclass(frozen=True)
class PackedFile:
    """A bitstream and the zip entry it goes to."""

    entry_name: str
    bitstream: BitstreamRec


class _Ids:
    def __init__(self) -> None:
        self.n = 0

    def next(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}_{self.n}"


def entry_for(bit: BitstreamRec) -> str:
    return bitstream_entry_name(bit.id, bit.format.extensions if bit.format else ())


def build_mets(obj: ArchiveObject, agent: Agent, *,
               software: str) -> tuple[bytes, list[PackedFile]]:
    """The manifest bytes and the bitstreams it references, in zip order."""
    ids = _Ids()
    root = etree.Element(q(METS, "mets"), nsmap=NSMAP)
    root.set(q(XSI, "schemaLocation"), SCHEMA_LOCATION)
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

    dmd_ids = []
    for mdtype, element in (("MODS", mods_element(obj)),
                            ("DIM", dim_element(obj.metadata, obj.type_name))):
        dmd = sub(root, METS, "dmdSec", ID=ids.next("dmdSec"))
        dmd_ids.append(dmd.get("ID"))
        wrap = sub(dmd, METS, "mdWrap", MDTYPE=mdtype) if mdtype == "MODS" else \
            sub(dmd, METS, "mdWrap", MDTYPE="OTHER", OTHERMDTYPE=mdtype)
        sub(wrap, METS, "xmlData").append(element)

    object_amd = _amdsec(root, ids, techmd=[
        ("DSPACE-ROLES", roles_element(obj.roles) if obj.roles else None),
        ("DSPACE-METADATA-REGISTRY", registry_element(obj.schemas, obj.fields)
         if obj.schemas else None),
    ], rights=obj.policies, source=techmd_object(obj))

    packed: list[PackedFile] = []
    groups: list[tuple[str, str, list[tuple[BitstreamRec, str]]]] = []
    for bundle in obj.bundles:
        primary = f"bitstream_{bundle.primary_bitstream_id}" if bundle.primary_bitstream_id \
            and any(b.id == bundle.primary_bitstream_id for b in bundle.bitstreams) else None
        bundle_amd = _amdsec(root, ids, techmd=[], rights=bundle.policies,
                             source=techmd_bundle(bundle.name, primary))
        files = []
        for bit in bundle.bitstreams:
            files.append((bit, _bitstream_amd(root, ids, bit, agent)))
        groups.append((bundle.name, bundle_amd, files))
    logo_amd = _bitstream_amd(root, ids, obj.logo, agent) if obj.logo is not None else None

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
               DMDID=" ".join(d for d in dmd_ids if d), ADMID=object_amd)
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
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data, packed


def _mptr(div: etree._Element, loctype: str, href: str) -> None:
    mptr = sub(div, METS, "mptr", ID=None, LOCTYPE=loctype)
    mptr.set(q(XLINK, "type"), "simple")
    mptr.set(q(XLINK, "href"), href)


def _amdsec(root: etree._Element, ids: _Ids, *,
            techmd: list[tuple[str, etree._Element | None]],
            rights: list, source: etree._Element | None,
            premis: etree._Element | None = None) -> str:
    amd = sub(root, METS, "amdSec", ID=ids.next("amd"))
    if premis is not None:
        wrap = sub(sub(amd, METS, "techMD", ID=ids.next("techMD")), METS, "mdWrap", MDTYPE="PREMIS")
        sub(wrap, METS, "xmlData").append(premis)
    for other, element in techmd:
        if element is None:
            continue
        wrap = sub(sub(amd, METS, "techMD", ID=ids.next("techMD")), METS, "mdWrap",
                   MDTYPE="OTHER", OTHERMDTYPE=other)
        sub(wrap, METS, "xmlData").append(element)
    if rights:
        wrap = sub(sub(amd, METS, "rightsMD", ID=ids.next("rightsMD")), METS, "mdWrap",
                   MDTYPE="OTHER", OTHERMDTYPE="METSRIGHTS")
        sub(wrap, METS, "xmlData").append(rights_element(rights))
    if source is not None:
        wrap = sub(sub(amd, METS, "sourceMD", ID=ids.next("sourceMD")), METS, "mdWrap",
                   MDTYPE="OTHER", OTHERMDTYPE="AIP-TECHMD")
        sub(wrap, METS, "xmlData").append(source)
    return str(amd.get("ID"))


def _bitstream_amd(root: etree._Element, ids: _Ids, bit: BitstreamRec, agent: Agent) -> str:
    return _amdsec(root, ids, techmd=[], rights=bit.policies, source=techmd_bitstream(bit),
                   premis=premis_element(bit, entry_for(bit), agent))


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
