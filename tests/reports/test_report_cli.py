"""`bsf report` in every format on a renovated archive, checked by awk, pandas and lxml."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from lxml import html
from rich.console import Console
from typer.testing import CliRunner

from bsf.main import app
from registries.model import FormatKey
from tests.workbench.conftest import Archive, build_archive
from workbench.actions import set_format
from workbench.selection import Selection

runner = CliRunner()
AWK = shutil.which("awk")


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    import bsf.commands.report as report_cli

    monkeypatch.setattr(report_cli, "out_console", Console(width=250, highlight=False))


@pytest.fixture
def archive(engine, tmp_path: Path) -> Archive:
    a = build_archive(engine, tmp_path)
    # the instructions' anomaly: an "Adobe PDF" that is really a Windows executable
    list(set_format(engine, Selection(ids=(5,)), FormatKey("PRONOM", "fmt/899"),
                    registries=a.registries, user="seed"))
    return a


def _bsf(archive: Archive, *args: str) -> str:
    url = archive.engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, ["--db", url, *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def _awk(program: str, text: str) -> str:
    assert AWK is not None
    return subprocess.run([AWK, "-F,", program], input=text, capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.skipif(AWK is None, reason="no awk on this machine")
def test_seed_report_survives_the_instructions_awk_recipes(archive: Archive):
    out = _bsf(archive, "report", "-v")
    lines = out.splitlines()
    assert lines[:4] == [
        "SUMMARY Total upgradeable Bitstreams = 6",
        "SUMMARY Already converted to New BSF = 5",
        "SUMMARY Not yet converted to New BSF = 1",
        "SUMMARY BS with UserFormatDescription = 0",
    ]
    assert sum(line.startswith("BITSTREAM,") for line in lines) == 6
    combos = subprocess.run(["sort", "-u"], input=_awk(
        '/^BITSTREAM/ {print $4,",",$5,",",$6}', out), capture_output=True, text=True,
        check=True).stdout.splitlines()
    combos = [" ".join(c.split()) for c in combos]
    assert "HTML , (NONE) , UNIDENTIFIED" in combos  # odd, "name".htm: the comma did not shift
    assert "Adobe PDF , Windows Portable Executable , MANUAL" in combos
    assert "HTML , Plain Text File , HEURISTIC" in combos
    assert len(combos) == 6
    ids = _awk('$4 ~ /Adobe/ && $5 ~ /Executable/ {print $2}', out)
    assert ids.split() == ["5"]
    whole = _awk('$4 ~ /Adobe/ && $5 ~ /Executable/ {print}', out)
    assert whole.startswith("BITSTREAM, 5, manual.pdf, Adobe PDF, Windows Portable Executable,")
    summary_only = _bsf(archive, "report")
    assert summary_only.splitlines() == lines[:4]


def test_csv_json_summary_then_after_phase_3(archive: Archive, tmp_path: Path):
    """Every report format on one archive (one database each), then again after phase 3."""
    _check_csv(archive, tmp_path)
    _check_json(archive)
    _check_summary(archive, tmp_path)
    _check_after_phase_3(archive)


def _check_csv(archive: Archive, tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    _bsf(archive, "report", "--format", "csv", "-o", str(target))
    frame = pd.read_csv(target)
    assert list(frame["bitstream_id"]) == [1, 2, 3, 4, 5, 6]
    row = frame[frame["bitstream_id"] == 4].iloc[0]
    assert row["name"] == 'odd, "name".htm' and row["old_format"] == "HTML"
    assert pd.isna(row["new_format"])
    assert row["handle"] == "123456789/11"
    five = frame[frame["bitstream_id"] == 5].iloc[0]
    assert five["format_key"] == "PRONOM:fmt/899" and five["source"] == "workbench:seed"
    stdout = _bsf(archive, "report", "--format", "csv")
    assert pd.read_csv(io.StringIO(stdout)).shape == frame.shape


def _check_json(archive: Archive) -> None:
    records = [json.loads(line) for line in _bsf(archive, "report", "-f", "json").splitlines()]
    assert [r["bitstream_id"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert records[3]["new_format"] is None and records[0]["handle"] == "123456789/10"


def _check_summary(archive: Archive, tmp_path: Path) -> None:
    page = tmp_path / "summary.html"
    out = _bsf(archive, "report", "summary", "--html", str(page))
    assert "Windows Portable Executable" in out and "⚠" in out
    doc = html.fromstring(page.read_text(encoding="utf-8"))
    cells = doc.xpath("//*[local-name()='svg'][@id='heatmap']//*[local-name()='rect']"
                      "[contains(@class,'suspect')]")
    # the instructions' two anomalies: a "PDF" that is an executable, HTML taken for text
    assert sorted((c.get("data-old"), c.get("data-new")) for c in cells) == [
        ("Adobe PDF", "Windows Portable Executable"), ("HTML", "Plain Text File")]
    assert not doc.xpath("//script")


def _stock_15_archive(engine) -> str:
    """A DSpace 1.5 archive (before phase 0) with one bitstream; returns its URL."""
    from sqlalchemy import insert, select

    from archive.init import init_archive
    from archive.schema import ITEM, T15

    init_archive(engine)
    t = T15
    with engine.begin() as conn:
        pdf = conn.execute(select(t.bitstreamformatregistry.c.bitstream_format_id).where(
            t.bitstreamformatregistry.c.short_description == "Adobe PDF")).scalar_one()
        conn.execute(insert(t.item).values(item_id=1, in_archive=True, withdrawn=False))
        conn.execute(insert(t.bundle).values(bundle_id=1, name="ORIGINAL"))
        conn.execute(insert(t.item2bundle).values(item_id=1, bundle_id=1))
        conn.execute(insert(t.bitstream).values(bitstream_id=1, name="a, b.pdf",
                                                bitstream_format_id=pdf, deleted=False,
                                                size_bytes=3, internal_id="1" * 38))
        conn.execute(insert(t.bundle2bitstream).values(bundle_id=1, bitstream_id=1))
        conn.execute(insert(t.handle).values(handle="123456789/77", resource_type_id=ITEM,
                                             resource_id=1))
    return engine.url.render_as_string(hide_password=False)


def test_workbench_refuses_before_phase_0(engine):
    url = _stock_15_archive(engine)
    refused = runner.invoke(app, ["--db", url, "workbench", "history", "1"])
    assert "phase 0" in str(refused.exception)
    refused = runner.invoke(app, ["--db", url, "workbench", "reidentify", "--all", "-n"])
    assert "phase 0" in str(refused.exception)


def test_report_before_phase_0(engine):
    """On a stock 1.5 archive the report shows old formats only."""
    url = _stock_15_archive(engine)
    result = runner.invoke(app, ["--db", url, "report", "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert frame.loc[0, "name"] == "a, b.pdf" and frame.loc[0, "old_format"] == "Adobe PDF"
    assert frame.loc[0, "handle"] == "123456789/77" and pd.isna(frame.loc[0, "new_format"])
    seed = runner.invoke(app, ["--db", url, "report", "-v"])
    assert "BITSTREAM, 1, a%2C b.pdf, Adobe PDF, (NONE), UNIDENTIFIED" in seed.stdout


def _check_after_phase_3(archive: Archive) -> None:
    from tests.workbench.conftest import drop_15_tables

    drop_15_tables(archive.engine)
    frame = pd.read_csv(io.StringIO(_bsf(archive, "report", "--format", "csv")))
    assert frame["old_format"].isna().all()
    assert frame.loc[frame["bitstream_id"] == 5, "new_format"].item() == (
        "Windows Portable Executable")
    out = _bsf(archive, "report", "summary")
    assert "(no old format)" in out
