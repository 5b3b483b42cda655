"""A small renovated archive with a real configuration, e-persons, and the web app over it.

The archive is the workbench tests' (tests/workbench/conftest.py) plus the troubleshooting
recipe's sloppy ``minutes.htm`` (DROID's signature file is rebuilt without fmt/96's ``htm``
extension, as in tests/workbench/test_htm_recipe.py), a bitstream with a hostile name and
title, an administrator whose password is stored the DSpace 1.5 way (unsalted MD5) and a reader
who is no administrator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import insert
from starlette.testclient import TestClient

from archive.epersons import make_digest
from archive.init import ADMIN_GROUP_ID
from archive.schema import T16
from bsfcore.settings import load_settings
from formats.model import Confidence
from tests.workbench.conftest import TEXT, Archive, build_archive
from tests.workbench.test_htm_recipe import (
    CONFIG,
    EMPTY_PROVISIONAL,
    FRAGMENT,
    _signature_file_without_htm,
)
from web.app import WebOptions, create_app
from web.context import WebContext
from web.throttle import ThrottleLimits

ADMIN = ("admin@example.org", "s3cret-Admin")
READER = ("reader@example.org", "reader-pass")
HOSTILE_NAME = '<script>alert("name")</script>.txt'
HOSTILE_TITLE = '<img src=x onerror=alert("title")>'
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    archive: Archive
    config: Path
    provisional: Path
    root: Path


def add_site_data(archive: Archive) -> None:
    """minutes.htm (8), the hostile bitstream (9), the e-persons and an item title."""
    t = T16
    with archive.engine.begin() as conn:
        archive.store.write_bytes(FRAGMENT, internal_id="08" * 20)
        archive.store.write_bytes(b"plain words\n", internal_id="09" * 20)
        conn.execute(insert(t.bitstream), [
            {"bitstream_id": 8, "name": "minutes.htm", "size_bytes": len(FRAGMENT),
             "internal_id": "08" * 20, "store_number": 0, "deleted": False,
             "bitstream_format_id": archive.format_ids[TEXT],
             "format_confidence": int(Confidence.HEURISTIC),
             "format_source": "Upgrade15To16 Phase 2 from "
                              "org.dspace.content.format.TextHeuristicIdentifier"},
            {"bitstream_id": 9, "name": HOSTILE_NAME, "size_bytes": 12,
             "internal_id": "09" * 20, "store_number": 0, "deleted": False,
             "bitstream_format_id": archive.format_ids[TEXT],
             "format_confidence": int(Confidence.HEURISTIC),
             "format_source": '<b>source</b>"'}])
        conn.execute(insert(t.bundle2bitstream), [{"bundle_id": 1, "bitstream_id": 8},
                                                  {"bundle_id": 2, "bitstream_id": 9}])
        conn.execute(insert(t.metadataschemaregistry).values(
            metadata_schema_id=1, namespace="http://dublincore.org/documents/dcmi-terms/",
            short_id="dc"))
        conn.execute(insert(t.metadatafieldregistry).values(
            metadata_field_id=1, metadata_schema_id=1, element="title", qualifier=None))
        conn.execute(insert(t.metadatavalue).values(item_id=2, metadata_field_id=1,
                                                    text_value=HOSTILE_TITLE, place=1))
        conn.execute(insert(t.epersongroup), [
            {"eperson_group_id": 0, "name": "Anonymous"},
            {"eperson_group_id": ADMIN_GROUP_ID, "name": "Administrator"},
            {"eperson_group_id": 5, "name": "Curators"}])
        for eperson_id, (email, password) in ((1, ADMIN), (2, READER)):
            conn.execute(insert(t.eperson).values(
                eperson_id=eperson_id, email=email, password=make_digest(password).hash_hex,
                firstname="Ann" if eperson_id == 1 else "Rea", lastname="Person",
                can_log_in=True, require_certificate=False, self_registered=False))
        conn.execute(insert(t.epersongroup2eperson), [
            {"eperson_group_id": ADMIN_GROUP_ID, "eperson_id": 1},
            {"eperson_group_id": 5, "eperson_id": 2}])
        if conn.dialect.name == "postgresql":
            from archive.db import sync_sequences
            from archive.schema import META16

            sync_sequences(conn, META16)


@pytest.fixture
def site(engine, tmp_path: Path) -> Site:
    archive = build_archive(engine, tmp_path)
    add_site_data(archive)
    provisional = tmp_path / "provisional-formats.xml"
    provisional.write_text(EMPTY_PROVISIONAL, encoding="utf-8")
    config = tmp_path / "dspace.cfg"
    config.write_text(CONFIG.format(
        db=archive.engine.url.render_as_string(hide_password=False),
        store=archive.root / "assetstore", provisional=provisional,
        signatures=_signature_file_without_htm(tmp_path / "DROID_SignatureFile_noHTM.xml")),
        encoding="utf-8")
    return Site(archive, config, provisional, tmp_path)


def make_app(site: Site, **options: object):
    context = WebContext(lambda: load_settings(str(site.config)), site.archive.engine)
    defaults: dict[str, object] = {"secret_key": "test-secret", "start_background": False,
                                   "throttle": ThrottleLimits(per_account=3, per_client=50)}
    defaults.update(options)
    return create_app(context, WebOptions(**defaults))


@pytest.fixture
def app(site: Site):
    return make_app(site)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client: TestClient, who: tuple[str, str] = ADMIN) -> str:
    """Log in; returns the session's CSRF token."""
    page = client.get("/login")
    response = client.post("/login", data={"email": who[0], "password": who[1],
                                           "csrf_token": csrf_of(page.text), "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/jobs").text)


def run_jobs(app) -> None:
    """Run every queued job now (the tests start no background thread)."""
    while app.state.bsf.runner.run_one():
        pass
