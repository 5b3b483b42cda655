"""Values from a package are data, not paths or trusted sizes: checked before anything is written.

An AIP is outside input. Two things in it reach further than the database row they fill:

* **Handles** become rows other tools read as paths (``replicate sync`` names object-store
  files after them; DSpace resolves them over HTTP). An ``OBJID="hdl:123456789/../../tmp/x"``
  was ingested as a handle. Every handle a package names — its own (``OBJID``), its parent,
  the collections it is mapped into, its children's ``mptr`` — must have DSpace's syntax:
  a naming-authority prefix (``123456789``, ``10.1000``), one ``/``, and a suffix of letters,
  digits and ``. _ - ~`` that is not a dot segment (``.`` or ``..``).
* **Lengths**: PostgreSQL refuses a value longer than its ``varchar(n)`` column with a
  traceback at the insert (``StringDataRightTruncation``), SQLite silently stores it, so the
  two databases would disagree. Every value the ingest writes into a bounded column is checked
  against that column's length, read from the SQLAlchemy tables (:mod:`archive.schema`,
  :mod:`archive.history`), the same on both databases.

:func:`check_package_values` reports the first problem as one :class:`PackageError` line that
names the package and the METS element the value came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlalchemy import Column, Table

from archive.history import FORMAT_HISTORY
from archive.schema import T16
from bsfcore.errors import PackageError
from packager.model import ArchiveObject, BitstreamRec
from packager.reading import COLLECTION_COLUMNS, COMMUNITY_COLUMNS

T = T16
#: a handle: naming authority (dot-separated segments), "/", local name (no "/" or "\\")
HANDLE = re.compile(r"[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*/[A-Za-z0-9._~-]+")
_DOT_SEGMENTS = frozenset({".", ".."})


def handle_problem(handle: str) -> str | None:
    """Why ``handle`` is not a DSpace handle (``prefix/suffix``), or None."""
    if not HANDLE.fullmatch(handle):
        return "is not a handle (prefix/suffix: letters, digits and . _ - ~, one '/')"
    if handle.split("/", 1)[1] in _DOT_SEGMENTS:
        return "has a dot segment as its suffix"
    return None


def _length(table: Table, column: str) -> int | None:
    col: Column[object] = table.c[column]
    return getattr(col.type, "length", None)


def _handles(obj: ArchiveObject) -> Iterator[tuple[str, str]]:
    """(METS element, handle) for every handle the package names."""
    if obj.handle is not None:
        yield "mets/@OBJID", obj.handle
    if obj.parent_handle is not None:
        yield "the parent handle (structMap Parent mptr or dc.relation.isPartOf)", \
            obj.parent_handle
    for other in obj.other_parents:
        yield "dc.relation.isReferencedBy (AIP-TECHMD)", other
    for child in obj.children:
        if child.handle is not None:
            yield f"the mptr of child {child.package_name}", child.handle


def _values(obj: ArchiveObject) -> Iterator[tuple[str, str | None, Table, str]]:
    """(METS element, value, table, column) for every value ingest writes into a column."""
    if obj.handle is not None:
        yield "mets/@OBJID", obj.handle, T.handle, "handle"
    for v in obj.metadata:
        field = f"dim:field {v.field_name}"
        yield f"{field} @mdschema", v.schema, T.metadataschemaregistry, "short_id"
        yield f"{field} @element", v.element, T.metadatafieldregistry, "element"
        yield f"{field} @qualifier", v.qualifier, T.metadatafieldregistry, "qualifier"
        yield f"{field} @lang", v.lang, T.metadatavalue, "text_lang"
    if obj.type_name in ("COMMUNITY", "COLLECTION"):
        table = T.community if obj.type_name == "COMMUNITY" else T.collection
        columns = COLLECTION_COLUMNS if obj.type_name == "COLLECTION" else COMMUNITY_COLUMNS
        for column, element, qualifier in columns:
            for v in obj.metadata:
                if v.schema == "dc" and v.element == element and v.qualifier == qualifier:
                    yield f"dim:field {v.field_name}", v.value, table, column
    for schema in obj.schemas:
        yield "MetadataRegistry Schema @Prefix", schema.prefix, T.metadataschemaregistry, \
            "short_id"
        yield "MetadataRegistry Schema @Namespace", schema.namespace, \
            T.metadataschemaregistry, "namespace"
    for fdef in obj.fields:
        yield "MetadataRegistry Field @Element", fdef.element, T.metadatafieldregistry, \
            "element"
        yield "MetadataRegistry Field @Qualifier", fdef.qualifier, T.metadatafieldregistry, \
            "qualifier"
    for bundle in obj.bundles:
        yield "fileGrp @USE", bundle.name, T.bundle, "name"
        for bit in bundle.bitstreams:
            yield from _bitstream(bit)
    if obj.logo is not None:
        yield from _bitstream(obj.logo)
    for group in obj.roles.groups:
        yield "DSPACE-ROLES Group @Name", group.name, T.epersongroup, "name"
    for person in obj.roles.people:
        where = f"DSPACE-ROLES Person {person.email[:64]!r}"
        for attr in ("email", "firstname", "lastname", "netid", "phone", "language",
                     "password"):
            yield f"{where} {attr}", getattr(person, attr), T.eperson, attr


def _bitstream(bit: BitstreamRec) -> Iterator[tuple[str, str | None, Table, str]]:
    where = f"file {bit.file_id}"
    yield f"{where} name (dc.title or PREMIS originalName)", bit.name, T.bitstream, "name"
    yield f"{where} dc.title.alternative (source)", bit.source, T.bitstream, "source"
    yield f"{where} PREMIS event source", bit.ident.source, T.bitstream, "format_source"
    history = FORMAT_HISTORY
    yield f"{where} PREMIS event source", bit.ident.source, history, "new_source"
    fmt = bit.format
    if fmt is None:
        return
    reg = T.bitstreamformatregistry
    yield f"{where} dc.format.medium (format name)", fmt.short_description, reg, \
        "short_description"
    yield f"{where} format name", fmt.short_description, history, "new_format_name"
    yield f"{where} dc.format.mimetype", fmt.mimetype, reg, "mimetype"
    for ext in fmt.extensions:
        yield f"{where} bsf.format.extension", ext, T.fileextension, "extension"
    ext_ids = T.externalidentifier
    assert ext_ids is not None
    for key in fmt.keys:
        yield f"{where} PREMIS formatRegistryName", key.namespace, ext_ids, "namespace"
        yield f"{where} PREMIS formatRegistryKey", key.identifier, ext_ids, "identifier"
        yield f"{where} PREMIS format key", str(key), history, "new_format_key"


def check_package_values(obj: ArchiveObject, name: str) -> None:
    """Refuse a package naming a malformed handle or a value too long for its column."""
    for element, handle in _handles(obj):
        problem = handle_problem(handle)
        if problem is not None:
            raise PackageError(f"{name}: {element} {handle[:300]!r} {problem}; nothing was "
                               "written")
    for element, value, table, column in _values(obj):
        if value is None:
            continue
        limit = _length(table, column)
        if limit is not None and len(value) > limit:
            raise PackageError(f"{name}: {element} is {len(value)} characters long, longer "
                               f"than {table.name}.{column} allows ({limit}): "
                               f"{value[:40]!r}...; nothing was written")
