"""Reading people, groups and resource policies for export (part of ArchiveReader).

Groups and people are named, never numbered, in an AIP: a group name that embeds a database
id (``COLLECTION_12_SUBMIT``) is exported with the object's handle instead
(``COLLECTION_hdl:123456789/5_SUBMIT``), as DSpace does, so it can be mapped to the new id
wherever the AIP is restored. Policies are read in one query per item (item, bundles,
bitstreams together).
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, and_, or_, select

from archive.schema import COLLECTION, COMMUNITY, SITE, Tables
from packager.model import (
    ACTIONS,
    COLLECTION_ROLES,
    ArchiveObject,
    GroupRec,
    PersonRec,
    Policy,
    Roles,
    utc,
)
from packager.options import PackagerOptions

_ID_GROUP = re.compile(r"^(COMMUNITY|COLLECTION)_(\d+)_(.+)$")


def _handle_of(conn: Connection, t: Tables, type_id: int, object_id: int) -> str | None:
    row = conn.execute(select(t.handle.c.handle).where(
        t.handle.c.resource_type_id == type_id, t.handle.c.resource_id == object_id)
        .order_by(t.handle.c.handle_id).limit(1)).first()
    return None if row is None else str(row.handle)


class PeopleReader:
    """Mixin of :class:`packager.reading.ArchiveReader`: groups, people, policies."""

    conn: Connection
    t: Tables
    options: PackagerOptions
    _group_names: dict[int, str]
    _emails: dict[int, str]

    def email(self, eperson_id: int) -> str | None:
        if eperson_id not in self._emails:
            self._emails[eperson_id] = self.conn.execute(
                select(self.t.eperson.c.email)
                .where(self.t.eperson.c.eperson_id == eperson_id)).scalar() or ""
        return self._emails[eperson_id] or None

    def group_name(self, group_id: int) -> str | None:
        """The group's name as exported: ids in COLLECTION_<id>_X become the handle."""
        if group_id not in self._group_names:
            name = self.conn.execute(
                select(self.t.epersongroup.c.name)
                .where(self.t.epersongroup.c.eperson_group_id == group_id)).scalar() or ""
            self._group_names[group_id] = self.export_group_name(name)
        return self._group_names[group_id] or None

    def export_group_name(self, name: str) -> str:
        match = _ID_GROUP.match(name)
        if match is None:
            return name
        type_id = COMMUNITY if match.group(1) == "COMMUNITY" else COLLECTION
        handle = _handle_of(self.conn, self.t, type_id, int(match.group(2)))
        return f"{match.group(1)}_hdl:{handle}_{match.group(3)}" if handle else name

    def policies(self, type_id: int, object_id: int) -> list[Policy]:
        return self.policies_many(type_id, [object_id]).get(object_id, [])

    def policies_many(self, type_id: int, object_ids: list[int]) -> dict[int, list[Policy]]:
        """The resource policies of several objects of one type, in one query."""
        found = self.policies_of({type_id: object_ids})
        return {object_id: policies for (_t, object_id), policies in found.items()}

    def policies_of(self, wanted: dict[int, list[int]]) -> dict[tuple[int, int], list[Policy]]:
        """The resource policies of objects of several types, in one query."""
        rp = self.t.resourcepolicy
        conditions = [and_(rp.c.resource_type_id == type_id, rp.c.resource_id.in_(ids))
                      for type_id, ids in wanted.items() if ids]
        if not conditions:
            return {}
        rows = self.conn.execute(select(rp).where(or_(*conditions))).all()
        found: dict[tuple[int, int], list[Policy]] = {}
        for r in rows:
            action = ACTIONS[r.action_id] if 0 <= (r.action_id or 0) < len(ACTIONS) \
                else f"ACTION_{r.action_id}"
            found.setdefault((int(r.resource_type_id), int(r.resource_id)), []).append(Policy(
                action=action,
                group=self.group_name(r.epersongroup_id) if r.epersongroup_id is not None
                else None,
                eperson=self.email(r.eperson_id) if r.eperson_id is not None else None,
                start=utc(r.start_date), end=utc(r.end_date)))
        for policies in found.values():
            policies.sort(key=Policy.sort_key)
        return found

    def _roles(self, obj: ArchiveObject, type_id: int, object_id: int) -> Roles:
        """SITE: every group and person. Containers: the groups they use (DS-1105)."""
        t, c = self.t, self.conn
        if type_id == SITE:
            group_ids = list(c.execute(select(t.epersongroup.c.eperson_group_id)).scalars())
            people_ids = list(c.execute(select(t.eperson.c.eperson_id)).scalars())
            roles = self._groups(group_ids, {})
            roles.people = self._people(people_ids, passwords=self.options.passwords)
            return roles
        if type_id not in (COMMUNITY, COLLECTION):
            return Roles()
        role_of: dict[int, str] = {}
        if type_id == COLLECTION:
            row = c.execute(select(t.collection).where(
                t.collection.c.collection_id == object_id)).one()
            for column, role in COLLECTION_ROLES:
                gid = getattr(row, column)
                if gid is not None:
                    role_of[int(gid)] = role
        rp = t.resourcepolicy
        policy_groups = c.execute(select(rp.c.epersongroup_id).where(
            rp.c.resource_type_id == type_id, rp.c.resource_id == object_id,
            rp.c.epersongroup_id.is_not(None))).scalars()
        group_set = set(role_of) | {int(g) for g in policy_groups}
        roles = self._groups(sorted(group_set), role_of)
        gm = t.epersongroup2eperson
        people = set(c.execute(select(gm.c.eperson_id)
                               .where(gm.c.eperson_group_id.in_(group_set))).scalars())
        people |= set(c.execute(select(rp.c.eperson_id).where(
            rp.c.resource_type_id == type_id, rp.c.resource_id == object_id,
            rp.c.eperson_id.is_not(None))).scalars())
        roles.people = self._people(sorted(people), passwords=False)
        return roles

    def _groups(self, group_ids: list[int], role_of: dict[int, str]) -> Roles:
        t = self.t
        gm, ep = t.epersongroup2eperson, t.eperson
        groups = []
        for gid in group_ids:
            name = self.group_name(gid)
            if name is None:
                continue
            members = sorted({e for (e,) in self.conn.execute(
                select(ep.c.email).join(gm, gm.c.eperson_id == ep.c.eperson_id)
                .where(gm.c.eperson_group_id == gid)) if e})
            groups.append(GroupRec(name, members, role_of.get(gid)))
        groups.sort(key=lambda g: (g.role or "", g.name))
        return Roles(groups=groups)

    def _people(self, ids: list[int], *, passwords: bool) -> list[PersonRec]:
        """The people of ``ids``; password hashes only when asked (the SITE AIP with
        ``-o passwords=true``, as DSpace: container AIPs never carry them)."""
        if not ids:
            return []
        ep = self.t.eperson
        people = []
        for r in self.conn.execute(select(ep).where(ep.c.eperson_id.in_(ids))):
            if not r.email:
                continue
            people.append(PersonRec(
                email=r.email, firstname=r.firstname, lastname=r.lastname, netid=r.netid,
                phone=r.phone, language=r.language, can_log_in=r.can_log_in,
                require_certificate=r.require_certificate, self_registered=r.self_registered,
                password=r.password if passwords else None))
        return sorted(people, key=lambda p: p.email)
