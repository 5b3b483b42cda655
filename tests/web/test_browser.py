"""The web workbench in real headless Chromium (Debian's ``chromium``, driven by Playwright).

A real server (uvicorn in a thread, on a free 127.0.0.1 port, with its job runner) over a small
SQLite archive; everything by clicks: log in, the ``.htm`` recipe (Provisional entry, synonym on
PRONOM:fmt/96, subtype), re-identify with preview, set a format, see the history. A screenshot
of each page is saved under ``tests/web/artifacts/`` (ignored by git; docs/screenshots/ keeps a
few). Playwright never downloads a browser here: it is pointed at /usr/bin/chromium.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

from archive.db import open_engine
from tests.web.conftest import ADMIN, Site, add_site_data, make_app
from tests.workbench.conftest import build_archive
from tests.workbench.test_htm_recipe import (
    CONFIG,
    EMPTY_PROVISIONAL,
    _signature_file_without_htm,
)

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).parent / "artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium chromium-driver "
                    "(.ci/run does it)", pytrace=False)
    engine = open_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    archive = build_archive(engine, tmp_path)
    add_site_data(archive)
    provisional = tmp_path / "provisional-formats.xml"
    provisional.write_text(EMPTY_PROVISIONAL, encoding="utf-8")
    config = tmp_path / "dspace.cfg"
    config.write_text(CONFIG.format(
        db=engine.url.render_as_string(hide_password=False), store=tmp_path / "assetstore",
        provisional=provisional,
        signatures=_signature_file_without_htm(tmp_path / "DROID_noHTM.xml")), encoding="utf-8")
    app = make_app(Site(archive, config, provisional, tmp_path), start_background=True,
                   job_poll_seconds=0.2)
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                       lifespan="on"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(20)
        engine.dispose()


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        try:
            yield tab
        finally:
            context.close()
            browser.close()


def shot(page: Page, name: str, *, full: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)


def wait_for_job(page: Page, status: str = "done") -> None:
    expect(page.locator("#job-status")).to_have_text(status, timeout=30_000)
    expect(page.locator("#job-progress")).to_have_attribute("data-active", "no")


def test_workbench_by_clicks(server: str, page: Page) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "/")
    expect(page).to_have_url(server + "/login?next=%2F")
    shot(page, "01-login")
    page.get_by_label("E-mail").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Conversion dashboard")).to_be_visible()
    expect(page.get_by_role("heading", name="Old format → new format")).to_be_visible(
        timeout=30_000)  # the page reloads itself when the figures are ready
    shot(page, "02-dashboard")

    # the problem: minutes.htm is plain text
    page.get_by_role("link", name="Bitstreams", exact=True).click()
    page.get_by_label("Extension").fill("htm")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1–3 of 3 bitstreams")).to_be_visible()
    shot(page, "03-bitstreams")

    # 1. Provisional entry
    page.get_by_role("link", name="Provisional entry").click()
    page.get_by_label("Name (unique)").fill("HTM")
    page.get_by_label("Extensions").fill("htm")
    page.get_by_label("Synonyms").fill("PRONOM:fmt/96")
    page.get_by_label("MIME type").fill("text/html")
    page.get_by_label("Description").fill("Temporary problem-solver to recognize htm file "
                                          "extension because DROID misses it.")
    shot(page, "04-provisional")
    page.get_by_role("button", name="Add New").click()
    expect(page.get_by_text("added Provisional:HTM")).to_be_visible()

    # 2. synonym on PRONOM:fmt/96, found by its PUID
    page.get_by_role("link", name="Formats", exact=True).click()
    page.get_by_label("Search the configured registries").fill("fmt/96")
    page.get_by_label("by").select_option("puid")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="PRONOM:fmt/96", exact=True).click()
    page.get_by_label("Synonym key").fill("Provisional:HTM")
    page.get_by_role("button", name="Add synonym").click()
    expect(page.get_by_text("PRONOM:fmt/96, Provisional:HTM").first).to_be_visible()
    shot(page, "05-format")

    # 3. subtype
    page.get_by_role("link", name="Subtypes").click()
    page.get_by_label("Add a format key").fill("Provisional:HTM")
    page.get_by_role("button", name="Add subtype").click()
    expect(page.get_by_role("link", name="Provisional:HTM")).to_be_visible()
    shot(page, "06-subtypes")

    # re-identify the .htm bitstreams: preview, then apply
    page.get_by_role("link", name="Bitstreams", exact=True).click()
    page.get_by_label("Extension").fill("htm")
    page.get_by_role("button", name="Filter").click()
    page.get_by_label("all 3 matching").check()
    page.get_by_role("button", name="Preview re-identification…").click()
    wait_for_job(page)
    preview = page.locator("table.list")
    expect(preview).to_contain_text("minutes.htm")
    expect(preview).to_contain_text("PRONOM:fmt/96")
    shot(page, "07-preview")
    page.get_by_role("button", name="Apply: write these changes").click()
    wait_for_job(page)
    expect(page.get_by_text("What changed")).to_be_visible()
    shot(page, "08-applied")
    page.get_by_role("link", name="minutes.htm").click()
    expect(page.get_by_text("Hypertext Markup Language").first).to_be_visible()
    history = page.locator("table.history")
    expect(history).to_contain_text("reidentify")
    expect(history).to_contain_text(ADMIN[0])
    shot(page, "09-bitstream")

    # set a format by hand on notes.txt, with preview
    page.goto(server + "/bitstreams/3")
    page.get_by_role("link", name="Set format…").click()
    page.get_by_label("Search the registries").fill("fmt/18")
    page.get_by_label("by").select_option("puid")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("PRONOM:fmt/18").check()
    page.get_by_label("Why").fill("checked by hand")
    shot(page, "10-set")
    page.get_by_role("button", name="Preview setting this format…").click()
    wait_for_job(page)
    page.get_by_role("button", name="Apply: write these changes").click()
    wait_for_job(page)
    page.get_by_role("link", name="notes.txt").click()
    history = page.locator("table.history")
    expect(history).to_contain_text("set")
    expect(history).to_contain_text("checked by hand")
    expect(page.get_by_text("MANUAL").first).to_be_visible()

    # on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/bitstreams")
    expect(page.get_by_role("link", name="Bitstreams", exact=True)).to_be_visible()
    shot(page, "11-phone-bitstreams")
    page.goto(server + "/jobs")
    shot(page, "12-phone-jobs")
    assert not errors, errors  # no CSP violation, no script error
