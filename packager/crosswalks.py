"""DIM, MODS, AIP-TECHMD and the metadata-registry block: model <-> XML.

* DIM carries the descriptive metadata exactly (schema, element, qualifier, language, order);
  ingest reads DIM, MODS is for other systems (as DSpace does: DIM first).
* AIP-TECHMD is DSpace's DIM-shaped block of internal attributes: submitter, handle, parents,
  withdrawn; for a bitstream its name, source, description and the format-registry entry
  (short description, MIME type, support level, internal), which restore uses to find or create
  the format when PREMIS names no external key (a DSpace 1.5 AIP).
* The metadata-registry block lists the schemas (prefix + namespace) and fields an item uses, so
  a custom schema travels and can be recreated with ``createMetadataFields=true`` — a gap in
  DSpace, which needs the schema created by hand first.
"""

from __future__ import annotations

from lxml import etree

from packager.model import (
    ArchiveObject,
    BitstreamRec,
    FieldDef,
    FormatInfo,
    MetadataValue,
    SchemaDef,
)
from packager.xmlns import DIM, MODS, q, sub, text_of

SUPPORT = ("UNKNOWN", "KNOWN", "SUPPORTED")


# -- DIM -------------------------------------------------------------------------------------

def dim_element(values: list[MetadataValue], dspace_type: str) -> etree._Element:
    root = etree.Element(q(DIM, "dim"), nsmap={"dim": DIM})
    root.set("dspaceType", dspace_type)
    for v in values:
        sub(root, DIM, "field", v.value, mdschema=v.schema, element=v.element,
            qualifier=v.qualifier, lang=v.lang)
    return root


def read_dim(root: etree._Element) -> list[MetadataValue]:
    values = []
    for f in root.iter(q(DIM, "field")):
        schema, element = f.get("mdschema"), f.get("element")
        if not schema or not element:
            continue
        values.append(MetadataValue(schema, element, f.get("qualifier") or None,
                                    f.text or "", f.get("lang") or None))
    return values


def _dim_get(values: list[MetadataValue], name: str) -> list[str]:
    return [v.value for v in values if v.field_name == name]


# -- MODS ------------------------------------------------------------------------------------

_NAME_ROLES = {"contributor.author": "author", "contributor.editor": "editor",
               "contributor.advisor": "advisor", "contributor.illustrator": "illustrator",
               "contributor.other": "contributor", "contributor": "contributor",
               "creator": "creator"}


def mods_element(obj: ArchiveObject) -> etree._Element:
    """A MODS 3.7 record of the descriptive metadata (dc only; other schemas go via DIM)."""
    root = etree.Element(q(MODS, "mods"), nsmap={"mods": MODS})
    root.set("version", "3.7")
    dc = [v for v in obj.metadata if v.schema == "dc"]
    titles = [v for v in dc if v.element == "title"]
    title_info = sub(root, MODS, "titleInfo")
    main = next((v for v in titles if v.qualifier is None), None)
    sub(title_info, MODS, "title", main.value if main else "")
    for v in titles:
        if v.qualifier == "alternative":
            alt = sub(root, MODS, "titleInfo", type="alternative")
            sub(alt, MODS, "title", v.value)
    for v in dc:
        key = ".".join(p for p in (v.element, v.qualifier) if p)
        if key in _NAME_ROLES:
            name = sub(root, MODS, "name")
            sub(name, MODS, "namePart", v.value)
            role = sub(name, MODS, "role")
            sub(role, MODS, "roleTerm", _NAME_ROLES[key], type="text")
    origin = None
    for v in dc:
        if v.element == "date" and v.qualifier in ("issued", "created", "accessioned",
                                                    "available", None):
            origin = origin if origin is not None else sub(root, MODS, "originInfo")
            tag = {"issued": "dateIssued", "created": "dateCreated"}.get(v.qualifier or "",
                                                                         "dateOther")
            sub(origin, MODS, tag, v.value, type=None if tag != "dateOther"
                else (v.qualifier or "date"))
        elif v.element == "publisher":
            origin = origin if origin is not None else sub(root, MODS, "originInfo")
            sub(origin, MODS, "publisher", v.value)
    for v in dc:
        if v.element == "description" and v.qualifier == "abstract":
            sub(root, MODS, "abstract", v.value)
        elif v.element == "description" and v.qualifier == "tableofcontents":
            sub(root, MODS, "tableOfContents", v.value)
        elif v.element == "description" and v.qualifier is None:
            sub(root, MODS, "note", v.value)
        elif v.element == "subject":
            subject = sub(root, MODS, "subject", authority=v.qualifier)
            sub(subject, MODS, "topic", v.value)
        elif v.element == "type":
            sub(root, MODS, "genre", v.value)
        elif v.element == "language":
            lang = sub(root, MODS, "language")
            sub(lang, MODS, "languageTerm", v.value,
                authority="rfc3066" if v.qualifier == "iso" else None)
        elif v.element == "identifier":
            sub(root, MODS, "identifier", v.value, type=v.qualifier or "other")
        elif v.element == "rights":
            sub(root, MODS, "accessCondition", v.value)
        elif v.element == "relation" and v.qualifier == "ispartofseries":
            related = sub(root, MODS, "relatedItem", type="series")
            sub(sub(related, MODS, "titleInfo"), MODS, "title", v.value)
    if obj.handle:
        sub(root, MODS, "identifier", f"hdl:{obj.handle}", type="handle")
    return root


