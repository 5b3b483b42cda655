"""Who may do what, at the HTTP level, on SQLite and PostgreSQL: every refusal."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import delete, select

from archive.schema import T16
from tests.web.conftest import ADMIN, READER, csrf_of, login

PAGES = ["/", "/bitstreams", "/bitstreams/8", "/bitstreams/8/download", "/bitstreams.csv",
         "/formats?q=html", "/formats/PRONOM:fmt/96", "/registries/provisional",
         "/registries/subtypes", "/jobs", "/actions/set?id=8", "/dashboard/status"]
CHANGES = [("/actions/reidentify", {"id": "8"}),
           ("/actions/set", {"id": "8", "key": "PRONOM:fmt/96"}),
           ("/actions/set/choose", {"id": "8"}),
           ("/formats/PRONOM:fmt/96/synonym", {"synonym": "Provisional:HTM"}),
           ("/registries/provisional", {"name": "HTM", "extensions": "htm"}),
           ("/registries/subtypes", {"key": "Provisional:HTM"}),
           ("/jobs/1/apply", {})]


def test_every_page_needs_a_login(client):
    for url in PAGES:
        response = client.get(url, follow_redirects=False)
        if url == "/dashboard/status":
            assert response.status_code == 401
            continue
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/login?next=%2F"), url


def test_every_change_needs_a_login(client, site):
    for url, data in CHANGES:
        response = client.post(url, data=data, follow_redirects=False)
        assert response.status_code == 401, url
    assert not site.provisional.read_text("utf-8").count("<dsr:entry")


def test_login_sets_a_safe_cookie_and_rotates_the_session(client):
    page = client.get("/login")
    before = csrf_of(page.text)
    response = client.post("/login", data={"email": ADMIN[0].upper(), "password": ADMIN[1],
                                           "csrf_token": before, "next": "/bitstreams"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/bitstreams"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "bsf_session=" in cookie
    after = csrf_of(client.get("/bitstreams").text)
    assert after != before  # a token seen before login is worthless after it


@pytest.mark.parametrize("next_url", ["//evil.example/x", "https://evil.example/",
                                      "/\\evil.example"])
def test_no_open_redirect_after_login(client, next_url):
    page = client.get("/login")
    response = client.post("/login", data={"email": ADMIN[0], "password": ADMIN[1],
                                           "csrf_token": csrf_of(page.text), "next": next_url},
                           follow_redirects=False)
    assert response.headers["location"] == "/"


def test_wrong_password_unknown_user_and_missing_token(client):
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"email": ADMIN[0], "password": "nope",
                                        "csrf_token": token})
    assert wrong.status_code == 401 and "wrong password" in wrong.text
    unknown = client.post("/login", data={"email": "who@example.org", "password": "x",
                                          "csrf_token": token})
    assert unknown.status_code == 401
    no_token = client.post("/login", data={"email": ADMIN[0], "password": ADMIN[1]})
    assert no_token.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_is_throttled(client):
    token = csrf_of(client.get("/login").text)
    for _ in range(3):  # the test app allows 3 failures per account
        assert client.post("/login", data={"email": ADMIN[0], "password": "guess",
                                           "csrf_token": token}).status_code == 401
    refused = client.post("/login", data={"email": ADMIN[0], "password": ADMIN[1],
                                          "csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many failed logins" in refused.text
    # another account is not affected
    assert login(client, READER)


def test_a_login_that_cannot_log_in_is_refused(client, site):
    with site.archive.engine.begin() as conn:
        conn.execute(T16.eperson.update().where(T16.eperson.c.eperson_id == 1)
                     .values(can_log_in=False))
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"email": ADMIN[0], "password": ADMIN[1],
                                           "csrf_token": token})
    assert response.status_code == 401


def test_passwords_are_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"email": ADMIN[0], "password": "Wrong-Secret-123",
                                "csrf_token": token})
    login(client)
    assert "Wrong-Secret-123" not in caplog.text and ADMIN[1] not in caplog.text


def test_a_reader_may_look_but_not_change(client, site):
    token = login(client, READER)
    for url in PAGES:
        assert client.get(url).status_code in (200, 404), url
    page = client.get("/bitstreams").text
    assert "read only" in page and "Preview re-identification" not in page
    for url, data in CHANGES:
        response = client.post(url, data={**data, "csrf_token": token},
                               follow_redirects=False)
        assert response.status_code == 403, url
        assert "may look but not change" in response.text
    assert "<dsr:entry" not in site.provisional.read_text("utf-8")
    assert "Provisional:HTM" not in site.config.read_text("utf-8")


@pytest.mark.parametrize("token", [None, "", "forged-token-value-of-some-length-000000000"])
def test_every_change_needs_the_csrf_token(client, site, token):
    login(client)
    for url, data in CHANGES:
        form = dict(data) if token is None else {**data, "csrf_token": token}
        response = client.post(url, data=form, follow_redirects=False)
        assert response.status_code == 403, url
        assert "security token" in response.text
    assert "<dsr:entry" not in site.provisional.read_text("utf-8")


def test_leaving_the_administrator_group_takes_effect_at_once(client, site):
    token = login(client)
    with site.archive.engine.begin() as conn:
        conn.execute(delete(T16.epersongroup2eperson)
                     .where(T16.epersongroup2eperson.c.eperson_id == 1))
    response = client.post("/registries/subtypes", data={"key": "Provisional:HTM",
                                                         "csrf_token": token})
    assert response.status_code == 403


def test_logout(client):
    token = login(client)
    assert client.post("/logout", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_security_headers_and_no_inline_script(client, site):
    login(client)
    for url in ["/", "/bitstreams", "/bitstreams/9", "/formats?q=html", "/jobs", "/login"]:
        response = client.get(url)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
        html = response.text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"<[^>]*\son[a-z]+=", html), url
        assert not re.search(r"<[^>]*\sstyle=", html), url


def test_the_archive_is_untouched_by_refusals(client, site):
    login(client, READER)
    with site.archive.engine.connect() as conn:
        before = conn.execute(select(T16.bitstream.c.bitstream_format_id)
                              .order_by(T16.bitstream.c.bitstream_id)).scalars().all()
    token = csrf_of(client.get("/bitstreams").text)
    client.post("/actions/reidentify", data={"id": "8", "csrf_token": token})
    with site.archive.engine.connect() as conn:
        after = conn.execute(select(T16.bitstream.c.bitstream_format_id)
                             .order_by(T16.bitstream.c.bitstream_id)).scalars().all()
    assert before == after
