"""DSPACE-ROLES (groups and people) and METSRights (policies): model <-> XML.

DSPACE-ROLES is DSpace's own format (no namespace). People and groups are named by email and
group name, never by database id, so the same archive always gives the same XML and a restore
into another archive maps them by name. METSRights follows the official schema: one
``Context`` per policy, the action as a permission (READ = DISPLAY, WRITE = MODIFY, DELETE,
anything else OTHER with ``OTHERPERMITTYPE``), start/end dates as a TIME constraint.
"""

from __future__ import annotations

from lxml import etree

from packager.model import GroupRec, PersonRec, Policy, Roles, iso, parse_iso
from packager.xmlns import RIGHTS, q, sub, text_of

ANONYMOUS, ADMINISTRATOR = "Anonymous", "Administrator"
_PERMISSION = {"READ": "DISPLAY", "WRITE": "MODIFY", "DELETE": "DELETE"}
_ACTION = {v: k for k, v in _PERMISSION.items()}
_PERSON_FIELDS = (("FirstName", "firstname"), ("LastName", "lastname"), ("Netid", "netid"),
                  ("Phone", "phone"), ("Language", "language"))
_PERSON_FLAGS = (("CanLogin", "can_log_in"), ("RequireCertificate", "require_certificate"),
                 ("SelfRegistered", "self_registered"))


def roles_element(roles: Roles) -> etree._Element:
    root = etree.Element("DSpaceRoles")
    groups = sub(root, None, "Groups")
    for g in roles.groups:
        el = sub(groups, None, "Group", Name=g.name, Type=g.role)
        members = sub(el, None, "Members")
        for email in g.members:
            sub(members, None, "Member", Name=email)
    people = sub(root, None, "People")
    for p in roles.people:
        el = sub(people, None, "Person")
        sub(el, None, "Email", p.email)
        for tag, attr in _PERSON_FIELDS:
            value = getattr(p, attr)
            if value is not None:
                sub(el, None, tag, value)
        for tag, attr in _PERSON_FLAGS:
            value = getattr(p, attr)
            if value is not None:
                sub(el, None, tag, "true" if value else "false")
        if p.password:
            sub(el, None, "PasswordHash", p.password)
    return root


def read_roles(root: etree._Element) -> Roles:
    roles = Roles()
    for g in root.iter("Group"):
        name = g.get("Name")
        if name:
            roles.groups.append(GroupRec(
                name, [m.get("Name", "") for m in g.iter("Member") if m.get("Name")],
                g.get("Type") or None))
    for p in root.iter("Person"):
        email = text_of(p.find("Email"))
        if not email:
            continue
        values: dict[str, object] = {"email": email}
        for tag, attr in _PERSON_FIELDS:
            values[attr] = text_of(p.find(tag))
        for tag, attr in _PERSON_FLAGS:
            flag = text_of(p.find(tag))
            values[attr] = None if flag is None else flag.strip().lower() == "true"
        values["password"] = text_of(p.find("PasswordHash"))
        roles.people.append(PersonRec(**values))  # type: ignore[arg-type]
    return roles


def rights_element(policies: list[Policy]) -> etree._Element:
    root = etree.Element(q(RIGHTS, "RightsDeclarationMD"), nsmap={"rights": RIGHTS})
    root.set("RIGHTSCATEGORY", "LICENSED")
    for p in policies:
        if p.group == ANONYMOUS:
            cls = "GENERAL PUBLIC"
        elif p.group == ADMINISTRATOR:
            cls = "REPOSITORY MGR"
        elif p.group is not None:
            cls = "MANAGED GRP"
        else:
            cls = "ACADEMIC USER"
        ctx = sub(root, RIGHTS, "Context", CONTEXTCLASS=cls)
        if p.group is not None:
            sub(ctx, RIGHTS, "UserName", p.group, USERTYPE="GROUP")
        elif p.eperson is not None:
            sub(ctx, RIGHTS, "UserName", p.eperson, USERTYPE="INDIVIDUAL")
        perm = sub(ctx, RIGHTS, "Permissions")
        if p.action in _PERMISSION:
            perm.set(_PERMISSION[p.action], "true")
        else:
            perm.set("OTHER", "true")
            perm.set("OTHERPERMITTYPE", p.action)
        if p.start or p.end:
            cons = sub(ctx, RIGHTS, "Constraints", CONSTRAINTTYPE="TIME")
            if p.start:
                sub(cons, RIGHTS, "ConstraintDescription", f"start-date={iso(p.start)}")
            if p.end:
                sub(cons, RIGHTS, "ConstraintDescription", f"end-date={iso(p.end)}")
    return root


def read_rights(root: etree._Element) -> list[Policy]:
    policies = []
    for ctx in root.iter(q(RIGHTS, "Context")):
        user = ctx.find(q(RIGHTS, "UserName"))
        group = eperson = None
        if user is not None and user.text:
            if user.get("USERTYPE") == "INDIVIDUAL":
                eperson = user.text
            else:
                group = user.text
        perm = ctx.find(q(RIGHTS, "Permissions"))
        if perm is None:
            continue
        action = perm.get("OTHERPERMITTYPE") if perm.get("OTHER") == "true" else next(
            (_ACTION[a] for a in _ACTION if perm.get(a) == "true"), None)
        if not action:
            continue
        start = end = None
        for desc in ctx.iter(q(RIGHTS, "ConstraintDescription")):
            label, _, value = (desc.text or "").partition("=")
            if label == "start-date":
                start = parse_iso(value)
            elif label == "end-date":
                end = parse_iso(value)
        policies.append(Policy(action, group, eperson, start, end))
    return policies
