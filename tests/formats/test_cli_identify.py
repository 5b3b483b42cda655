"""`bsf identify`: the three machine formats on awkward file names, YAML default, exit status."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import formats.stack
from bsf.main import app
from reports.scan import DROID_COLUMNS, SF_COLUMNS

RAW_NAME = os.fsdecode(b"caf\xe9 latin1.txt")
AWKWARD = ['comma, "quoted".pdf', "new\nline.txt", "ünïcode.css", RAW_NAME]


@pytest.fixture(scope="module")
def default_stack():  # type: ignore[no-untyped-def]
    from bsfcore.settings import load_settings

    return formats.stack.stack_from_settings(load_settings(None, environ={}))


@pytest.fixture
def runner(default_stack, monkeypatch: pytest.MonkeyPatch) -> CliRunner:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("BSF_CONFIG", raising=False)
    monkeypatch.setattr(formats.stack, "stack_from_settings", lambda settings: default_stack)
    return CliRunner()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "scan"
    root.mkdir()
    contents = [b"%PDF-1.4\n1 0 obj\n%%EOF\n", b"just text\n", b"body { color: red }\n",
                b"caf\xe9\n"]
    for name, data in zip(AWKWARD, contents, strict=True):
        with open(os.path.join(str(root), name), "wb") as fh:
            fh.write(data)
    (root / "empty.bin").write_bytes(b"")
    (root / "data.json").write_text('{"a": [1, 2, 3]}')
    return root


def _invoke(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["identify", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_csv_reads_in_pandas(runner: CliRunner, tree: Path) -> None:
    result = _invoke(runner, str(tree), "--csv")
    frame = pd.read_csv(io.BytesIO(result.stdout_bytes), keep_default_na=False, dtype=str)
    assert tuple(frame.columns) == SF_COLUMNS
    rows = {os.path.basename(f): r for f, r in zip(frame["filename"], frame.to_dict("records"),
                                                    strict=True)}
    assert set(rows) == {'comma, "quoted".pdf', "new\nline.txt", "ünïcode.css",
                         "caf\\xe9 latin1.txt", "empty.bin", "data.json"}
    assert rows['comma, "quoted".pdf']["id"] == "fmt/18"
    assert rows["new\nline.txt"]["id"] == "x-fmt/111"
    assert rows["ünïcode.css"]["id"] == "x-fmt/224"
    assert rows["data.json"]["id"] == "fmt/817"
    assert "not valid UTF-8" in rows["caf\\xe9 latin1.txt"]["warning"]
    assert (rows["empty.bin"]["id"], rows["empty.bin"]["warning"]) == ("UNKNOWN",
                                                                       "empty file (0 bytes)")
    assert all(f.startswith(str(tree)) for f in frame["filename"])


def test_json_parses(runner: CliRunner, tree: Path) -> None:
    doc = json.loads(_invoke(runner, str(tree), "--json").stdout_bytes.decode("utf-8"))
    assert doc["identifiers"][0]["name"] == "org.dspace.content.format.DROIDIdentifier"
    files = {os.path.basename(f["filename"]): f for f in doc["files"]}
    assert len(files) == 6
    pdf = files['comma, "quoted".pdf']["matches"][0]
    assert (pdf["ns"], pdf["id"], pdf["confidence"]) == ("PRONOM", "fmt/18", "POSITIVE_SPECIFIC")
    assert files["ünïcode.css"]["matches"][0]["basis"] == "css parse: 1 rules"


def test_droid_csv_has_18_columns(runner: CliRunner, tree: Path) -> None:
    result = _invoke(runner, str(tree), "--droid")
    frame = pd.read_csv(io.BytesIO(result.stdout_bytes), keep_default_na=False, dtype=str)
    assert tuple(frame.columns) == DROID_COLUMNS and len(frame) == 6
    pdf = frame[frame["NAME"] == 'comma, "quoted".pdf'].iloc[0]
    assert (pdf["PUID"], pdf["METHOD"], pdf["STATUS"], pdf["FORMAT_COUNT"]) == (
        "fmt/18", "Signature", "Done", "1")
    assert pdf["URI"].startswith("file:/") and "%2C" in pdf["URI"]
    assert list(frame["ID"]) == [str(i) for i in range(1, 7)]


def test_yaml_default(runner: CliRunner, tree: Path) -> None:
    out = _invoke(runner, str(tree / "data.json")).stdout_bytes.decode()
    assert out.startswith("---\nbsf")
    assert f'filename : "{tree / "data.json"}"' in out
    assert 'id         : "fmt/817"' in out and 'confidence : "HEURISTIC"' in out


def test_name_from(runner: CliRunner, tmp_path: Path) -> None:
    asset = tmp_path / "83750349871204981"
    asset.write_bytes(b"sloppy html<br>\n")
    names = tmp_path / "names.csv"
    names.write_text(f"{asset.name},index.htm\n")
    plain = _invoke(runner, str(asset), "--csv").stdout
    named = _invoke(runner, str(asset), "--csv", "--name-from", str(names)).stdout
    assert ",x-fmt/111," in plain and ",fmt/96," in named
    assert named.splitlines()[1].startswith(str(asset))     # filename stays the path


def test_one_output_format_only(runner: CliRunner, tree: Path) -> None:
    result = runner.invoke(app, ["identify", str(tree), "--csv", "--json"])
    assert result.exit_code != 0


def test_subprocess_errors_keep_going_and_exit_1(tree: Path, tmp_path: Path) -> None:
    (tree / "dangling").symlink_to(tree / "gone")
    env = {k: v for k, v in os.environ.items() if k != "BSF_CONFIG"}
    proc = subprocess.run([sys.executable, "-m", "bsf", "identify", str(tree), "--csv"],
                          capture_output=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 1, proc.stderr
    frame = pd.read_csv(io.BytesIO(proc.stdout), keep_default_na=False, dtype=str)
    assert len(frame) == 7
    dangling = frame[frame["filename"].str.endswith("dangling")].iloc[0]
    assert dangling["errors"] == "broken symlink"
    assert b"1 of 7 paths could not be identified" in proc.stderr
    assert b"\x1b[" not in proc.stderr          # no progress bar when stderr is not a TTY
