"""Change detection for sync: a cheap fingerprint of everything an item's AIP is made from.

Building an AIP to compare its MD5 costs tens of milliseconds per item (it reads ~40 rows and
writes a zip); on a 100,000-item archive that is an hour per sync. So sync keeps, beside each
replica's MD5, a *fingerprint*: a SHA-256 over every column of every row the item's AIP is
built from, read in bulk (a handful of queries per 1,000 items):

* the item row, its handle rows and its collection mappings;
* its metadata values, bundles, bundle links, bitstreams (all columns, including the renovated
  format columns), and the resource policies of item, bundles and bitstreams;
* the format-change history of its bitstreams (``bsf_format_history``), which dates each
  format identification in the AIP's PREMIS;
* the e-persons it names (submitter, policy holders): id, email, names, netid — not
  ``last_active``, which DSpace rewrites at every login;
* a *global* part: the format registry (formats, extensions, external identifiers), the metadata
  schema and field registries and the group names, plus the bsf version, the packager options,
  the DROID signature file name and the configured registry documents (size and time), since
  all of them show up in AIPs.

An item whose fingerprint is unchanged is not rebuilt. Communities and collections (few, and
made of rows outside this list) are always rebuilt and compared by MD5. ``sync --full``
ignores fingerprints and rebuilds everything — the authoritative comparison.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, select

from archive.history import FORMAT_HISTORY, history_exists
from archive.schema import BITSTREAM, BUNDLE, ITEM, Tables
from bsfcore import __version__
from bsfcore.settings import Settings

CHUNK = 500


def _rows(conn: Connection, table: Table, *where: Any) -> list[tuple[Any, ...]]:
    order = list(table.primary_key.columns) or list(table.columns)
    return [tuple(r) for r in conn.execute(select(table).where(*where)
                                           .order_by(*order))]


def _digest(parts: Iterable[object]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def context_fingerprint(settings: Settings | None, options: dict[str, str]) -> str:
    """bsf version, packager options and the registry files AIPs take format names from."""
    parts: list[object] = [__version__, sorted(options.items())]
    try:
        from packager.export import signature_file_name
        from registries.config import default_format_config, load_format_config

        parts.append(signature_file_name(settings))
        config = load_format_config(settings) if settings is not None \
            else default_format_config()
        for spec in sorted(config.registries.values(), key=lambda s: s.namespace):
            doc = spec.document
            stat = Path(doc).stat() if doc is not None and Path(doc).is_file() else None
            parts.append((spec.namespace, str(doc), stat and (stat.st_size, stat.st_mtime_ns)))
    except Exception as exc:  # unconfigured registries: the fingerprint notes why
        parts.append(f"no registry configuration: {type(exc).__name__}")
    return _digest(parts)


def global_fingerprint(conn: Connection, t: Tables, context: str) -> str:
    """Everything outside an item that its AIP shows (see the module docstring)."""
    tables = [t.bitstreamformatregistry, t.fileextension, t.metadataschemaregistry,
              t.metadatafieldregistry, t.epersongroup]
    if t.externalidentifier is not None:
        tables.append(t.externalidentifier)
    h = hashlib.sha256(context.encode())
    for table in tables:
        h.update(table.name.encode())
        h.update(_digest(_rows(conn, table)).encode())
    return h.hexdigest()


def _history_table(conn: Connection) -> Table | None:
    """The workbench's format-change history table, when this archive has one."""
    return FORMAT_HISTORY if history_exists(conn) else None


def item_fingerprints(conn: Connection, t: Tables, item_ids: Sequence[int],
                      global_fp: str) -> dict[int, str]:
    """item_id -> fingerprint for every id in ``item_ids`` (missing items are left out)."""
    out: dict[int, str] = {}
    for start in range(0, len(item_ids), CHUNK):
        out.update(_chunk(conn, t, list(item_ids[start:start + CHUNK]), global_fp))
    return out


