"""Create an empty archive: the DSpace 1.5 tables and the registries a fresh DSpace 1.5 loads.

A fresh 1.5 install runs ``database_schema.sql`` and then the ``RegistryLoader`` on
``bitstream-formats.xml`` and ``dublin-core-types.xml``; it also has the two special groups
(Anonymous = 0, Administrator = 1) and the site handle ``<prefix>/0``. :func:`init_archive`
reproduces that state, so every later step sees what it would see on an operator's database.
With ``renovated=True`` it creates the renovated model instead (what a new install of the
renovated DSpace starts from): no 1.5 format registry, only the Unknown format.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from lxml import etree
from sqlalchemy import Connection, Engine, func, insert, select

from archive.db import inserted_id, sync_sequences
from archive.schema import META15, META16, SITE, T15, T16, Tables
from bsfcore.errors import DatabaseError, Problem, RegistryError

HANDLE_PREFIX = "123456789"
SITE_HANDLE = f"{HANDLE_PREFIX}/0"
ANONYMOUS_GROUP_ID = 0
ADMIN_GROUP_ID = 1
DC_NAMESPACE = "http://dublincore.org/documents/dcmi-terms/"
#: The administrator a renovated archive gets when no ``admin_email`` is given.
DEFAULT_ADMIN_EMAIL = "admin@localhost"

#: The Dublin Core fields of DSpace 1.5's ``dublin-core-types.xml`` (element, qualifier).
DC_FIELDS: tuple[tuple[str, str | None], ...] = (
    ("contributor", None), ("contributor", "advisor"), ("contributor", "author"),
    ("contributor", "editor"), ("contributor", "illustrator"), ("contributor", "other"),
    ("coverage", "spatial"), ("coverage", "temporal"), ("creator", None),
    ("date", None), ("date", "accessioned"), ("date", "available"), ("date", "copyright"),
    ("date", "created"), ("date", "issued"), ("date", "submitted"),
    ("identifier", None), ("identifier", "citation"), ("identifier", "govdoc"),
    ("identifier", "isbn"), ("identifier", "issn"), ("identifier", "sici"),
    ("identifier", "ismn"), ("identifier", "other"), ("identifier", "uri"),
    ("description", None), ("description", "abstract"), ("description", "provenance"),
    ("description", "sponsorship"), ("description", "statementofresponsibility"),
    ("description", "tableofcontents"), ("description", "uri"),
    ("format", None), ("format", "extent"), ("format", "medium"), ("format", "mimetype"),
    ("language", None), ("language", "iso"), ("publisher", None),
    ("relation", None), ("relation", "isformatof"), ("relation", "ispartof"),
    ("relation", "ispartofseries"), ("relation", "haspart"), ("relation", "isversionof"),
    ("relation", "hasversion"), ("relation", "isbasedon"), ("relation", "isreferencedby"),
    ("relation", "requires"), ("relation", "replaces"), ("relation", "isreplacedby"),
    ("relation", "uri"), ("rights", None), ("rights", "uri"), ("source", None),
    ("source", "uri"), ("subject", None), ("subject", "classification"), ("subject", "ddc"),
    ("subject", "lcc"), ("subject", "lcsh"), ("subject", "mesh"), ("subject", "other"),
    ("title", None), ("title", "alternative"), ("type", None),
)


@dataclass(frozen=True)
class DefaultFormat:
    """One entry of DSpace's ``bitstream-formats.xml``."""

    short_description: str
    mimetype: str
    description: str
    support_level: int
    internal: bool
    extensions: tuple[str, ...]


def default_formats_15() -> list[DefaultFormat]:
    """The 73 formats of DSpace 1.5's default registry, read from the packaged XML document."""
    data = resources.files("archive.data").joinpath("bitstream-formats-1.5.xml").read_bytes()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True)
    root = etree.fromstring(data, parser)
    if root.tag != "dspace-bitstream-types":
        raise RegistryError([Problem("bitstream-formats-1.5.xml", 1,
                                     f"unexpected root element {root.tag}")])
    formats = []
    for node in root.iter("bitstream-type"):
        def text(tag: str, node: etree._Element = node) -> str:
            return (node.findtext(tag) or "").strip()

        formats.append(DefaultFormat(
            short_description=text("short_description"),
            mimetype=text("mimetype"),
            description=text("description"),
            support_level=int(text("support_level") or 0),
            internal=text("internal").lower() == "true",
            extensions=tuple(e.text.strip() for e in node.iter("extension") if e.text),
        ))
    return formats


