"""E-persons as accounts: DSpace 1.5 MD5 and later salted digests, administrators, nesting."""

from __future__ import annotations

import hashlib

from sqlalchemy import Column, Integer, MetaData, Table, insert, text

from archive.epersons import (
    HASH_ROUNDS,
    authenticate,
    digest_password,
    find_eperson,
    is_administrator,
    make_digest,
    matches,
)
from archive.init import ADMIN_GROUP_ID
from archive.schema import META15, T15


def _people(engine, *, salted: bool = False) -> None:
    META15.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(T15.epersongroup), [
            {"eperson_group_id": 0, "name": "Anonymous"},
            {"eperson_group_id": ADMIN_GROUP_ID, "name": "Administrator"},
            {"eperson_group_id": 7, "name": "Curators"},
            {"eperson_group_id": 8, "name": "Night shift"}])
        rows = [(1, "Admin@Example.org", "pw-admin", True), (2, "reader@example.org",
                                                              "pw-reader", True),
                (3, "locked@example.org", "pw-locked", False), (4, "nested@example.org",
                                                                 "pw-nested", True),
                (5, "nopass@example.org", None, True)]
        for eid, email, password, can in rows:
            conn.execute(insert(T15.eperson).values(
                eperson_id=eid, email=email, can_log_in=can,
                password=make_digest(password).hash_hex if password else None))
        conn.execute(insert(T15.epersongroup2eperson), [
            {"eperson_group_id": ADMIN_GROUP_ID, "eperson_id": 1},
            {"eperson_group_id": 7, "eperson_id": 2},
            {"eperson_group_id": 8, "eperson_id": 4}])
        if salted:  # as DSpace 1.8+ has it: wider password, salt and algorithm columns
            if conn.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE eperson ALTER COLUMN password TYPE VARCHAR(128)"))
            conn.execute(text("ALTER TABLE eperson ADD COLUMN salt VARCHAR(32)"))
            conn.execute(text("ALTER TABLE eperson ADD COLUMN digest_algorithm VARCHAR(16)"))
            salt = "00112233445566778899aabbccddeeff"
            digest = make_digest("pw-salted", "SHA-512", salt)
            conn.execute(text("UPDATE eperson SET password = :p, salt = :s, "
                              "digest_algorithm = :a WHERE eperson_id = 2"),
                         {"p": digest.hash_hex, "s": salt, "a": "SHA-512"})


def test_dspace_15_md5_is_the_plain_hex_digest():
    assert digest_password("password") == "5f4dcc3b5aa765d61d8327deb882cf99"
    assert digest_password("pässwörd") == hashlib.md5("pässwörd".encode()).hexdigest()
    assert matches("password", make_digest("password")._replace(
        hash_hex="5F4DCC3B5AA765D61D8327DEB882CF99"))  # stored upper-case still matches


def test_salted_digest_is_iterated_over_salt_and_password():
    salt = "0a0b"
    expected = hashlib.sha512(bytes.fromhex(salt) + b"secret").digest()
    for _ in range(HASH_ROUNDS - 1):
        expected = hashlib.sha512(expected).digest()
    assert digest_password("secret", "SHA-512", salt) == expected.hex()
    assert not matches("secret", make_digest("secret", "SHA-512", salt)._replace(salt_hex="0a0c"))
    assert matches("secret", make_digest("secret", "SHA-512", salt))
    assert not matches("secret", make_digest("secret")._replace(algorithm="WHIRLPOOL-9"))


def test_authenticate(engine):
    _people(engine)
    with engine.connect() as conn:
        assert authenticate(conn, "admin@example.org", "pw-admin").eperson_id == 1
        assert authenticate(conn, " ADMIN@example.org ", "pw-admin") is not None
        assert authenticate(conn, "admin@example.org", "pw-Admin") is None
        assert authenticate(conn, "nobody@example.org", "pw-admin") is None
        assert authenticate(conn, "locked@example.org", "pw-locked") is None  # can_log_in off
        assert authenticate(conn, "nopass@example.org", "") is None
        assert find_eperson(conn, "").__class__ is type(None)


def test_salted_columns_are_used_when_present(engine):
    _people(engine, salted=True)
    with engine.connect() as conn:
        assert authenticate(conn, "reader@example.org", "pw-salted").eperson_id == 2
        assert authenticate(conn, "reader@example.org", "pw-reader") is None
        assert authenticate(conn, "admin@example.org", "pw-admin") is not None  # MD5 rows


def test_administrators_directly_and_through_nested_groups(engine):
    _people(engine)
    with engine.connect() as conn:
        assert is_administrator(conn, 1)
        assert not is_administrator(conn, 2) and not is_administrator(conn, 4)
    nested = MetaData()
    group2group = Table("group2group", nested, Column("id", Integer, primary_key=True),
                        Column("parent_id", Integer), Column("child_id", Integer))
    nested.create_all(engine)
    with engine.begin() as conn:  # Night shift (8) in Curators (7) in Administrator (1)
        conn.execute(insert(group2group), [{"id": 1, "parent_id": 7, "child_id": 8},
                                           {"id": 2, "parent_id": ADMIN_GROUP_ID,
                                            "child_id": 7},
                                           {"id": 3, "parent_id": 8, "child_id": 7}])  # cycle
    with engine.connect() as conn:
        assert is_administrator(conn, 4) and is_administrator(conn, 2)
        assert not is_administrator(conn, 3) and not is_administrator(conn, 99)


def test_group2groupcache_alone(engine):
    _people(engine)
    cache_meta = MetaData()
    cache = Table("group2groupcache", cache_meta, Column("id", Integer, primary_key=True),
                  Column("parent_id", Integer), Column("child_id", Integer))
    cache_meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(cache), [{"id": 1, "parent_id": ADMIN_GROUP_ID, "child_id": 8}])
    with engine.connect() as conn:
        assert is_administrator(conn, 4) and not is_administrator(conn, 2)