def _chunk(conn: Connection, t: Tables, ids: list[int], global_fp: str) -> dict[int, str]:
    parts: dict[int, list[object]] = {}
    for row in _rows(conn, t.item, t.item.c.item_id.in_(ids)):
        parts[int(row[0])] = [global_fp, row]

    people: dict[int, set[Any]] = {}  # eperson id -> items showing that person
    submitter = t.item.c.keys().index("submitter_id")
    policy_person = t.resourcepolicy.c.keys().index("eperson_id")

    def add(item_id: Any, label: str, row: tuple[Any, ...]) -> None:
        if item_id in parts:
            parts[item_id].append((label, row))
            if label.endswith("policy") and row[policy_person] is not None:
                people.setdefault(int(row[policy_person]), set()).add(item_id)

    for item_id, item_parts in parts.items():
        person = item_parts[1][submitter]  # type: ignore[index]
        if person is not None:
            people.setdefault(int(person), set()).add(item_id)

    for row in _rows(conn, t.handle, t.handle.c.resource_type_id == ITEM,
                     t.handle.c.resource_id.in_(ids)):
        add(row[3], "handle", row)
    for table in (t.collection2item, t.metadatavalue):
        for row in _rows(conn, table, table.c.item_id.in_(ids)):
            add(row[table.c.keys().index("item_id")], table.name, row)
    links = _rows(conn, t.item2bundle, t.item2bundle.c.item_id.in_(ids))
    bundle_item = {int(r[2]): r[1] for r in links}
    for row in links:
        add(row[1], "item2bundle", row)
    bundles = list(bundle_item)
    bitstream_item: dict[int, Any] = {}
    for start in range(0, len(bundles), CHUNK):
        part = bundles[start:start + CHUNK]
        for row in _rows(conn, t.bundle, t.bundle.c.bundle_id.in_(part)):
            add(bundle_item[int(row[0])], "bundle", row)
        for row in _rows(conn, t.bundle2bitstream, t.bundle2bitstream.c.bundle_id.in_(part)):
            item_id = bundle_item[int(row[1])]
            bitstream_item[int(row[2])] = item_id
            add(item_id, "bundle2bitstream", row)
        for row in _rows(conn, t.resourcepolicy, t.resourcepolicy.c.resource_type_id == BUNDLE,
                         t.resourcepolicy.c.resource_id.in_(part)):
            add(bundle_item[int(row[2])], "bundle-policy", row)
    bits = list(bitstream_item)
    history = _history_table(conn)
    for start in range(0, len(bits), CHUNK):
        part = bits[start:start + CHUNK]
        for row in _rows(conn, t.bitstream, t.bitstream.c.bitstream_id.in_(part)):
            add(bitstream_item[int(row[0])], "bitstream", row)
        for row in _rows(conn, t.resourcepolicy,
                         t.resourcepolicy.c.resource_type_id == BITSTREAM,
                         t.resourcepolicy.c.resource_id.in_(part)):
            add(bitstream_item[int(row[2])], "bitstream-policy", row)
        if history is not None:  # AIPs date each format identification from this history
            for row in conn.execute(select(history.c.bitstream_id, history.c.history_id,
                                           history.c.changed_at)
                                    .where(history.c.bitstream_id.in_(part))
                                    .order_by(history.c.history_id)):
                add(bitstream_item[int(row[0])], "format-history", tuple(row))
    for row in _rows(conn, t.resourcepolicy, t.resourcepolicy.c.resource_type_id == ITEM,
                     t.resourcepolicy.c.resource_id.in_(ids)):
        add(row[2], "item-policy", row)
    # The people an AIP names (submitter, policy holders) by their stable columns only: DSpace
    # rewrites eperson.last_active at every login, which must not make every item "changed".
    ep = t.eperson.c
    ids_seen = sorted(people)
    for start in range(0, len(ids_seen), CHUNK):
        for row in conn.execute(select(ep.eperson_id, ep.email, ep.firstname, ep.lastname,
                                       ep.netid).where(ep.eperson_id.in_(ids_seen[start:start
                                                                                   + CHUNK]))
                                .order_by(ep.eperson_id)):
            for item_id in sorted(people[int(row[0])]):
                parts[item_id].append(("eperson", tuple(row)))
    return {item_id: _digest(p) for item_id, p in parts.items()}
