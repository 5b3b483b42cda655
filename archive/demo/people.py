"""The people of the demo archive: a dozen depositors and the site administrator.

A real DSpace always has an administrator: the AIP commands of the documentation run as one
(``packager -e admin@myu.edu``), so the demo has one too, a member of the Administrator group.
Its password is stored as DSpace 1.5 stores every password (``EPerson.setPassword``): the
unsalted MD5 of the password, as 32 lower-case hex digits in ``eperson.password``. That is weak
by today's standards — it is what an operator's 1.5 database holds, and what an AIP's
DSPACE-ROLES carries with ``-o passwords=true`` — so the demo's password is published, never
one a person uses elsewhere.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, insert, select

from archive.db import inserted_id
from archive.init import ADMIN_GROUP_ID
from archive.schema import T15

DEMO_ADMIN_EMAIL = "admin@myu.edu"
DEMO_ADMIN_PASSWORD = "bsf-demo-admin"
SUBMITTERS = 12


def dspace15_password_hash(password: str) -> str:
    """``password`` as DSpace 1.5 stores it: unsalted MD5, lower-case hex."""
    return hashlib.md5(password.encode("utf-8"), usedforsecurity=False).hexdigest()


def ensure_submitters(conn: Connection) -> list[int]:
    """A dozen depositor epersons (created once per archive)."""
    ep = T15.eperson
    existing = conn.execute(select(ep.c.eperson_id).where(ep.c.email.like("%@demo.example.org"))
                            .order_by(ep.c.eperson_id)).scalars().all()
    if existing:
        return list(existing)
    ids = []
    for n in range(SUBMITTERS):
        ids.append(inserted_id(conn.execute(insert(ep).values(
            email=f"depositor{n + 1}@demo.example.org", firstname="Depositor",
            lastname=str(n + 1), can_log_in=True, require_certificate=False,
            self_registered=True, language="en"))))
    return ids


def ensure_administrator(conn: Connection) -> int:
    """The demo's administrator (``DEMO_ADMIN_EMAIL``), in the Administrator group; its id."""
    ep, member = T15.eperson, T15.epersongroup2eperson
    found = conn.execute(select(ep.c.eperson_id)
                         .where(ep.c.email == DEMO_ADMIN_EMAIL)).scalar_one_or_none()
    if found is None:
        found = inserted_id(conn.execute(insert(ep).values(
            email=DEMO_ADMIN_EMAIL, password=dspace15_password_hash(DEMO_ADMIN_PASSWORD),
            firstname="Demo", lastname="Administrator", can_log_in=True,
            require_certificate=False, self_registered=False, language="en")))
    in_group = conn.execute(select(member.c.id).where(
        member.c.eperson_id == found, member.c.eperson_group_id == ADMIN_GROUP_ID)).first()
    if in_group is None:
        conn.execute(insert(member).values(eperson_group_id=ADMIN_GROUP_ID, eperson_id=found))
    return int(found)
