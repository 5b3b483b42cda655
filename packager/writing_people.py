"""Writing groups, people and resource policies on ingest (part of ArchiveWriter).

Groups and people are matched by name and email. The SITE AIP follows the ingest mode
(restore: an existing one is an error, "Group Administrator already exists"; keep: left alone;
replace: overwritten, membership included); a community/collection AIP only *adds* what it
references and is missing (closing DSpace's DS-1105). Group names carrying a handle
(``COLLECTION_hdl:123456789/5_SUBMIT``) become ``COLLECTION_<local id>_SUBMIT`` as soon as the
object exists — at once, or when it is restored later (:meth:`rename_deferred_groups`).
Policies are replaced with one delete (a reused id's stale rows must never grant anything)
and one executemany per object type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from sqlalchemy import Connection, Table, and_, delete, insert, or_, select, update

from archive.schema import COLLECTION, COMMUNITY, T16
from bsfcore.errors import PackageError
from packager.model import ACTIONS, PersonRec, Policy, Roles

T = T16
_HDL_GROUP = re.compile(r"^(COMMUNITY|COLLECTION)_hdl:([^_]+)_(.+)$")


class PeopleWriter:
    """Mixin of :class:`packager.writing.ArchiveWriter`."""

    conn: Connection
    warnings: list[str]
    handle_map: dict[str, str | None]
    _groups: dict[str, int | None]
    _people: dict[str, int | None]
    #: called with ("group"|"e-person", name) before one is created or overwritten; raises
    #: when the run's e-person may not (packager.authorization.Authority.people_guard)
    guard: Callable[[str, str], None] | None = None

    def insert_row(self, table: Table, values: Mapping[str, object],
                   preferred: int | None = None) -> int:  # provided by ArchiveWriter
        raise NotImplementedError

    def eperson_id(self, email: str | None) -> int | None:
        if not email:
            return None
        if email not in self._people:
            self._people[email] = self.conn.execute(
                select(T.eperson.c.eperson_id).where(T.eperson.c.email == email)).scalar()
        return self._people[email]

    def group_id(self, name: str | None) -> int | None:
        if not name:
            return None
        local = self.local_group_name(name)
        if local not in self._groups:
            self._groups[local] = self.conn.execute(
                select(T.epersongroup.c.eperson_group_id)
                .where(T.epersongroup.c.name == local)).scalar()
        return self._groups[local]

    def local_group_name(self, name: str, handle_map: dict[str, str | None] | None = None) -> str:
        """``COLLECTION_hdl:123/5_SUBMIT`` -> ``COLLECTION_<id>_SUBMIT`` once the object exists."""
        match = _HDL_GROUP.match(name)
        if match is None:
            return name
        handle = (handle_map or self.handle_map).get(match.group(2), match.group(2))
        if handle is None:
            return name
        row = self.conn.execute(select(T.handle.c.resource_id).where(
            T.handle.c.handle == handle,
            T.handle.c.resource_type_id == (COMMUNITY if match.group(1) == "COMMUNITY"
                                            else COLLECTION))).scalar()
        return name if row is None else f"{match.group(1)}_{row}_{match.group(3)}"

    def rename_deferred_groups(self, type_name: str, original_handle: str | None,
                               object_id: int) -> None:
        """Groups restored before their community/collection get its new id in their name."""
        if not original_handle:
            return
        prefix = f"{type_name}_hdl:{original_handle}_"
        rows = self.conn.execute(select(T.epersongroup.c.eperson_group_id, T.epersongroup.c.name)
                                 .where(T.epersongroup.c.name.startswith(prefix))).all()
        for gid, name in rows:
            new = f"{type_name}_{object_id}_{name[len(prefix):]}"
            self.conn.execute(update(T.epersongroup).where(
                T.epersongroup.c.eperson_group_id == gid).values(name=new))
            self._groups.pop(name, None)
            self._groups[new] = gid

    def apply_roles(self, roles: Roles, *, mode: str) -> None:
        """Create groups and people. ``mode``: ``restore`` (existing = error), ``keep``
        (existing left alone), ``replace`` (existing overwritten), ``refs`` (a container's
        references: create what is missing, leave what exists)."""
        replaced_groups: set[int] = set()
        for g in roles.groups:
            gid = self.group_id(g.name)
            if gid is not None:
                if mode == "restore":
                    raise PackageError(f"Group {g.name} already exists")
                if mode == "replace":
                    if self.guard is not None:
                        self.guard("group", g.name)
                    replaced_groups.add(gid)
                continue
            local = self.local_group_name(g.name)
            if self.guard is not None:
                self.guard("group", local)
            gid = self.insert_row(T.epersongroup, {"name": local})
            self._groups[local] = gid
            replaced_groups.add(gid)
        for p in roles.people:
            self._person(p, mode)
        for g in roles.groups:
            gid = self.group_id(g.name)
            if gid is None or gid not in replaced_groups:
                continue
            gm = T.epersongroup2eperson
            self.conn.execute(delete(gm).where(gm.c.eperson_group_id == gid))
            for email in g.members:
                pid = self.eperson_id(email)
                if pid is None:
                    self.warnings.append(f"group {g.name}: member {email} is not in the archive")
                    continue
                self.conn.execute(insert(gm).values(eperson_group_id=gid, eperson_id=pid))

    def _person(self, p: PersonRec, mode: str) -> None:
        values = {"email": p.email, "firstname": p.firstname, "lastname": p.lastname,
                  "netid": p.netid, "phone": p.phone, "language": p.language,
                  "can_log_in": p.can_log_in, "require_certificate": p.require_certificate,
                  "self_registered": p.self_registered}
        if p.password:
            values["password"] = p.password
        pid = self.eperson_id(p.email)
        if pid is None:
            if self.guard is not None:
                self.guard("e-person", p.email)
            self._people[p.email] = self.insert_row(T.eperson, values)
        elif mode == "restore":
            raise PackageError(f"EPerson {p.email} already exists")
        elif mode == "replace":
            if self.guard is not None:
                self.guard("e-person", p.email)
            self.conn.execute(update(T.eperson).where(T.eperson.c.eperson_id == pid)
                              .values(**values))

    def ensure_person(self, email: str) -> int:
        """The e-person with ``email``, created (unable to log in) when missing — what
        DSpace's ``createSubmitter`` does for a restored item's unknown submitter."""
        self._person(PersonRec(email=email, can_log_in=False, require_certificate=False,
                               self_registered=False), "refs")
        found = self.eperson_id(email)
        assert found is not None
        return found

    def set_policies(self, type_id: int, object_id: int, policies: list[Policy]) -> None:
        """Replace the object's policies."""
        self.set_policies_many(type_id, {object_id: policies})

    def set_policies_many(self, type_id: int, policies_of: Mapping[int, list[Policy]]) -> None:
        """Replace the policies of several objects of one type."""
        self.set_policies_multi([(type_id, policies_of)])

    def set_policies_multi(self, groups: list[tuple[int, Mapping[int, list[Policy]]]]) -> None:
        """Replace the policies of objects of several types (an item, its bundles and
        bitstreams): one delete (stale rows of a reused id must never grant anything), one
        executemany insert."""
        groups = [(type_id, of) for type_id, of in groups if of]
        if not groups:
            return
        rp = T.resourcepolicy
        self.conn.execute(delete(rp).where(or_(*[
            and_(rp.c.resource_type_id == type_id, rp.c.resource_id.in_(list(of)))
            for type_id, of in groups])))
        rows = []
        for type_id, object_id, p in ((t, o, p) for t, of in groups
                                      for o, ps in of.items() for p in ps):
            gid = self.group_id(p.group) if p.group else None
            pid = self.eperson_id(p.eperson) if p.eperson else None
            if (p.group and gid is None) or (p.eperson and pid is None):
                self.warnings.append(f"policy {p.action} for {p.group or p.eperson} skipped: "
                                     "no such group or person in the archive")
                continue
            action = ACTIONS.index(p.action) if p.action in ACTIONS else None
            if action is None:
                self.warnings.append(f"policy action {p.action} unknown; skipped")
                continue
            rows.append({"resource_type_id": type_id, "resource_id": object_id,
                         "action_id": action, "epersongroup_id": gid, "eperson_id": pid,
                         "start_date": p.start, "end_date": p.end})
        if rows:
            self.conn.execute(insert(rp), rows)
