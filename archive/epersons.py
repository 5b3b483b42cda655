"""The archive's e-persons as accounts: find one by e-mail, check a password, ask "administrator?".

bsf's web workbench (and the packager's authorization) use DSpace's own accounts rather than a
second user list, so the rules are DSpace's:

* **Passwords.** DSpace 1.5 stores ``eperson.password`` as the unsalted MD5 of the password's
  UTF-8 bytes, in lower-case hex. Later releases add the columns ``salt`` and
  ``digest_algorithm``: when ``digest_algorithm`` is set, the hash is the Java
  ``MessageDigest`` of (salt bytes + password bytes), digested again 1,023 more times (1,024
  rounds in all), salt and hash both stored as hex. An empty ``digest_algorithm`` means the old
  unsalted MD5. Comparison is constant-time (:func:`hmac.compare_digest`) and an unknown
  e-mail costs the same digest as a known one, so timing tells nothing.
* **Who may log in.** ``can_log_in`` must be true (DSpace treats NULL as false) and a password
  must be set.
* **Administrators** are the members of the Administrator group (id 1), directly
  (``epersongroup2eperson``) or through nested groups (``group2group``, DSpace 1.6+, walked
  upwards; ``group2groupcache`` when only the cache exists).

Nothing here logs or stores a password, and no function returns one.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, column, func, inspect, select, table

from archive.init import ADMIN_GROUP_ID
from archive.schema import T15

_EP = T15.eperson
_MEMBERS = T15.epersongroup2eperson

#: DSpace's rounds for salted digests (``PasswordHash.HASH_ROUNDS``).
HASH_ROUNDS = 1024

#: Java ``MessageDigest`` names -> hashlib names.
_ALGORITHMS = {
    "MD5": "md5", "SHA": "sha1", "SHA1": "sha1", "SHA-1": "sha1", "SHA-224": "sha224",
    "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512",
}


class PasswordDigest(NamedTuple):
    """What the e-person table stores for a password: hex hash, algorithm (None = 1.5 MD5),
    hex salt."""

    hash_hex: str
    algorithm: str | None = None
    salt_hex: str | None = None


@dataclass(frozen=True)
class EPerson:
    """An account as the web needs it (never the password)."""

    eperson_id: int
    email: str
    firstname: str | None
    lastname: str | None
    can_log_in: bool

    @property
    def display_name(self) -> str:
        full = " ".join(p for p in (self.firstname, self.lastname) if p)
        return full or self.email


class UnsupportedDigest(ValueError):
    """The stored ``digest_algorithm`` is not one bsf can compute."""


def digest_password(password: str, algorithm: str | None = None,
                    salt_hex: str | None = None) -> str:
    """The hex digest DSpace stores for ``password`` (see module doc for the two schemes)."""
    secret = password.encode("utf-8")
    if not algorithm:
        return hashlib.md5(secret, usedforsecurity=False).hexdigest()
    name = _ALGORITHMS.get(algorithm.strip().upper())
    if name is None:
        raise UnsupportedDigest(f"unsupported password digest algorithm {algorithm!r}")
    salt = bytes.fromhex(salt_hex) if salt_hex else b""
    digest = hashlib.new(name, salt + secret).digest()
    for _ in range(1, HASH_ROUNDS):
        digest = hashlib.new(name, digest).digest()
    return digest.hex()


def make_digest(password: str, algorithm: str | None = None,
                salt_hex: str | None = None) -> PasswordDigest:
    """A :class:`PasswordDigest` to store (tests, demo accounts); MD5 1.5-style by default."""
    return PasswordDigest(digest_password(password, algorithm, salt_hex), algorithm or None,
                          salt_hex or None)


def _has_digest_columns(conn: Connection) -> bool:
    names = {c["name"].lower() for c in inspect(conn).get_columns("eperson")}
    return {"salt", "digest_algorithm"} <= names


def _stored_digest(conn: Connection, eperson_id: int) -> PasswordDigest | None:
    if _has_digest_columns(conn):
        raw = table("eperson", column("eperson_id"), column("password"), column("salt"),
                    column("digest_algorithm"))
        row = conn.execute(select(raw.c.password, raw.c.digest_algorithm, raw.c.salt)
                           .where(raw.c.eperson_id == eperson_id)).first()
        if row is None or not row[0]:
            return None
        return PasswordDigest(str(row[0]), row[1] or None, row[2] or None)
    stored = conn.execute(select(_EP.c.password).where(_EP.c.eperson_id == eperson_id)).scalar()
    return PasswordDigest(str(stored)) if stored else None


def matches(password: str, stored: PasswordDigest) -> bool:
    """Constant-time check of ``password`` against a stored digest."""
    try:
        candidate = digest_password(password, stored.algorithm, stored.salt_hex)
    except (UnsupportedDigest, ValueError):
        return False
    return hmac.compare_digest(candidate.encode("ascii"),
                               stored.hash_hex.strip().lower().encode("ascii", "replace"))


def find_eperson(conn: Connection, email: str) -> EPerson | None:
    """The e-person with this e-mail address (case-insensitive, as DSpace looks it up)."""
    wanted = email.strip().lower()
    if not wanted:
        return None
    row = conn.execute(select(_EP.c.eperson_id, _EP.c.email, _EP.c.firstname, _EP.c.lastname,
                              _EP.c.can_log_in)
                       .where(func.lower(_EP.c.email) == wanted)
                       .order_by(_EP.c.eperson_id)).first()
    return _eperson(row) if row is not None else None


def get_eperson(conn: Connection, eperson_id: int) -> EPerson | None:
    row = conn.execute(select(_EP.c.eperson_id, _EP.c.email, _EP.c.firstname, _EP.c.lastname,
                              _EP.c.can_log_in)
                       .where(_EP.c.eperson_id == eperson_id)).first()
    return _eperson(row) if row is not None else None


def _eperson(row: Any) -> EPerson:
    return EPerson(int(row.eperson_id), str(row.email or ""), row.firstname, row.lastname,
                   bool(row.can_log_in))


#: A digest computed when the e-mail is unknown, so both paths cost the same.
_DUMMY = PasswordDigest("0" * 32)


def authenticate(conn: Connection, email: str, password: str) -> EPerson | None:
    """The e-person if ``email`` names one that may log in and ``password`` is right."""
    person = find_eperson(conn, email)
    stored = _stored_digest(conn, person.eperson_id) if person is not None else None
    ok = matches(password, stored or _DUMMY)
    if person is None or stored is None or not person.can_log_in or not ok:
        return None
    return person


def _direct_groups(conn: Connection, eperson_id: int) -> set[int]:
    return {int(g) for g in conn.execute(
        select(_MEMBERS.c.eperson_group_id).where(_MEMBERS.c.eperson_id == eperson_id))
        .scalars() if g is not None}


def _ancestors(conn: Connection, groups: set[int], link: str) -> set[int]:
    """Every group containing one of ``groups`` through ``link`` (parent_id, child_id)."""
    edges = table(link, column("parent_id"), column("child_id"))
    seen = set(groups)
    todo = sorted(groups)
    while todo:
        parents = {int(p) for p in conn.execute(
            select(edges.c.parent_id).where(edges.c.child_id.in_(todo))).scalars()
            if p is not None}
        todo = sorted(parents - seen)
        seen |= parents
    return seen


def group_ids(conn: Connection, eperson_id: int) -> set[int]:
    """Every group the e-person is in, directly or through nested groups."""
    groups = _direct_groups(conn, eperson_id)
    if not groups:
        return groups
    tables = set(inspect(conn).get_table_names())
    if "group2group" in tables:
        return _ancestors(conn, groups, "group2group")
    if "group2groupcache" in tables:  # the cache already holds every (ancestor, descendant)
        cache = table("group2groupcache", column("parent_id"), column("child_id"))
        return groups | {int(p) for p in conn.execute(
            select(cache.c.parent_id).where(cache.c.child_id.in_(sorted(groups)))).scalars()
            if p is not None}
    return groups


def is_administrator(conn: Connection, eperson_id: int) -> bool:
    """True when the e-person is in the Administrator group (id 1), directly or nested."""
    return ADMIN_GROUP_ID in group_ids(conn, eperson_id)
