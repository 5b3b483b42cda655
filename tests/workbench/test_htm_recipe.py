"""The conversion instructions' troubleshooting recipe, end to end, through the real engine.

"DROID fails to recognize .htm files": we reproduce it with a DROID signature file whose
PRONOM:fmt/96 lacks the ``htm`` extension (the shipped V118 with that one line removed, built in
the test), so a sloppy ``.htm`` fragment (one that does not even start with a tag, which the
markup detector would recognise) comes out as Plain Text. Then, exactly as the
instructions say: a Provisional entry with the extension, the entry as a synonym of
PRONOM:fmt/96 in the archive, the Provisional key in TextSubtypeHelper's subtypes, re-identify
in the workbench -> PRONOM:fmt/96, with the change in the history.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import insert
from typer.testing import CliRunner

import bsf.commands.workbench as wb_cli
from archive.schema import T16
from bsf.main import app
from formats.model import Confidence
from tests.workbench.conftest import HTML, TEXT, Archive

runner = CliRunner()
FRAGMENT = b"Minutes of the <b>1987</b> meeting<br>\nPresent: all.<br>\n"

CONFIG = """# Test site: the instructions' PRONOM case.
db.url = {db}
assetstore.dir = {store}
formatRegistry.Provisional.validate = true
formatRegistry.Provisional.document = {provisional}
# DROID's signature file (fmt/96 without "htm", as in the instructions' day)
formatIdentifier.DROID.signatureFile = {signatures}
formatRegistry.PRONOM.contact = http://www.nationalarchives.gov.uk/
plugin.named.org.dspace.content.format.FormatRegistry = \\
  org.dspace.content.format.PRONOMFormatRegistry = PRONOM, \\
  org.dspace.content.format.ProvisionalFormatRegistry = Provisional
# Format identifier stack - NOTE: TextSubtypeHelper must come last.
plugin.sequence.org.dspace.content.format.FormatIdentifier = \\
  org.dspace.content.format.DROIDIdentifier, \\
  org.dspace.content.format.TextHeuristicIdentifier, \\
  org.dspace.content.format.CSSIdentifier, \\
  org.dspace.content.format.ProvisionalFormatRegistry, \\
  org.dspace.content.format.TextSubtypeHelper
formatIdentifier.CSSIdentifier.identifiers = PRONOM:x-fmt/224
# Subtypes of Text formats to be promoted if ID'd by filename extension
formatIdentifier.TextSubtypeHelper.subtypes = \\
  PRONOM:x-fmt/224, \\
  PRONOM:fmt/101, PRONOM:x-fmt/183
# end of file
"""

EMPTY_PROVISIONAL = """<?xml version='1.0' encoding='UTF-8'?>
<dsr:format-registry xmlns:dsr="urn:bsf:format-registry:1" namespace="Provisional">
  <!-- local entries; see the conversion instructions -->
