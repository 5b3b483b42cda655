"""The renovated model's local format cache: one ``bitstreamformatregistry`` row per format.

In the renovated model a BitstreamFormat is a local cache of an external registry's record,
bound to it by one or more external identifiers (canonical key + synonyms, table
``externalidentifier``). Phases 1-2, the workbench and AIP restore all go through
:func:`ensure_format`, so the same format never gets two rows.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from archive.db import inserted_id
from archive.schema import T16
from registries.model import Format, FormatKey

_UNKNOWN_NAME = "Unknown"


def find_format_id(conn: Connection, key: FormatKey) -> int | None:
    """The local format bound to ``key`` (canonical or synonym), if any."""
    ext = T16.externalidentifier
    assert ext is not None
    row = conn.execute(
        select(ext.c.bitstream_format_id).where(
            ext.c.namespace == key.namespace, ext.c.identifier == key.identifier)
    ).first()
    return int(row[0]) if row else None


def ensure_format(conn: Connection, fmt: Format) -> int:
    """The ``bitstream_format_id`` caching ``fmt``, creating the row and its keys if needed.

    A key of ``fmt`` already bound to a cached format identifies that row; keys not yet bound
    are added to it as synonyms (this is how a Provisional synonym of a PRONOM format sticks).
    """
    ext = T16.externalidentifier
    assert ext is not None
    format_id = None
    for key in fmt.keys:
        format_id = find_format_id(conn, key)
        if format_id is not None:
            break
    if format_id is None:
        format_id = inserted_id(conn.execute(
            insert(T16.bitstreamformatregistry).values(
                mimetype=fmt.mime_type,
                short_description=fmt.display_name[:128],
                description=fmt.description,
                support_level=int(fmt.support_level),
                internal=fmt.internal,
            )
        ))
    bound = {
        (r.namespace, r.identifier)
        for r in conn.execute(select(ext.c.namespace, ext.c.identifier)
                              .where(ext.c.bitstream_format_id == format_id))
    }
    for index, key in enumerate(fmt.keys):
        if (key.namespace, key.identifier) in bound:
            continue
        if find_format_id(conn, key) is not None:
            continue  # bound to another cached format; never steal a key
        conn.execute(insert(ext).values(
            bitstream_format_id=format_id, namespace=key.namespace,
            identifier=key.identifier, canonical=(index == 0 and not bound)))
    return format_id


def format_keys(conn: Connection, format_id: int) -> list[FormatKey]:
    """The external identifiers of a cached format, canonical first."""
    ext = T16.externalidentifier
    assert ext is not None
    rows = conn.execute(
        select(ext.c.namespace, ext.c.identifier, ext.c.canonical)
        .where(ext.c.bitstream_format_id == format_id)
        .order_by(ext.c.canonical.desc(), ext.c.external_identifier_id)
    )
    return [FormatKey(r.namespace, r.identifier) for r in rows]


def unknown_format_id(conn: Connection) -> int:
    """The renovated model's "Unknown" format (no external key), created on first use."""
    reg = T16.bitstreamformatregistry
    row = conn.execute(select(reg.c.bitstream_format_id)
                       .where(reg.c.short_description == _UNKNOWN_NAME)
                       .order_by(reg.c.bitstream_format_id)).first()
    if row:
        return int(row[0])
    return inserted_id(conn.execute(insert(reg).values(
        mimetype="application/octet-stream", short_description=_UNKNOWN_NAME,
        description="Unknown data format", support_level=0, internal=False,
    )))
