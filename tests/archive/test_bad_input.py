"""Bad input gives one clear line on stderr and a non-zero exit code, never a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

from bsf.main import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    code = exit_info.value.code
    # rich may wrap long messages on a narrow stderr; compare with whitespace folded
    return int(code) if code is not None else 0, " ".join(capsys.readouterr().err.split())


def test_malformed_config_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"db.url = sqlite:///{tmp_path / 'x.db'}\nthis line has no equals sign\n")
    code, err = run(["--config", str(cfg), "archive", "init"], capsys)
    assert code != 0
    assert f"{cfg}:2" in err
    assert "Traceback" not in err


def test_unknown_config_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"db.url = sqlite:///{tmp_path / 'x.db'}\ndatabase.url = typo\n")
    code, err = run(["--config", str(cfg), "archive", "init"], capsys)
    assert code != 0 and f"{cfg}:2" in err and "database.url" in err
    assert not (tmp_path / "x.db").exists()


def test_unreachable_database_is_one_clear_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bsf", "--db", "postgresql://nobody@127.0.0.1:1/x", "archive",
         "init"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("error: cannot connect to database")
    assert "127.0.0.1:1" in result.stderr


def test_malformed_database_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["--db", "not a url", "archive", "init"], capsys)
    assert code != 0 and "database URL" in err and "Traceback" not in err


def test_missing_assetstore_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["--db", f"sqlite:///{tmp_path / 'a.db'}", "--assetstore",
                     str(tmp_path / "nope"), "archive", "create-demo", "--items", "3"], capsys)
    assert code != 0 and "nope does not exist" in err


def test_missing_assetstore_in_config(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"db.url = sqlite:///{tmp_path / 'a.db'}\n"
                   f"assetstore.dir = {tmp_path / 'missing-store'}\n")
    code, err = run(["--config", str(cfg), "archive", "create-demo", "--items", "3"], capsys)
    assert code != 0
    assert "missing-store does not exist (assetstore.dir in" in err
    assert not (tmp_path / "missing-store").exists()


def test_no_database_configured(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BSF_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    code, err = run(["archive", "init"], capsys)
    assert code != 0 and "no archive database configured" in err