def init_archive(engine: Engine, *, renovated: bool = False,
                 admin_email: str | None = None) -> Tables:
    """Create an empty archive on ``engine`` and return its table set (T15 or T16).

    Refuses a database that already holds an archive (a ``bitstream`` table with rows or a
    loaded format registry): initialising twice must never touch an operator's data.
    """
    from archive.db import has_table

    meta, tables = (META16, T16) if renovated else (META15, T15)
    if renovated and not admin_email:
        admin_email = DEFAULT_ADMIN_EMAIL
    if has_table(engine, "bitstreamformatregistry"):
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(
                T15.bitstreamformatregistry)).scalar_one()
        if count:
            raise DatabaseError(
                f"the database already holds an archive ({count} formats registered); "
                "refusing to initialise it again")
    meta.create_all(engine, checkfirst=True)
    with engine.begin() as conn:
        if renovated:
            from archive.formatcache import unknown_format_id

            unknown_format_id(conn)
        else:
            load_default_formats(conn, tables)
        load_dublin_core(conn, tables)
        _load_groups(conn, tables, admin_email)
        conn.execute(insert(tables.handle).values(
            handle=SITE_HANDLE, resource_type_id=SITE, resource_id=0))
        sync_sequences(conn, tables.metadata)
    return tables


def load_default_formats(conn: Connection, tables: Tables = T15) -> int:
    """Insert the 73 default formats and their 89 extensions; returns the number of formats."""
    formats = default_formats_15()
    for fmt in formats:
        format_id = inserted_id(conn.execute(insert(tables.bitstreamformatregistry).values(
            mimetype=fmt.mimetype, short_description=fmt.short_description,
            description=fmt.description, support_level=fmt.support_level,
            internal=fmt.internal)))
        for ext in fmt.extensions:
            conn.execute(insert(tables.fileextension).values(
                bitstream_format_id=format_id, extension=ext))
    return len(formats)


def load_dublin_core(conn: Connection, tables: Tables = T15) -> int:
    """Register the ``dc`` schema (id 1, as in DSpace) and its fields."""
    conn.execute(insert(tables.metadataschemaregistry).values(
        metadata_schema_id=1, namespace=DC_NAMESPACE, short_id="dc"))
    conn.execute(insert(tables.metadatafieldregistry), [
        {"metadata_schema_id": 1, "element": element, "qualifier": qualifier}
        for element, qualifier in DC_FIELDS])
    return len(DC_FIELDS)


def dc_field_ids(conn: Connection, tables: Tables = T15) -> dict[str, int]:
    """``"dc.title"`` / ``"dc.contributor.author"`` -> metadata_field_id."""
    reg = tables.metadatafieldregistry
    schema = tables.metadataschemaregistry
    rows = conn.execute(
        select(reg.c.metadata_field_id, reg.c.element, reg.c.qualifier, schema.c.short_id)
        .join(schema, schema.c.metadata_schema_id == reg.c.metadata_schema_id))
    return {".".join(p for p in (r.short_id, r.element, r.qualifier) if p): r.metadata_field_id
            for r in rows}


def _load_groups(conn: Connection, tables: Tables, admin_email: str | None) -> None:
    conn.execute(insert(tables.epersongroup), [
        {"eperson_group_id": ANONYMOUS_GROUP_ID, "name": "Anonymous"},
        {"eperson_group_id": ADMIN_GROUP_ID, "name": "Administrator"},
    ])
    if admin_email:
        eperson_id = inserted_id(conn.execute(insert(tables.eperson).values(
            email=admin_email, firstname="DSpace", lastname="Administrator",
            can_log_in=True, require_certificate=False, self_registered=False,
            language="en")))
        conn.execute(insert(tables.epersongroup2eperson).values(
            eperson_group_id=ADMIN_GROUP_ID, eperson_id=eperson_id))
