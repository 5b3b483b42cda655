"""The commands: `bsf upgrade ...`, `bsf cleanup -c`, and the Upgrade15To16/Cleanup scripts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bsf.compat import cleanup, upgrade15to16
from bsf.main import app
from tests.upgrade.helpers import UPGRADABLE, build_archive

ROOT = Path(__file__).resolve().parents[2]


def test_bsf_upgrade_commands(db_url: str, engine, tmp_path: Path) -> None:
    arch = build_archive(engine, tmp_path / "assets", missing=True)
    base = ["--db", db_url, "--assetstore", str(arch.store_dir)]
    runner = CliRunner()

    def bsf(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, [*base, *args])
        assert result.exit_code == code, (result.output, result.exception)
        return result.stdout

    assert "Found 1 missing/unreadable" in bsf("cleanup", "-c", "-n")
    assert "Found 1 missing/unreadable" in bsf("cleanup", "-c")
    assert "Found 0 missing/unreadable" in bsf("upgrade", "cleanup")
    assert "Phase 0 finished" in bsf("upgrade", "phase0")
    assert "Wrote 1 Provisional" in bsf("upgrade", "provisional", str(tmp_path / "p.xml"))
    assert "Phase One Summary" in bsf("upgrade", "phase1")
    out = bsf("upgrade", "phase2", "--batch-size", "3")
    assert f"Total bitstreams touched = {len(UPGRADABLE) - 1}" in out
    out = bsf("upgrade", "report", "-v")
    assert sum(line.startswith("BITSTREAM, ") for line in out.splitlines()) == len(UPGRADABLE)
    status = bsf("upgrade", "status")
    assert "not yet converted: 0" in status
    assert "Phase 3 finished" in bsf("upgrade", "phase3")
    for sub in ("phase2", "phase3", "report", "status", "undo", "provisional"):
        assert runner.invoke(app, ["upgrade", sub, "--help"]).exit_code == 0


def test_upgrade15to16_flags(engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arch = build_archive(engine, tmp_path / "assets")
    url = engine.url.render_as_string(hide_password=False)
    base = ["--db", url, "--assetstore", str(arch.store_dir)]
    assert cleanup([*base, "-c", "-n"]) == 0
    assert "Found 0 missing/unreadable" in capsys.readouterr().out
    assert upgrade15to16([*base, "-0"]) == 0
    assert upgrade15to16([*base, "-0"]) == 2
    assert "refuses to run twice" in capsys.readouterr().err
    assert upgrade15to16([*base, "-p", str(tmp_path / "new.xml")]) == 0
    assert upgrade15to16([*base, "-1"]) == 0
    assert upgrade15to16([*base, "-2", "-n", "-v"]) == 0
    out = capsys.readouterr().out
    assert "(dry run: nothing was written)" in out and "would set bitstream" in out
    assert upgrade15to16([*base, "-2"]) == 0
    assert upgrade15to16([*base, "-r", "-v"]) == 0
    out = capsys.readouterr().out
    assert f"SUMMARY Total upgradeable Bitstreams = {len(UPGRADABLE)}" in out
    assert "SUMMARY Not yet converted to New BSF = 0" in out
    assert upgrade15to16([*base, "-3"]) == 0
    assert "Phase 3 finished, done with BitstreamFormat conversion." in capsys.readouterr().out
    assert upgrade15to16(base) == 2  # no step given


def test_console_script_reads_bsf_config(tmp_path: Path) -> None:
    from archive.db import open_engine

    engine = open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    arch = build_archive(engine, tmp_path / "assets")
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"dspace.dir = {tmp_path}\ndb.url = sqlite:///{tmp_path / 'a.db'}\n"
                   f"assetstore.dir = {arch.store_dir}\n")
    env = dict(os.environ, BSF_CONFIG=str(cfg), PYTHONPATH=str(ROOT))
    script = Path(sys.executable).with_name("Upgrade15To16")
    cmd = [str(script)] if script.exists() else [
        sys.executable, "-c", "from bsf.compat import upgrade15to16_main as m; m()"]
    done = subprocess.run([*cmd, "-0"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Phase 0 finished" in done.stdout
    help_text = subprocess.run([*cmd, "--help"], env=env, capture_output=True, text=True).stdout
    for flag in ("-0", "-p FILE", "-1", "-2", "-r", "-v", "-n", "-3", "--config FILE"):
        assert flag in help_text