def read_mods(root: etree._Element) -> list[MetadataValue]:
    """Fallback when an AIP has MODS but no DIM: titles, names, abstract, subjects, dates."""
    values: list[MetadataValue] = []
    for ti in root.findall(q(MODS, "titleInfo")):
        title = text_of(ti.find(q(MODS, "title")))
        if title:
            values.append(MetadataValue("dc", "title",
                                        "alternative" if ti.get("type") == "alternative"
                                        else None, title))
    for name in root.findall(q(MODS, "name")):
        part = text_of(name.find(q(MODS, "namePart")))
        if part:
            values.append(MetadataValue("dc", "contributor", "author", part))
    for tag, element, qualifier in (("abstract", "description", "abstract"),
                                    ("note", "description", None), ("genre", "type", None)):
        for el in root.findall(q(MODS, tag)):
            if el.text:
                values.append(MetadataValue("dc", element, qualifier, el.text))
    for el in root.iter(q(MODS, "dateIssued")):
        if el.text:
            values.append(MetadataValue("dc", "date", "issued", el.text))
    for el in root.iter(q(MODS, "topic")):
        if el.text:
            values.append(MetadataValue("dc", "subject", None, el.text))
    return values


# -- AIP-TECHMD ------------------------------------------------------------------------------

def techmd_object(obj: ArchiveObject) -> etree._Element:
    values: list[MetadataValue] = []
    if obj.submitter:
        values.append(MetadataValue("dc", "creator", None, obj.submitter))
    if obj.handle:
        values.append(MetadataValue("dc", "identifier", "uri", f"hdl:{obj.handle}"))
    if obj.type_name == "SITE":
        values.append(MetadataValue("dc", "identifier", "uri", f"hdl:{obj.site_handle}"))
    if obj.parent_handle:
        values.append(MetadataValue("dc", "relation", "isPartOf", f"hdl:{obj.parent_handle}"))
    for other in obj.other_parents:
        values.append(MetadataValue("dc", "relation", "isReferencedBy", f"hdl:{other}"))
    if obj.withdrawn:
        values.append(MetadataValue("dc", "rights", "accessRights", "WITHDRAWN"))
    return dim_element(values, obj.type_name)


