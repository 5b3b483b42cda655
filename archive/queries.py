"""Which bitstreams belong to the archive, and handle lookups.

Two populations matter (decided from the seeds and DSpace 1.5's code, see docs/archive.md):

* **in archive** — what DSpace serves and what AIPs describe: non-deleted bitstreams in a bundle
  of an item with ``in_archive = true``, plus community and collection logos (which are in no
  bundle). With ``include_withdrawn=True`` the bitstreams of withdrawn items count too (DSpace
  1.5's ``Item.withdraw()`` sets ``in_archive = false``, yet the replication seed says withdrawn
  objects "are still considered under the 'in archive' status" and keep being exported).
* **upgradable** — what ``Upgrade15To16`` must give a renovated format ("Out of N upgradable
  bitstreams in archive"): the in-archive ones, plus those of **withdrawn** items (a withdrawn
  item can be reinstated; if its files kept a 1.5 format id, phase 3 would leave them pointing at
  a dropped registry row) and of **in-progress submissions** (``workspaceitem``), which become
  archive content when submitted. Deleted bitstreams (``deleted = true``) never count: cleanup
  removes them. Bitstreams reachable from nothing at all (orphans) are not upgradable.

The functions return SQLAlchemy ``Select`` objects over the ``bitstream`` table so callers can
add ``order_by``/``where(bitstream_id > last)``/``limit`` for keyed batches and stream them.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, false, or_, select, true

from archive.schema import T15, Tables

_HANDLE_PREFIXES = ("hdl:", "info:hdl/", "http://hdl.handle.net/", "https://hdl.handle.net/")


def _in_item_bundle(t: Tables, item_condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """The bitstream is in a bundle of an item satisfying ``item_condition``."""
    return exists(
        select(1)
        .select_from(
            t.bundle2bitstream
            .join(t.item2bundle, t.item2bundle.c.bundle_id == t.bundle2bitstream.c.bundle_id)
            .join(t.item, t.item.c.item_id == t.item2bundle.c.item_id))
        .where(t.bundle2bitstream.c.bitstream_id == t.bitstream.c.bitstream_id, item_condition)
    )


def _is_logo(t: Tables) -> ColumnElement[bool]:
    bid = t.bitstream.c.bitstream_id
    return or_(
        exists(select(1).where(t.community.c.logo_bitstream_id == bid)),
        exists(select(1).where(t.collection.c.logo_bitstream_id == bid)),
    )


def _not_deleted(t: Tables) -> ColumnElement[bool]:
    # NULL ``deleted`` occurs in old rows; DSpace treats it as not deleted.
    return or_(t.bitstream.c.deleted.is_(None), t.bitstream.c.deleted == false())


def in_archive_condition(t: Tables = T15, *,
                         include_withdrawn: bool = False) -> ColumnElement[bool]:
    """The WHERE clause of :func:`in_archive_bitstreams`, to combine with other filters."""
    item_ok: ColumnElement[bool] = t.item.c.in_archive == true()
    if include_withdrawn:
        item_ok = or_(item_ok, t.item.c.withdrawn == true())
    return and_(_not_deleted(t), or_(_in_item_bundle(t, item_ok), _is_logo(t)))


def upgradable_condition(t: Tables = T15) -> ColumnElement[bool]:
    """The WHERE clause of :func:`upgradable_bitstreams`."""
    in_workspace = exists(select(1).where(t.workspaceitem.c.item_id == t.item.c.item_id))
    item_ok = or_(t.item.c.in_archive == true(), t.item.c.withdrawn == true(), in_workspace)
    return and_(_not_deleted(t), or_(_in_item_bundle(t, item_ok), _is_logo(t)))


def in_archive_bitstreams(t: Tables = T15, *, include_withdrawn: bool = False) -> Select[tuple]:
    """Select of ``bitstream`` rows in the archive (see the module docstring)."""
    return select(t.bitstream).where(in_archive_condition(t, include_withdrawn=include_withdrawn))


def upgradable_bitstreams(t: Tables = T15) -> Select[tuple]:
    """Select of ``bitstream`` rows the upgrade must convert (see the module docstring)."""
    return select(t.bitstream).where(upgradable_condition(t))


def normalise_handle(handle: str) -> str:
    """``hdl:123456789/5``, ``http://hdl.handle.net/123456789/5`` -> ``123456789/5``."""
    value = handle.strip()
    for prefix in _HANDLE_PREFIXES:
        if value.lower().startswith(prefix):
            return value[len(prefix):]
    return value


class HandleTarget(NamedTuple):
    """What a handle names: DSpace's resource type (2 = item, ...) and the object's id."""

    resource_type_id: int
    resource_id: int


def resolve_handle(conn: Connection, handle: str, t: Tables = T15) -> HandleTarget | None:
    """The object a handle names, or None when the handle is unknown."""
    row = conn.execute(
        select(t.handle.c.resource_type_id, t.handle.c.resource_id)
        .where(t.handle.c.handle == normalise_handle(handle))).first()
    if row is None or row.resource_type_id is None or row.resource_id is None:
        return None
    return HandleTarget(int(row.resource_type_id), int(row.resource_id))


def handle_of(conn: Connection, resource_type_id: int, resource_id: int,
              t: Tables = T15) -> str | None:
    """The handle of an object (lowest handle_id if it has several), or None."""
    row = conn.execute(
        select(t.handle.c.handle)
        .where(t.handle.c.resource_type_id == resource_type_id,
               t.handle.c.resource_id == resource_id)
        .order_by(t.handle.c.handle_id).limit(1)).first()
    return None if row is None else str(row.handle)


def owning_item(conn: Connection, bitstream_id: int, t: Tables = T15) -> int | None:
    """The item a bitstream belongs to through its bundle, or None (logo, orphan)."""
    row = conn.execute(
        select(t.item2bundle.c.item_id)
        .join(t.bundle2bitstream, t.bundle2bitstream.c.bundle_id == t.item2bundle.c.bundle_id)
        .where(t.bundle2bitstream.c.bitstream_id == bitstream_id)
        .order_by(t.item2bundle.c.item_id).limit(1)).first()
    return None if row is None else int(row.item_id)