</dsr:format-registry>
"""


def _signature_file_without_htm(target: Path) -> Path:
    from registries.pronom import default_signature_file

    text = Path(default_signature_file()).read_text(encoding="utf-8")
    start = text.index('PUID="fmt/96"')
    end = text.index("</FileFormat>", start)
    block = text[start:end]
    assert "<Extension>htm</Extension>" in block
    target.write_text(text[:start] + block.replace("<Extension>htm</Extension>", "")
                      + text[end:], encoding="utf-8")
    return target


@pytest.fixture
def site(archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(wb_cli, "out_console", Console(width=250, highlight=False))
    monkeypatch.setattr(wb_cli, "err_console", Console(width=250, stderr=True))
    monkeypatch.setenv("USER", "curator")
    with archive.engine.begin() as conn:  # a sloppy .htm fragment phase 2 called plain text
        archive.store.write_bytes(FRAGMENT, internal_id="08" * 20)
        conn.execute(insert(T16.bitstream).values(
            bitstream_id=8, name="minutes.htm", size_bytes=len(FRAGMENT), internal_id="08" * 20,
            store_number=0, deleted=False, bitstream_format_id=archive.format_ids[TEXT],
            format_confidence=int(Confidence.HEURISTIC),
            format_source="Upgrade15To16 Phase 2 from "
                          "org.dspace.content.format.TextHeuristicIdentifier"))
        conn.execute(insert(T16.bundle2bitstream).values(bundle_id=1, bitstream_id=8))
    provisional = tmp_path / "provisional-formats.xml"
    provisional.write_text(EMPTY_PROVISIONAL, encoding="utf-8")
    config = tmp_path / "dspace.cfg"
    config.write_text(CONFIG.format(
        db=archive.engine.url.render_as_string(hide_password=False),
        store=archive.root / "assetstore", provisional=provisional,
        signatures=_signature_file_without_htm(tmp_path / "DROID_SignatureFile_noHTM.xml")),
        encoding="utf-8")

    def bsf(*args: str):
        result = runner.invoke(app, ["--config", str(config), *args])
        assert result.exit_code == 0, (result.output, result.exception)
        return result
    return bsf, config, provisional


def test_htm_recipe_end_to_end(site, archive: Archive):
    bsf, config, provisional = site
    # The problem: DROID does not match, text heuristics say plain text, and re-identifying
    # changes nothing.
    shown = json.loads(bsf("workbench", "show", "8", "--json").stdout)
    assert shown["format"]["key"] == str(TEXT)
    droid = shown["explain"][0]
    assert droid["identifier"].endswith("DROIDIdentifier") and droid["key"] is None
    before = list(csv.DictReader(io.StringIO(
        bsf("workbench", "reidentify", "--id", "8", "-n", "--csv", "-").stdout, newline="")))
    assert [(r["status"], r["new_format_key"]) for r in before] == [("unchanged", str(TEXT))]

    # 1. A Provisional entry with the wanted extension.
    bsf("registry", "add-provisional", "HTM", "--ext", "htm", "--mime", "text/html",
        "--synonym", "PRONOM:fmt/96", "--description",
        "Temporary problem-solver to recognize htm file extension because DROID doesn't "
        "interpret PUID fmt/96 correctly.")
    assert "local entries; see the conversion instructions" in provisional.read_text("utf-8")
    # 2. The Provisional entry as a synonym of the archive's PRONOM:fmt/96 format.
    added = bsf("registry", "add-synonym", "PRONOM:fmt/96", "Provisional:HTM")
    assert "PRONOM:fmt/96, Provisional:HTM" in added.stdout
    # 3. The Provisional key in the subtypes, config comments kept.
    bsf("registry", "subtypes", "add", "Provisional:HTM")
    text = config.read_text(encoding="utf-8")
    assert "# Subtypes of Text formats to be promoted" in text and text.endswith(
        "  PRONOM:fmt/101, PRONOM:x-fmt/183, \\\n  Provisional:HTM\n# end of file\n")
    listed = bsf("registry", "subtypes", "list").stdout.split()
    assert listed[-1] == "Provisional:HTM"

    # Testing: re-identify the .htm bitstreams in the workbench.
    preview = list(csv.DictReader(io.StringIO(
        bsf("workbench", "reidentify", "--ext", "htm", "-n", "--csv", "-").stdout, newline="")))
    assert {r["bitstream_id"]: r["new_format_key"] for r in preview}["8"] == str(HTML)
    bsf("workbench", "reidentify", "--ext", "htm")
    after = json.loads(bsf("workbench", "show", "8", "--json").stdout)
    assert after["format"]["key"] == str(HTML)
    assert after["format"]["id"] == archive.format_ids[HTML]
    assert "Provisional:HTM" in after["format"]["keys"]
    assert after["format"]["source"].startswith("Workbench from ")
    history = list(csv.DictReader(io.StringIO(
        bsf("workbench", "history", "8", "--csv").stdout, newline="")))
    assert [(h["changed_by"], h["old_format_key"], h["new_format_key"]) for h in history] == [
        ("curator", str(TEXT), str(HTML))]
