"""`bsf registry list|show|find|validate` through the typer app."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bsf.main import app
from bsfcore.errors import BsfError, RegistryError
from registries.dsr import DSR_NAMESPACE
from registries.packaged import packaged_formats_dir

FORMATS = packaged_formats_dir()
runner = CliRunner()

HTM = f"""<?xml version="1.0"?>
<dsr:format-registry xmlns:dsr="{DSR_NAMESPACE}">
<dsr:entry>
<dsr:name>HTM</dsr:name>
<dsr:mime-type>text/html</dsr:mime-type>
<dsr:external-identifiers>
<dsr:identifier>Provisional:HTM</dsr:identifier>
<dsr:identifier>DSpace:HTML</dsr:identifier>
</dsr:external-identifiers>
<dsr:external-signatures><dsr:extension>htm</dsr:extension></dsr:external-signatures>
</dsr:entry>
</dsr:format-registry>
"""


@pytest.fixture(autouse=True)
def _no_env_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BSF_CONFIG", raising=False)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The DSpace example config on a DSpace home whose Provisional registry holds HTM."""
    formats = tmp_path / "config" / "formats"
    formats.mkdir(parents=True)
    for name in ("dspace-formats.xml", "formats.xsd"):
        shutil.copy(FORMATS / name, formats / name)
    (formats / "provisional-formats.xml").write_text(HTM)
    text = (FORMATS / "bsf-dspace.cfg.example").read_text()
    path = tmp_path / "bsf.cfg"
    path.write_text(text.replace("dspace.dir = /dspace", f"dspace.dir = {tmp_path}"))
    return path


def invoke(config: Path | None, *args: str) -> tuple[int, str, BaseException | None]:
    head = ["--config", str(config)] if config else []
    result = runner.invoke(app, [*head, "registry", *args])
    return result.exit_code, result.stdout, result.exception


def test_list_csv(config: Path) -> None:
    code, out, exc = invoke(config, "list", "--format", "csv")
    assert code == 0, exc
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 74
    html = next(r for r in rows if r["key"] == "DSpace:HTML")
    assert html["extensions"] == "htm html" and html["synonyms"] == "Provisional:HTM"
    htm = next(r for r in rows if r["key"] == "Provisional:HTM")
    assert htm["synonyms"] == "DSpace:HTML" and htm["registry"] == "Provisional"


def test_list_namespace_json_and_table(config: Path) -> None:
    code, out, _ = invoke(config, "list", "--namespace", "Provisional", "--format", "json")
    assert code == 0
    assert [r["key"] for r in json.loads(out)] == ["Provisional:HTM"]
    code, out, _ = invoke(config, "list", "-n", "DSpace")
    assert code == 0 and "Adobe_PDF" in out and "73 formats in DSpace" in out
    code, _, exc = invoke(config, "list", "-n", "PRONOM")
    assert isinstance(exc, BsfError) and "no registry 'PRONOM'" in str(exc)


def test_show_by_key_and_synonym(config: Path) -> None:
    code, out, _ = invoke(config, "show", "DSpace:Adobe_PDF", "--format", "json")
    assert code == 0
    (record,) = json.loads(out)
    assert record["name"] == "Adobe PDF" and record["mime_type"] == "application/pdf"
    code, out, _ = invoke(config, "show", "Provisional:HTM")
    assert code == 0 and "DSpace:HTML" in out and "text/html" in out
    _, _, exc = invoke(config, "show", "DSpace:Nope")
    assert isinstance(exc, BsfError) and "DSpace:Nope" in str(exc)
    _, _, exc = invoke(config, "show", "nocolon")
    assert isinstance(exc, BsfError) and "malformed format key" in str(exc)


def test_find_by_extension_and_mime(config: Path) -> None:
    code, out, _ = invoke(config, "find", "--ext", "HTM", "--format", "csv")
    assert code == 0
    assert [r["key"] for r in csv.DictReader(io.StringIO(out))] == ["DSpace:HTML",
                                                                    "Provisional:HTM"]
    code, out, _ = invoke(config, "find", "--mime", "text/plain", "--format", "json")
    assert {r["key"] for r in json.loads(out)} == {"DSpace:License", "DSpace:Text"}
    code, _, _ = invoke(config, "find")
    assert code != 0
    code, _, _ = invoke(config, "find", "--ext", "pdf", "--mime", "application/pdf")
    assert code != 0


def test_validate_configured_documents(config: Path) -> None:
    code, out, exc = invoke(config, "validate")
    assert code == 0, exc
    lines = out.strip().splitlines()
    assert lines[0].startswith("ok\tDSpace\t") and lines[0].endswith("73 formats")
    assert lines[1].startswith("ok\tProvisional\t") and lines[1].endswith("1 formats")


def test_validate_file_reports_every_problem(config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "new.xml"
    bad.write_text(HTM.replace("<dsr:name>HTM</dsr:name>", "")
                   .replace("</dsr:format-registry>",
                            "<dsr:entry><dsr:name>X</dsr:name><dsr:external-identifiers>"
                            "<dsr:identifier>PRONOM:fmt/1</dsr:identifier>"
                            "</dsr:external-identifiers></dsr:entry>\n</dsr:format-registry>"))
    code, out, exc = invoke(config, "validate", "--namespace", "Provisional", str(bad))
    assert isinstance(exc, RegistryError)
    assert out.startswith("INVALID\tProvisional")
    assert [p.line for p in exc.problems] == [3, 12]
    good = tmp_path / "provisional-new.xml"
    good.write_text(HTM)
    code, out, exc = invoke(config, "validate", str(good))
    assert code == 0, exc
    assert out.startswith("ok\tProvisional")


def test_validate_broken_configured_document(config: Path) -> None:
    doc = config.parent / "config" / "formats" / "provisional-formats.xml"
    doc.write_text(HTM.replace("text/html", "text html"))
    _, out, exc = invoke(config, "validate")
    assert isinstance(exc, RegistryError)
    assert "INVALID\tProvisional" in out and f"{doc}:5" in str(exc)


def test_default_config_lists_pronom() -> None:
    code, out, exc = invoke(None, "find", "--ext", "pdf", "--format", "json")
    assert code == 0, exc
    keys = {r["key"] for r in json.loads(out)}
    assert "PRONOM:fmt/276" in keys and all(k.startswith("PRONOM:") for k in keys)


def test_main_prints_one_line_error(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bsf.main import main

    with pytest.raises(SystemExit) as info:
        main(["--config", str(config), "registry", "show", "DSpace:Nope"])
    assert info.value.code == 2
    assert "DSpace:Nope" in capsys.readouterr().err


def test_validate_droid_files(shared_dir: Path) -> None:
    pronom = shared_dir / "pronom"
    code, out, exc = invoke(None, "validate", str(pronom / "DROID_SignatureFile_V118.xml"),
                            str(pronom / "container-signature-20240501.xml"))
    assert code == 0, exc
    first, second = out.strip().splitlines()
    assert first.startswith("ok\tPRONOM\t") and int(first.split("\t")[3].split()[0]) > 2000
    assert second.startswith("ok\tPRONOM\t")


def test_validate_hostile_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("CLI-SECRET-99")
    doc = tmp_path / "provisional-formats.xml"
    doc.write_text(f'<!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>\n<x>&s;</x>')
    _, out, exc = invoke(None, "validate", str(doc))
    assert isinstance(exc, RegistryError) and "DOCTYPE" in str(exc)
    assert "CLI-SECRET-99" not in out + str(exc)
