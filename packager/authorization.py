"""Who may ingest what: DSpace's administrator rules for the packager's ``-e`` e-person.

DSpace runs the packager as the ``-e`` e-person and lets its authorization layer decide; an AIP
ingest creates, replaces and deletes objects, groups and people, so in practice it needs an
administrator. bsf applies those rules itself, before anything is written:

* the **SITE** AIP (every group, person and password hash) and ``-o passwords``: a *site
  administrator* — a member of the Administrator group (id 1);
* a **community** or **collection** created in, or an object replaced below, a community: an
  administrator of that community or of one above it (an ``ADMIN`` resource policy for the
  e-person or one of their groups; a collection's own ``admin`` group counts for it), or a site
  administrator. A top-level community's parent is the site: site administrators only;
* an **item** created in (or mapped into) a collection, or replaced: an administrator of that
  collection, of a community above it, or of the item itself — or a site administrator;
* creating or overwriting **groups and people** (the DSPACE-ROLES a container AIP brings,
  ``createSubmitter``): a site administrator, as DSpace's ``EPerson.create`` and
  ``Group.create`` demand.

A depositor (a member of a collection's submitters, ``ADD`` only) is refused, with the right
that is missing named; the ingest's single transaction then writes nothing. Group membership is
read once, when the run starts: a SITE AIP that rewrites the Administrator group cannot take the
right away from the run that restores it, nor can a package grant itself one.

Memberships, nested groups included, come from :mod:`archive.epersons`, the same rules the web
workbench uses for its logins.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, or_, select

from archive.epersons import ADMIN_GROUP_ID, group_ids
from archive.schema import COLLECTION, COMMUNITY, ITEM, SITE, Tables
from bsfcore.errors import PackageError
from bsfcore.runtime import now
from packager.model import ACTIONS
from packager.refs import TYPE_NAMES, ObjRef

ANONYMOUS_GROUP_ID = 0
ADMIN_ACTION = ACTIONS.index("ADMIN")


class AuthorizationError(PackageError):
    """The ``-e`` e-person lacks the right an ingest or export option needs."""


class Authority:
    """The rights of one e-person during one packager run (memberships read at the start)."""

    def __init__(self, conn: Connection, t: Tables, eperson_id: int, email: str) -> None:
        self.conn = conn
        self.t = t
        self.eperson_id = eperson_id
        self.email = email
        self.groups = group_ids(conn, eperson_id) | {ANONYMOUS_GROUP_ID}
        self.site_admin = ADMIN_GROUP_ID in self.groups
        self._admin_of: dict[tuple[int, int], bool] = {}

    # -- refusals ---------------------------------------------------------------------------

    def _refuse(self, right: str, what: str) -> AuthorizationError:
        return AuthorizationError(f"{self.email} may not {what}: that needs {right}; nothing "
                                  "was written")

    def require_site_admin(self, what: str) -> None:
        if not self.site_admin:
            raise self._refuse("a site administrator (a member of the Administrator group)",
                               what)

    def require_admin(self, ref: ObjRef, what: str) -> None:
        """Administrator of ``ref`` or of anything above it (or of the site)."""
        if self.site_admin:
            return
        if ref.type_id == SITE:
            self.require_site_admin(what)
            return
        if not self.admin_of(ref.type_id, ref.id):
            label = f"{TYPE_NAMES.get(ref.type_id, ref.type_id)} {ref.handle or ref.id}"
            raise self._refuse(f"an administrator of {label} (or of a community above it, or "
                               "of the site)", what)

    def people_guard(self, kind: str, name: str) -> None:
        """Called before a group or person is created or overwritten."""
        self.require_site_admin(f"create or overwrite {kind} {name}")

    # -- the rule -----------------------------------------------------------------------------

    def admin_of(self, type_id: int, object_id: int) -> bool:
        """ADMIN on the object or (recursively) on a parent; containers are cached."""
        key = (type_id, object_id)
        if key in self._admin_of:
            return self._admin_of[key]
        self._admin_of[key] = False  # a cycle in the community graph must not recurse forever
        found = self._has_admin_policy(type_id, object_id) or any(
            self.admin_of(p_type, p_id) for p_type, p_id in self._parents(type_id, object_id))
        if type_id == ITEM:
            del self._admin_of[key]  # items are many and met once: keep memory flat
        else:
            self._admin_of[key] = found
        return found

    def _has_admin_policy(self, type_id: int, object_id: int) -> bool:
        rp, stamp = self.t.resourcepolicy, now()
        if type_id == COLLECTION:
            admin_group = self.conn.execute(
                select(self.t.collection.c.admin)
                .where(self.t.collection.c.collection_id == object_id)).scalar()
            if admin_group is not None and int(admin_group) in self.groups:
                return True
        return self.conn.execute(select(rp.c.policy_id).where(
            rp.c.resource_type_id == type_id, rp.c.resource_id == object_id,
            rp.c.action_id == ADMIN_ACTION,
            or_(rp.c.epersongroup_id.in_(sorted(self.groups)),
                rp.c.eperson_id == self.eperson_id),
            or_(rp.c.start_date.is_(None), rp.c.start_date <= stamp),
            or_(rp.c.end_date.is_(None), rp.c.end_date >= stamp)).limit(1)).first() is not None

    def _parents(self, type_id: int, object_id: int) -> list[tuple[int, int]]:
        t, c = self.t, self.conn
        if type_id == ITEM:
            owner = c.execute(select(t.item.c.owning_collection)
                              .where(t.item.c.item_id == object_id)).scalar()
            return [(COLLECTION, int(owner))] if owner is not None else []
        if type_id == COLLECTION:
            return [(COMMUNITY, int(i)) for i in c.execute(
                select(t.community2collection.c.community_id)
                .where(t.community2collection.c.collection_id == object_id)).scalars()]
        if type_id == COMMUNITY:
            return [(COMMUNITY, int(i)) for i in c.execute(
                select(t.community2community.c.parent_comm_id)
                .where(and_(t.community2community.c.child_comm_id == object_id))).scalars()]
        return []


__all__ = ["Authority", "AuthorizationError"]
