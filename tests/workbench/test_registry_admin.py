"""Registry administration: config list editing, Provisional entries, synonyms."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from archive.formatcache import find_format_id, format_keys
from archive.schema import T16
from bsfcore.errors import BsfError, RegistryError
from bsfcore.properties import load_properties
from registries.dsr import load_registry_document
from registries.model import FormatKey
from tests.workbench.conftest import HTML, Archive
from workbench.config_edit import SUBTYPES_KEY, add_list_item
from workbench.registry_admin import add_provisional_entry, add_synonym, provisional_format

CFG = """# my DSpace config
dspace.dir = /dspace
# Subtypes of Text formats to be promoted if ID'd by filename extension
formatIdentifier.TextSubtypeHelper.subtypes = \\
    PRONOM:x-fmt/224, \\
    PRONOM:fmt/96, \\
    PRONOM:fmt/101
# trailing comment stays
db.url = sqlite:///x.db
"""

HTM = FormatKey("Provisional", "HTM")


def test_subtypes_add_keeps_comments_and_layout(tmp_path: Path):
    cfg = tmp_path / "dspace.cfg"
    cfg.write_text(CFG, encoding="utf-8")
    edit = add_list_item(cfg, SUBTYPES_KEY, "Provisional:HTM")
    assert edit.changed and edit.line == 4
    text = cfg.read_text(encoding="utf-8")
    assert text == CFG.replace("    PRONOM:fmt/101\n",
                               "    PRONOM:fmt/101, \\\n    Provisional:HTM\n")
    assert load_properties(cfg).get_list(SUBTYPES_KEY)[-1] == "Provisional:HTM"
    again = add_list_item(cfg, SUBTYPES_KEY, "Provisional:HTM")
    assert not again.changed and cfg.read_text(encoding="utf-8") == text


def test_subtypes_add_one_line_value_and_crlf(tmp_path: Path):
    cfg = tmp_path / "dspace.cfg"
    cfg.write_bytes(b"# c\r\nformatIdentifier.TextSubtypeHelper.subtypes = DSpace:XML\r\n")
    add_list_item(cfg, SUBTYPES_KEY, "Provisional:HTM")
    assert cfg.read_bytes() == (b"# c\r\nformatIdentifier.TextSubtypeHelper.subtypes = "
                                b"DSpace:XML, \\\r\n  Provisional:HTM\r\n")


def test_subtypes_add_when_unset_writes_the_defaults_too(tmp_path: Path):
    cfg = tmp_path / "dspace.cfg"
    cfg.write_text("# only a comment\ndspace.dir = /d", encoding="utf-8")
    add_list_item(cfg, SUBTYPES_KEY, "Provisional:HTM", current=["PRONOM:fmt/96", "PRONOM:x"])
    props = load_properties(cfg)
    assert props.get_list(SUBTYPES_KEY) == ["PRONOM:fmt/96", "PRONOM:x", "Provisional:HTM"]
    assert cfg.read_text(encoding="utf-8").startswith("# only a comment\ndspace.dir = /d\n")


def _htm_format():
    return provisional_format(
        "HTM", synonyms=["PRONOM:fmt/96"], extensions=[".htm"], mime_type="text/html",
        description="Temporary problem-solver to recognize htm file extension because DROID "
                    "doesn't interpret PUID fmt/96 correctly.")


def test_add_provisional_entry_keeps_comments(tmp_path: Path):
    doc = tmp_path / "provisional-formats.xml"
    doc.write_text("""<?xml version='1.0' encoding='UTF-8'?>
<dsr:format-registry xmlns:dsr="urn:bsf:format-registry:1" namespace="Provisional">
  <!-- keep me -->
</dsr:format-registry>
""", encoding="utf-8")
    fmt = add_provisional_entry(doc, _htm_format())
    assert fmt.key == HTM and fmt.synonyms == (HTML,) and fmt.extensions == ("htm",)
    text = doc.read_text(encoding="utf-8")
    assert "<!-- keep me -->" in text and "<dsr:extension>htm</dsr:extension>" in text
    registry = load_registry_document(doc, "Provisional")
    assert [f.name for f in registry] == ["HTM"]
    with pytest.raises(RegistryError, match="already exists"):
        add_provisional_entry(doc, _htm_format())
    second = provisional_format("Thesis", extensions=["thz"])
    add_provisional_entry(doc, second)
    assert [f.name for f in load_registry_document(doc, "Provisional")] == ["HTM", "Thesis"]
    with pytest.raises(BsfError, match="canonical"):
        add_provisional_entry(doc, provisional_format("X", identifier="PRONOM:fmt/1"))


def test_add_synonym(archive: Archive):
    result = add_synonym(archive.engine, HTML, HTM, registries=archive.registries)
    assert result.added and result.format_id == archive.format_ids[HTML]
    assert result.keys == [str(HTML), str(HTM)]
    assert any("no configured registry defines" in n for n in result.notes)
    with archive.engine.connect() as conn:
        assert find_format_id(conn, HTM) == archive.format_ids[HTML]
    again = add_synonym(archive.engine, HTML, HTM, registries=archive.registries)
    assert not again.added
    # bound to another format: refused unless --move
    pdf = FormatKey("PRONOM", "fmt/18")
    with pytest.raises(BsfError, match="--move"):
        add_synonym(archive.engine, pdf, HTM, registries=archive.registries)
    moved = add_synonym(archive.engine, pdf, HTM, registries=archive.registries, move=True)
    assert moved.moved_from == archive.format_ids[HTML]
    with archive.engine.connect() as conn:
        assert HTM in format_keys(conn, archive.format_ids[pdf])
        assert HTM not in format_keys(conn, archive.format_ids[HTML])
        assert conn.execute(select(T16.externalidentifier.c.canonical).where(
            T16.externalidentifier.c.identifier == "HTM")).scalar() is False
    with pytest.raises(BsfError, match="fmt/404"):
        add_synonym(archive.engine, FormatKey("PRONOM", "fmt/404"), HTM)


def test_add_provisional_creates_a_missing_document(tmp_path: Path):
    doc = tmp_path / "new" / "provisional-formats.xml"
    add_provisional_entry(doc, provisional_format("Thesis", extensions=["thz"]))
    assert [f.key for f in load_registry_document(doc, "Provisional")] == [
        FormatKey("Provisional", "Thesis")]


def test_add_provisional_refuses_the_packaged_default(tmp_path: Path, monkeypatch):
    from typer.testing import CliRunner

    from bsf.main import app

    monkeypatch.delenv("BSF_CONFIG", raising=False)
    result = CliRunner().invoke(app, ["registry", "add-provisional", "HTM", "--ext", "htm"])
    assert isinstance(result.exception, BsfError)
    assert "packaged default" in str(result.exception)
    target = tmp_path / "p.xml"
    result = CliRunner().invoke(app, ["registry", "add-provisional", "HTM", "--ext", "htm",
                                      "--synonym", "PRONOM:fmt/96", "--document", str(target)])
    assert result.exit_code == 0, result.output
    assert load_registry_document(target, "Provisional").get(HTM).synonyms == (HTML,)
