"""Summary aggregation, the 'looks wrong' heuristic, terminal tables and the HTML page."""

from __future__ import annotations

import io

from lxml import etree, html
from rich.console import Console

from reports.rows import ReportRow
from reports.summary import (
    MAX_EXTENSIONS,
    NONE_LABEL,
    OTHER_LABEL,
    SummaryCollector,
    extension_of,
    looks_wrong,
)
from reports.summary_html import render_html
from reports.summary_table import summary_renderables

SVG = "{http://www.w3.org/2000/svg}"


def _rows() -> list[ReportRow]:
    rows = []
    n = 0

    def add(count, old, new, conf, name="f.pdf", warning=None, key="PRONOM:fmt/18"):
        nonlocal n
        for _ in range(count):
            n += 1
            rows.append(ReportRow(bitstream_id=n, name=name, old_format=old, new_format=new,
                                  format_key=key if new not in (None, "Unknown") else None,
                                  confidence=conf if new else None, warning=warning))

    add(30, "Adobe PDF", "Acrobat PDF 1.4 - Portable Document Format", "POSITIVE_SPECIFIC")
    add(5, "Adobe PDF", "Acrobat PDF 1.4 - Portable Document Format", "EXTENSION",
        warning="match on extension only")
    add(2, "Adobe PDF", "Windows Portable Executable", "POSITIVE_SPECIFIC", name="DVDit.exe")
    add(7, "Text", "Plain Text File", "HEURISTIC", name="notes.txt")
    add(4, "Unknown", "Unknown", "UNIDENTIFIED", name="blob.xyz", warning="no match")
    add(3, "Unknown", "Unknown", "UNIDENTIFIED", name="data.DAT", warning="no match")
    add(1, "Unknown", "Unknown", "UNIDENTIFIED", name="README", warning="no match")
    add(6, "GIF", None, None, name="pic.gif")
    add(1, 'Evil <script>alert("x")</script>', "Plain Text File", "HEURISTIC",
        name="x<y>.txt")
    return rows


def _collect(rows):
    collector = SummaryCollector()
    collector.head()
    for row in rows:
        collector.row(row)
    collector.tail()
    return collector.summary


def test_crosstab_counts_and_confidence_mix():
    s = _collect(_rows())
    assert s.total == 59 and s.converted == 53 and s.not_converted == 6
    pdf = s.pairs[("Adobe PDF", "Acrobat PDF 1.4 - Portable Document Format")]
    assert pdf.count == 35
    assert pdf.confidence == {"POSITIVE_SPECIFIC": 30, "EXTENSION": 5}
    assert s.pairs[("GIF", NONE_LABEL)].count == 6
    assert s.top_pairs(1)[0] is pdf
    assert [p.new for p in s.suspect_pairs()] == ["Windows Portable Executable",
                                                  "Plain Text File"]
    assert [e.label for e in s.top_extensions()] == ["xyz", "dat", "(no extension)"]
    assert s.top_extensions()[0].count == 4
    assert {w.label: w.count for w in s.top_warnings()} == {
        "no match": 8, "match on extension only": 5}
    assert s.confidence_names()[0] == "UNIDENTIFIED"


def test_looks_wrong_heuristic():
    assert looks_wrong("Adobe PDF", "Windows Portable Executable")
    assert looks_wrong("JPEG", "Microsoft Word Document")
    assert not looks_wrong("Adobe PDF", "Acrobat PDF 1.4 - Portable Document Format")
    assert not looks_wrong("GIF", "Graphics Interchange Format")
    assert not looks_wrong("GIF", "Graphics Interchange Format 89a")
    assert not looks_wrong("image/png", "Portable Network Graphics 1.0")
    assert not looks_wrong("Microsoft Word XML", "Microsoft Word for Windows 2007 onwards")
    assert looks_wrong("Microsoft Word", "Acrobat PDF 1.4 - Portable Document Format 1.4")
    assert looks_wrong("JPEG", "Portable Network Graphics 1.0")
    assert not looks_wrong("TIFF", "Tagged Image File Format")
    assert not looks_wrong("HTML", "Hypertext Markup Language 4.01")
    assert not looks_wrong("License", "7-bit ASCII Text")
    assert not looks_wrong("Unknown", "Windows Portable Executable")
    assert not looks_wrong("Adobe PDF", NONE_LABEL)


