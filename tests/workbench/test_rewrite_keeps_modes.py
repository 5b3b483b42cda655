"""The registry and configuration files bsf rewrites keep their mode (the DSpace web
application reads them as another user), and a refused edit leaves bytes and mode alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bsf.main import app
from bsfcore.errors import RegistryError
from registries.dsr import load_registry_document, write_registry_document
from workbench.config_edit import SUBTYPES_KEY, add_list_item
from workbench.registry_admin import add_provisional_entry, provisional_format

EMPTY = """<?xml version='1.0' encoding='UTF-8'?>
<dsr:format-registry xmlns:dsr="urn:bsf:format-registry:1" namespace="Provisional">
</dsr:format-registry>
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("wanted", [0o644, 0o664, 0o640])
def test_add_provisional_on_the_cli_keeps_the_mode(tmp_path: Path, wanted: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BSF_CONFIG", raising=False)
    doc = tmp_path / "p.xml"
    doc.write_text(EMPTY, encoding="utf-8")
    doc.chmod(wanted)
    result = CliRunner().invoke(app, ["registry", "add-provisional", "HTM", "--ext", "htm",
                                      "--document", str(doc)])
    assert result.exit_code == 0, result.output
    assert mode(doc) == wanted and "HTM" in doc.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.xml"]


def test_a_refused_entry_changes_neither_bytes_nor_mode(tmp_path: Path) -> None:
    doc = tmp_path / "p.xml"
    doc.write_text(EMPTY, encoding="utf-8")
    add_provisional_entry(doc, provisional_format("HTM", extensions=["htm"]))
    doc.chmod(0o644)
    before = doc.read_bytes()
    with pytest.raises(RegistryError, match="already exists"):
        add_provisional_entry(doc, provisional_format("HTM", extensions=["htm"]))
    assert doc.read_bytes() == before and mode(doc) == 0o644


def test_the_config_edit_and_the_registry_writer_keep_modes(tmp_path: Path) -> None:
    cfg = tmp_path / "dspace.cfg"
    cfg.write_text("dspace.dir = /d\n", encoding="utf-8")
    cfg.chmod(0o640)
    add_list_item(cfg, SUBTYPES_KEY, "Provisional:HTM", current=[])
    assert mode(cfg) == 0o640 and "Provisional:HTM" in cfg.read_text(encoding="utf-8")
    doc = tmp_path / "written.xml"
    doc.write_text(EMPTY, encoding="utf-8")
    doc.chmod(0o604)
    write_registry_document([provisional_format("Thesis", extensions=["thz"])], doc,
                            namespace="Provisional")
    assert mode(doc) == 0o604
    assert [f.name for f in load_registry_document(doc, "Provisional")] == ["Thesis"]
