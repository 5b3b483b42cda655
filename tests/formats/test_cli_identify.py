"""`bsf identify`: sf 1.11 and DROID 6 layouts (held against real siegfried), exit status, -q."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import formats.stack
from bsf.main import app
from reports.droid_writer import DROID_COLUMNS
from reports.scan import SF_COLUMNS

RAW_NAME = os.fsdecode(b"caf\xe9 latin1.txt")
AWKWARD = ['comma, "quoted".pdf', "new\nline.txt", "ünïcode.css", RAW_NAME]

#: DROID 6's export header (droid-results WriterConstants.HEADERS)
DROID6_HEADER = ["ID", "PARENT_ID", "URI", "FILE_PATH", "NAME", "METHOD", "STATUS", "SIZE",
                 "TYPE", "EXT", "LAST_MODIFIED", "EXTENSION_MISMATCH", "HASH", "FORMAT_COUNT",
                 "PUID", "MIME_TYPE", "FORMAT_NAME", "FORMAT_VERSION"]


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


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
    (root / "sub" / "deeper").mkdir(parents=True)
    contents = [b"%PDF-1.4\n1 0 obj\n%%EOF\n", b"just text\n", b"body { color: red }\n",
                b"caf\xe9\n"]
    for name, data in zip(AWKWARD, contents, strict=True):
        with open(os.path.join(str(root), name), "wb") as fh:
            fh.write(data)
    (root / "empty.bin").write_bytes(b"")
    (root / "sub" / "data.json").write_text('{"a": [1, 2, 3]}')
    (root / "sub" / "deeper" / "dot.png").write_bytes(png_bytes())
    return root


def _invoke(runner: CliRunner, *args: str, code: int = 0):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["identify", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def _frame(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), keep_default_na=False, dtype=str)


def test_csv_recurses_and_reads_in_pandas(runner: CliRunner, tree: Path) -> None:
    frame = _frame(_invoke(runner, str(tree), "--csv", "-q").stdout_bytes)
    assert tuple(frame.columns) == SF_COLUMNS
    rows = {os.path.relpath(f, tree): r for f, r in zip(frame["filename"],
                                                        frame.to_dict("records"), strict=True)}
    assert set(rows) == {'comma, "quoted".pdf', "new\nline.txt", "ünïcode.css",
                         "caf\\xe9 latin1.txt", "empty.bin", "sub/data.json",
                         "sub/deeper/dot.png"}
    assert rows['comma, "quoted".pdf']["id"] == "fmt/18"
    assert rows["ünïcode.css"]["id"] == "x-fmt/224"
    assert rows["sub/data.json"]["id"] == "fmt/817"
    png = rows["sub/deeper/dot.png"]
    assert (png["namespace"], png["class"]) == ("pronom", "Image (Raster)")
    assert png["basis"].startswith("extension match png; byte match at")
    assert "not valid UTF-8" in rows["caf\\xe9 latin1.txt"]["warning"]
    assert (rows["empty.bin"]["id"], rows["empty.bin"]["warning"]) == ("UNKNOWN",
                                                                       "empty file (0 bytes)")
    assert len(frame[frame.namespace == "pronom"]) == 7


def test_no_recurse(runner: CliRunner, tree: Path) -> None:
    frame = _frame(_invoke(runner, str(tree), "--csv", "-nr", "-r").stdout_bytes)
    assert not any("sub" in f for f in frame["filename"]) and len(frame) == 5


def test_layouts_held_against_siegfried(runner: CliRunner, tree: Path) -> None:
    """Header keys, file keys, match keys (and values, for a PNG and a text file) as sf 1.11."""
    import pygfried

    assert pygfried.version().startswith("1.11")
    png, text = tree / "sub" / "deeper" / "dot.png", tree / "new\nline.txt"
    sf = pygfried.identify(str(png), detailed=True)
    sf_text = pygfried.identify(str(text), detailed=True)
    ours = json.loads(_invoke(runner, str(png), str(text), "--json").stdout_bytes)
    assert list(ours) == list(sf)                      # siegfried, scandate, ..., files
    assert ours["siegfried"].startswith("bsf ")
    assert ours["identifiers"][0]["name"] == sf["identifiers"][0]["name"] == "pronom"
    assert ours["identifiers"][0]["details"].startswith("DROID_SignatureFile")
    assert "; container-signature-" in ours["identifiers"][0]["details"]
    sf_file, our_file = sf["files"][0], ours["files"][0]
    assert list(our_file) == list(sf_file)
    sf_keys, our_keys = list(sf_file["matches"][0]), list(our_file["matches"][0])
    assert our_keys == [*sf_keys, "confidence", "source"]
    for key in ("ns", "id", "format", "mime", "class", "basis", "warning"):
        assert our_file["matches"][0][key] == sf_file["matches"][0][key], key
        assert ours["files"][1]["matches"][0][key] == sf_text["files"][0]["matches"][0][key]

    # CSV: sf builds its header from the same fields (namespace for ns), hash after errors
    sf_csv = [k for k in sf_file if k != "matches"] + [
        "namespace" if k == "ns" else k for k in sf_keys]
    header = _invoke(runner, str(png), "--csv", "--hash", "md5").stdout.splitlines()[0]
    assert header.split(",") == [*sf_csv[:4], "md5", *sf_csv[4:], "confidence", "source"]

    # YAML: the same keys in sf's documents
    docs = list(yaml.safe_load_all(_invoke(runner, str(png)).stdout))
    assert list(docs[0]) == [k for k in sf if k != "files"]
    assert list(docs[1]) == list(sf_file)
    assert list(docs[1]["matches"][0]) == [*sf_keys, "confidence", "source"]
    assert docs[1]["matches"][0]["class"] == "Image (Raster)"


def test_yaml_quotes_awkward_names(runner: CliRunner, tree: Path) -> None:
    docs = list(yaml.safe_load_all(_invoke(runner, str(tree)).stdout))
    names = {os.path.basename(d["filename"]) for d in docs[1:]}
    assert {"new\nline.txt", 'comma, "quoted".pdf', "caf\\xe9 latin1.txt"} <= names
    assert all(d["matches"] for d in docs[1:])


def test_hash_column_and_pandas(runner: CliRunner, tree: Path) -> None:
    import hashlib

    frame = _frame(_invoke(runner, str(tree), "--csv", "--hash", "sha256").stdout_bytes)
    png = frame[frame.filename.str.endswith("dot.png")].iloc[0]
    assert png["sha256"] == hashlib.sha256(png_bytes()).hexdigest()
    doc = json.loads(_invoke(runner, str(tree), "--json", "--hash", "crc").stdout)
    files = pd.json_normalize(doc["files"], "matches", ["filename", "filesize", "crc"])
    assert len(files) == 7 and set(files.ns) == {"pronom"}
    empty = files[files.filename.str.endswith("empty.bin")].iloc[0]
    assert (empty.crc, empty.id) == ("00000000", "UNKNOWN")
    assert runner.invoke(app, ["identify", str(tree), "--hash", "blake"]).exit_code != 0


def test_droid_layout_folders_and_parents(runner: CliRunner, tree: Path) -> None:
    out = _invoke(runner, str(tree), "--droid").stdout_bytes
    assert out.splitlines()[0].decode() == ",".join(f'"{c}"' for c in DROID6_HEADER)
    assert list(DROID_COLUMNS) == DROID6_HEADER
    frame = _frame(out)
    ids = dict(zip(frame["FILE_PATH"], frame["ID"], strict=True))
    folders = frame[frame.TYPE == "Folder"]
    assert list(folders.FILE_PATH) == [str(tree), str(tree / "sub"), str(tree / "sub/deeper")]
    top = folders.iloc[0]
    folder_uri = tree.as_uri().replace("file:///", "file:/") + "/"
    got = (top.PARENT_ID, top.URI, top.SIZE, top.FORMAT_COUNT, top.EXTENSION_MISMATCH)
    assert got == ("", folder_uri, "", "", "false")
    png = frame[frame.NAME == "dot.png"].iloc[0]
    assert ids[str(tree / "sub/deeper")] == png.PARENT_ID
    assert (png.METHOD, png.STATUS, png.TYPE, png.EXT, png.FORMAT_COUNT, png.PUID) == (
        "Signature", "Done", "File", "png", "1", "fmt/11")
    text = frame[frame.NAME == "new\nline.txt"].iloc[0]
    assert (text.METHOD, text.PUID) == ("Extension", "x-fmt/111")   # as DROID finds it
    pdf = frame[frame.NAME == 'comma, "quoted".pdf'].iloc[0]
    assert "%2C" in pdf.URI and ids[str(tree)] == pdf.PARENT_ID
    assert set(frame.EXTENSION_MISMATCH) <= {"true", "false"}
    assert set(frame.METHOD) <= {"Signature", "Container", "Extension", ""}
    assert list(frame.ID) == [str(i) for i in range(1, len(frame) + 1)]


def test_droid_extension_candidates_are_extra_rows(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "fake.png").write_bytes(bytes(range(256)) * 4)
    frame = _frame(_invoke(runner, str(tmp_path / "fake.png"), "--droid",
                           "--hash", "md5").stdout_bytes)
    assert "MD5_HASH" in frame.columns
    assert len(frame) > 1 and set(frame.ID) == {"1"}
    assert set(frame.FORMAT_COUNT) == {str(len(frame))} and set(frame.METHOD) == {"Extension"}
    assert "fmt/11" in set(frame.PUID)


def test_archives_in_every_layout(runner: CliRunner, tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "outer.zip", "w") as archive:
        archive.writestr("inner/dot.png", png_bytes())
    csv_out = _frame(_invoke(runner, str(tmp_path), "--csv", "-z").stdout_bytes)
    assert list(csv_out.filename.str.removeprefix(str(tmp_path) + "/")) == [
        "outer.zip", "outer.zip#inner/dot.png"]
    assert list(csv_out.id) == ["x-fmt/263", "fmt/11"]
    droid = _frame(_invoke(runner, str(tmp_path), "--droid", "-z").stdout_bytes)
    by_name = {n: r for n, r in zip(droid.NAME, droid.to_dict("records"), strict=True)}
    assert by_name["outer.zip"]["TYPE"] == "Container"
    assert by_name["inner"]["TYPE"] == "Folder"
    assert by_name["inner"]["PARENT_ID"] == by_name["outer.zip"]["ID"]
    assert by_name["dot.png"]["PARENT_ID"] == by_name["inner"]["ID"]
    assert by_name["dot.png"]["URI"].startswith("zip:file:/")
    assert by_name["dot.png"]["URI"].endswith("outer.zip!/inner/dot.png")


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
    assert runner.invoke(app, ["identify", str(tree), "--csv", "--json"]).exit_code != 0
    assert runner.invoke(app, ["identify"]).exit_code != 0


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "BSF_CONFIG"}
    return subprocess.run([sys.executable, "-m", "bsf", "identify", *args],
                          capture_output=True, env=env, cwd=cwd, timeout=300, check=False)


def test_skips_exit_zero_and_errors_exit_one(tree: Path, tmp_path: Path) -> None:
    (tree / "dangling").symlink_to(tree / "gone")
    (tree / "in_link").symlink_to(tree / "empty.bin")
    (tree / "out_link").symlink_to("/etc")
    (tree / "sub" / "loop").symlink_to(tree)
    os.mkfifo(tree / "pipe")
    proc = _run(str(tree), "--csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(_frame(proc.stdout)) == 7
    assert b"skipped 1 FIFO, 4 symlinks" in proc.stderr
    assert b"\x1b[" not in proc.stderr          # no progress bar when stderr is not a TTY

    quiet = _run(str(tree), "--csv", "-q", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == b""

    missing = _run(str(tree), str(tmp_path / "nope"), "--csv", "-q", cwd=tmp_path)
    assert missing.returncode == 1
    assert b"1 of" in missing.stderr and b"could not be read" in missing.stderr
    frame = _frame(missing.stdout)
    assert frame[frame.filename.str.endswith("nope")].iloc[0]["errors"] == \
        "No such file or directory"
