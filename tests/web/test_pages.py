"""Every page over HTTP: content, hostile values escaped, SQL-ish filters, download, CSV."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from archive.schema import T16
from tests.web.conftest import HOSTILE_NAME, HOSTILE_TITLE, login


def test_hostile_names_and_metadata_are_escaped(client):
    login(client)
    page = client.get("/bitstreams/9").text
    assert HOSTILE_NAME not in page and HOSTILE_TITLE not in page
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;.txt" in page
    assert "&lt;img src=x onerror=alert(&#34;title&#34;)&gt;" in page
    assert "&lt;b&gt;source&lt;/b&gt;&#34;" in page
    listing = client.get("/bitstreams").text
    assert HOSTILE_NAME not in listing and "&lt;script&gt;" in listing
    job_search = client.get("/formats", params={"q": "<script>x</script>"}).text
    assert "<script>x" not in job_search and "&lt;script&gt;x" in job_search


def test_sql_ish_filter_values_are_only_values(client, site):
    login(client)
    quoted = client.get("/bitstreams", params={"ext": "htm' OR '1'='1"})
    assert quoted.status_code == 200 and "No bitstream matches." in quoted.text
    dropped = client.get("/bitstreams", params={"format": "x'; DROP TABLE bitstream; --"})
    assert dropped.status_code == 400
    assert "no format named" in dropped.text and "DROP TABLE bitstream; --" in dropped.text
    glob = client.get("/bitstreams", params={"name_glob": "%' --", "source": "%_%\\"})
    assert glob.status_code == 200 and "No bitstream matches." in glob.text
    odd = client.get("/bitstreams", params={"sort": "name; DROP TABLE bitstream",
                                            "page": "-3", "per": "1e9", "dir": "sideways"})
    assert odd.status_code == 200 and "1–" in odd.text
    conf = client.get("/bitstreams", params={"confidence": "1=1"})
    assert conf.status_code == 400 and "malformed confidence filter" in conf.text
    with site.archive.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(T16.bitstream)).scalar() == 9


def test_filters_sorting_and_paging(client):
    login(client)
    htm = client.get("/bitstreams", params={"ext": "htm"}).text
    for bid in ("2", "4", "8"):
        assert f'href="/bitstreams/{bid}"' in htm
    assert 'href="/bitstreams/7"' not in htm  # deleted
    assert "1–3 of 3 bitstreams" in htm
    by_name = client.get("/bitstreams", params={"sort": "name", "dir": "desc", "per": "25"})
    names = [n for n in ("report.pdf", "page.htm", "notes.txt", "minutes.htm") if n in
             by_name.text]
    positions = [by_name.text.index(n) for n in names]
    assert positions == sorted(positions) and names[0] == "report.pdf"
    manual = client.get("/bitstreams", params={"manual": "yes"}).text
    assert "manual.pdf" in manual and "report.pdf" not in manual
    not_manual = client.get("/bitstreams", params={"manual": "no"}).text
    assert "manual.pdf" not in not_manual and "report.pdf" in not_manual
    paged = client.get("/bitstreams", params={"per": "25", "page": "2"}).text
    assert "No bitstream matches." in paged and "← previous" in paged
    collection = client.get("/bitstreams", params={"collection": "123456789/3"}).text
    assert "report.pdf" in collection and "notes.txt" not in collection


def test_csv_of_the_current_filter(client):
    login(client)
    response = client.get("/bitstreams.csv", params={"ext": "htm"})
    assert response.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["bitstream_id"] for r in rows] == ["2", "4", "8"]
    assert rows[0]["format_key"] == "PRONOM:x-fmt/111" and rows[0]["old_format"] == "HTML"


def test_bitstream_page_examines_and_shows_bytes(client):
    login(client)
    page = client.get("/bitstreams/2").text
    assert "What each identifier says now" in page and "DROIDIdentifier" in page
    assert "the stack decides" in page
    assert "3c 68 74 6d 6c 3e" in page  # <html>
    assert "&lt;html&gt;&lt;body&gt;hi" in page
    assert 'href="/bitstreams?collection=123456789%2F10"' in page
    assert "Plain Text File" in page and "HTML" in page  # current and old 1.5 format
    missing = client.get("/bitstreams/6").text
    assert "is missing" in missing
    assert client.get("/bitstreams/999").status_code == 404


def test_download_is_an_attachment_never_rendered(client):
    login(client)
    response = client.get("/bitstreams/9/download")
    assert response.content == b"plain words\n"
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="script_alert_name_script_.txt"')
    assert "filename*=UTF-8''%3Cscript%3E" in disposition
    html = client.get("/bitstreams/2/download")
    assert html.headers["content-type"] == "application/octet-stream"
    assert client.get("/bitstreams/6/download").status_code == 404  # asset missing
    assert client.get("/bitstreams/7/download").status_code == 404  # deleted


def test_dashboard_shows_the_summary_with_links(client, app):
    login(client)
    app.state.bsf.dashboard.wait()
    page = client.get("/").text
    assert "Old format → new format" in page
    assert 'href="/bitstreams?old_format=HTML&amp;format=PRONOM%3Ax-fmt%2F111"' in page
    assert 'href="/bitstreams?format=none"' in page
    assert "Upgrade15To16 status" in page and "DROID signature file" in page
    linked = client.get("/bitstreams", params={"old_format": "HTML",
                                               "format": "PRONOM:x-fmt/111"}).text
    assert "page.htm" in linked and "report.pdf" not in linked
    status = client.get("/dashboard/status").json()
    assert status["ready"] is True


def test_registry_pages(client):
    login(client)
    found = client.get("/formats", params={"q": "fmt/96", "by": "puid"}).text
    assert 'href="/formats/PRONOM%3Afmt/96"' in found
    by_ext = client.get("/formats", params={"q": "htm", "by": "ext"}).text
    assert "PRONOM:fmt/96" in by_ext
    fmt = client.get("/formats/PRONOM:fmt/96").text
    assert "Hypertext Markup Language" in fmt and "In the archive" in fmt
    assert 'href="/bitstreams?format=PRONOM%3Afmt%2F96"' in fmt
    assert client.get("/formats/Nowhere:none").status_code == 404
    assert client.get("/formats/nocolon").status_code == 400
    subtypes = client.get("/registries/subtypes").text
    assert "PRONOM:fmt/101" in subtypes
