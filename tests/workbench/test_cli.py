"""`bsf workbench ...` and `bsf registry` admin commands through the real typer app."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import bsf.commands.workbench as wb_cli
from bsf.main import app
from bsfcore.errors import BsfError
from formats.model import Confidence
from tests.workbench.conftest import HTML, PDF, Archive

runner = CliRunner()


@pytest.fixture
def cli(archive: Archive, monkeypatch: pytest.MonkeyPatch):
    """Invoke bsf on the test archive, with the fake stack standing in for the configured one."""
    monkeypatch.setattr(wb_cli, "_stack", lambda ctx: (archive.stack, archive.registries))
    monkeypatch.setenv("USER", "tester")
    monkeypatch.setattr(wb_cli, "out_console", Console(width=250, highlight=False))
    monkeypatch.setattr(wb_cli, "err_console", Console(width=250, stderr=True))
    url = archive.engine.url.render_as_string(hide_password=False)

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, ["--db", url, "--assetstore", str(archive.root / "assetstore"),
                                   *args], input=input)
    return invoke


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_reidentify_dry_run_csv_then_write(cli, archive: Archive):
    result = cli("workbench", "reidentify", "--ext", "htm", "-n", "--csv", "-")
    assert result.exit_code == 0, result.output
    rows = _csv(result.stdout)
    assert [(r["bitstream_id"], r["status"], r["new_format_key"]) for r in rows] == [
        ("2", "changed", str(HTML)), ("4", "changed", str(HTML))]
    assert rows[1]["name"] == 'odd, "name".htm'
    assert "dry run, nothing written" in result.stderr
    result = cli("workbench", "reidentify", "--ext", "htm")
    assert result.exit_code == 0, result.output
    assert "2 changed" in result.stderr
    assert "changes written" in result.stdout and "page.htm" in result.stdout
    result = cli("workbench", "history", "2", "--csv")
    rows = _csv(result.stdout)
    assert [(r["changed_by"], r["action"], r["new_format_key"]) for r in rows] == [
        ("tester", "reidentify", str(HTML))]
    table = cli("workbench", "history", "2")
    assert "tester" in table.stdout and "reidentify" in table.stdout


def test_reidentify_filters_and_ids_file(cli, archive: Archive, tmp_path: Path):
    ids = tmp_path / "ids.txt"
    ids.write_text("5\n6\n", encoding="utf-8")
    result = cli("workbench", "reidentify", "--ids-from", str(ids), "-n", "--csv", "-")
    assert result.exit_code == 1  # bitstream 6 has no asset file
    rows = {r["bitstream_id"]: r for r in _csv(result.stdout)}
    assert rows["5"]["status"] == "kept-manual" and rows["6"]["status"] == "error"
    result = cli("workbench", "reidentify", "--ids-from", "-", "-n", "--csv", "-", "--force",
                 input="5\n7\n404\n")
    assert [r["status"] for r in _csv(result.stdout)] == ["changed"]
    assert "2 id(s) are no bitstream or deleted: 7, 404" in result.stderr
    result = cli("workbench", "reidentify", "--confidence", "<=HEURISTIC", "--old-format",
                 "Text", "-n", "--csv", "-")
    assert [r["bitstream_id"] for r in _csv(result.stdout)] == ["3"]
    result = cli("workbench", "reidentify", "--confidence-min", "POSITIVE_GENERIC",
                 "--collection", "123456789/3", "-n", "--csv", "-")
    assert [r["bitstream_id"] for r in _csv(result.stdout)] == ["1"]
    result = cli("workbench", "reidentify", "--source", "Phase 2", "--name-glob", "*.txt",
                 "-n", "--csv", "-")
    assert [r["bitstream_id"] for r in _csv(result.stdout)] == ["3"]
    bad = cli("workbench", "reidentify", "-n")
    assert isinstance(bad.exception, BsfError) and "--all" in str(bad.exception)


def test_set_show_and_registry_admin(cli, archive: Archive, tmp_path: Path):
    result = cli("workbench", "set", "3", "--format", "PRONOM:fmt/96", "--user", "ann",
                 "--note", "checked by eye")
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.stderr
    shown = cli("workbench", "show", "3", "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["format"]["key"] == str(HTML)
    assert data["format"]["confidence"] == Confidence.MANUAL.name
    assert data["format"]["source"] == "workbench:ann"
    assert data["format"]["basis"] == "checked by eye"
    assert data["item_handle"] == "123456789/11" and data["old_format"] == "Text"
    assert data["history_count"] == 1
    assert [e["identifier"] for e in data["explain"]] == ["fake.DROID", "fake.Html", "fake.Text"]
    assert data["explain"][2]["key"] == "PRONOM:x-fmt/111"
    table = cli("workbench", "show", "1")
    assert "Acrobat PDF" in table.stdout and str(PDF) in table.stdout
    assert "What each identifier says now" in table.stdout
    missing = cli("workbench", "show", "404")
    assert isinstance(missing.exception, BsfError) and "404" in str(missing.exception)
    nofmt = cli("workbench", "set", "3")
    assert isinstance(nofmt.exception, BsfError) and "--format" in str(nofmt.exception)
    _check_registry_admin(cli, tmp_path)


def _check_registry_admin(cli, tmp_path: Path) -> None:
    result = cli("registry", "add-synonym", str(HTML), "Provisional:HTM")
    assert result.exit_code == 0, result.output
    assert "PRONOM:fmt/96, Provisional:HTM" in result.stdout
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text("# keep\nformatIdentifier.TextSubtypeHelper.subtypes = PRONOM:fmt/96\n",
                   encoding="utf-8")
    result = cli("--config", str(cfg), "registry", "subtypes", "add", "Provisional:HTM")
    assert result.exit_code == 0, result.output
    assert cfg.read_text(encoding="utf-8").startswith("# keep\n")
    listed = cli("--config", str(cfg), "registry", "subtypes", "list")
    assert listed.stdout.split() == ["PRONOM:fmt/96", "Provisional:HTM"]