def test_extension_of():
    assert extension_of("a/b/Report.PDF") == "pdf"
    assert extension_of(".profile") == "(no extension)"
    assert extension_of("trailing.") == "(no extension)"
    assert extension_of("x." + "a" * 40) == OTHER_LABEL


def test_distinct_extensions_are_capped():
    collector = SummaryCollector()
    for i in range(MAX_EXTENSIONS + 50):
        collector.row(ReportRow(bitstream_id=i, name=f"f.e{i}", old_format="Unknown",
                                new_format="Unknown", confidence="UNIDENTIFIED"))
    exts = collector.summary.unidentified_extensions
    assert len(exts) == MAX_EXTENSIONS + 1
    assert exts[OTHER_LABEL].count == 50


def test_terminal_tables_render():
    s = _collect(_rows())
    console = Console(file=io.StringIO(), width=200, color_system=None)
    for table in summary_renderables(s):
        console.print(table)
    out = console.file.getvalue()
    assert "Windows Portable Executable" in out and "⚠" in out
    assert "EXTENSION 5, POSITIVE_SPECIFIC 30" in out
    assert "xyz" in out and "match on extension only" in out


def test_html_is_self_contained_with_heatmap_and_bars():
    page = render_html(_collect(_rows()))
    doc = html.fromstring(page)
    # no scripts, no external resources of any kind
    assert not doc.xpath("//script") and not doc.xpath("//link") and not doc.xpath("//img")
    assert not [el for el in doc.iter() if isinstance(el.tag, str)
                and any(v.startswith(("http:", "https:", "//")) for k, v in el.attrib.items()
                        if k in ("src", "href"))]
    assert "<script>alert" not in page  # the evil old-format name is escaped
    # the SVG parses as XML on its own (strict parser, no entities)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    start = page.index('<svg xmlns="http://www.w3.org/2000/svg" id="heatmap"')
    heat = etree.fromstring(page[start:page.index("</svg>", start) + 6].encode(), parser)
    cells = heat.findall(f"{SVG}rect[@data-count]")
    by_pair = {(c.get("data-old"), c.get("data-new")): int(c.get("data-count")) for c in cells}
    assert by_pair[("Adobe PDF", "Acrobat PDF 1.4 - Portable Document Format")] == 35
    suspect = [c for c in cells if "suspect" in c.get("class", "")]
    assert sorted((c.get("data-old"), c.get("data-new")) for c in suspect) == [
        ("Adobe PDF", "Windows Portable Executable"),
        ('Evil <script>alert("x")</script>', "Plain Text File")]
    assert suspect[0].get("fill").startswith("#")
    start = page.index('id="confidence-bars"') - 50
    start = page.index("<svg", start)
    bars = etree.fromstring(page[start:page.index("</svg>", start) + 6].encode(), parser)
    segments = bars.findall(f"{SVG}rect[@data-confidence]")
    assert {s.get("data-confidence") for s in segments} >= {"POSITIVE_SPECIFIC", "EXTENSION"}
    # crosstab table in the page lists every pair with its count
    rows = doc.xpath('//table[@id="crosstab"]/tr[td]')
    assert len(rows) == 6
    assert doc.xpath('//table[@id="crosstab"]/tr[@class="suspect"]/td[2]/text()') == [
        "Windows Portable Executable", "Plain Text File"]
    assert doc.xpath('//table[@id="unidentified-extensions"]//td[1]/text()')[0] == "xyz"


def test_html_with_no_rows():
    doc = html.fromstring(render_html(_collect([])))
    assert doc.xpath("//svg") or doc.xpath("//*[local-name()='svg']")