def read_techmd_object(values: list[MetadataValue], obj: ArchiveObject) -> None:
    creators = _dim_get(values, "dc.creator")
    obj.submitter = creators[0] if creators else None
    parents = [_strip_hdl(v) for v in _dim_get(values, "dc.relation.isPartOf")]
    if parents and obj.parent_handle is None:
        obj.parent_handle = parents[0]
    obj.other_parents = [_strip_hdl(v) for v in _dim_get(values, "dc.relation.isReferencedBy")]
    obj.withdrawn = "WITHDRAWN" in _dim_get(values, "dc.rights.accessRights")


def _strip_hdl(value: str) -> str:
    return value[4:] if value.startswith("hdl:") else value


def techmd_bundle(name: str, primary_file_id: str | None) -> etree._Element:
    values = [MetadataValue("dc", "title", None, name)]
    if primary_file_id:
        values.append(MetadataValue("bsf", "primaryBitstream", None, primary_file_id))
    return dim_element(values, "BUNDLE")


def read_techmd_bundle(values: list[MetadataValue]) -> str | None:
    primary = _dim_get(values, "bsf.primaryBitstream")
    return primary[0] if primary else None


def techmd_bitstream(bit: BitstreamRec) -> etree._Element:
    values: list[MetadataValue] = []

    def add(element: str, qualifier: str | None, value: str | None, schema: str = "dc") -> None:
        if value is not None:
            values.append(MetadataValue(schema, element, qualifier, value))

    add("title", None, bit.name)
    add("title", "alternative", bit.source)
    add("description", None, bit.description)
    add("format", None, bit.user_format_description)
    fmt = bit.format
    if fmt is not None:
        add("format", "medium", fmt.short_description)
        add("format", "mimetype", fmt.mimetype)
        add("format", "supportlevel", SUPPORT[fmt.support_level]
            if 0 <= fmt.support_level < len(SUPPORT) else str(fmt.support_level))
        add("format", "internal", "true" if fmt.internal else "false")
        add("format", "description", fmt.description, schema="bsf")
        for ext in fmt.extensions:
            add("format", "extension", ext, schema="bsf")
    return dim_element(values, "BITSTREAM")


def read_techmd_bitstream(values: list[MetadataValue], bit: BitstreamRec) -> FormatInfo | None:
    def one(name: str) -> str | None:
        found = _dim_get(values, name)
        return found[0] if found else None

    bit.name = one("dc.title")
    bit.source = one("dc.title.alternative")
    bit.description = one("dc.description")
    bit.user_format_description = one("dc.format")
    short = one("dc.format.medium")
    if short is None:
        return None
    level_text = one("dc.format.supportlevel") or "UNKNOWN"
    level = SUPPORT.index(level_text) if level_text in SUPPORT else (
        int(level_text) if level_text.isdigit() else 0)
    return FormatInfo(
        short_description=short, mimetype=one("dc.format.mimetype"),
        description=one("bsf.format.description"), support_level=level,
        internal=(one("dc.format.internal") or "false").lower() == "true",
        extensions=tuple(_dim_get(values, "bsf.format.extension")))


# -- metadata registry (schemas + fields used) --------------------------------------------

def registry_element(schemas: list[SchemaDef], fields: list[FieldDef]) -> etree._Element:
    root = etree.Element("MetadataRegistry")
    for s in schemas:
        sub(root, None, "Schema", Prefix=s.prefix, Namespace=s.namespace)
    for f in fields:
        el = sub(root, None, "Field", Schema=f.schema, Element=f.element, Qualifier=f.qualifier)
        if f.scope_note:
            sub(el, None, "ScopeNote", f.scope_note)
    return root


def read_registry(root: etree._Element) -> tuple[list[SchemaDef], list[FieldDef]]:
    schemas = [SchemaDef(s.get("Prefix", ""), s.get("Namespace", ""))
               for s in root.iter("Schema") if s.get("Prefix")]
    fields = [FieldDef(f.get("Schema", ""), f.get("Element", ""), f.get("Qualifier") or None,
                       text_of(f.find("ScopeNote")))
              for f in root.iter("Field") if f.get("Schema") and f.get("Element")]
    return schemas, fields
