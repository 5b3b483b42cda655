"""`bsf identify --compare`: two runs with different signature data, in every layout."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bsf.main import app
from reports.compare import compare_runs
from reports.results_reader import DROID, SF, read_results

SKELETON = {  # name in the skeleton suite -> (answer with V109, answer with V118)
    "fmt-118-signature-id-120.bmp": ("UNKNOWN", "fmt/118"),
    "fmt-1811-signature-id-2150.v": ("x-fmt/111", "fmt/1811"),
}


@pytest.fixture(scope="module")
def runs(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tree scanned with opf-fido's V109 and with the shared V118, each set in a bsf.cfg."""
    base = tmp_path_factory.mktemp("compare")
    tree = base / "tree"
    tree.mkdir()
    for name in SKELETON:
        shutil.copy(shared_dir / "pronom" / "skeleton-suite" / "fmt" / name, tree / name)
    (tree / "same.txt").write_text("the same answer in both runs\n")
    fido = importlib.util.find_spec("fido")
    assert fido is not None and fido.submodule_search_locations
    v109 = Path(next(iter(fido.submodule_search_locations))) / "conf"
    pronom = shared_dir / "pronom"
    configs = {"old": (v109 / "DROID_SignatureFile-v109.xml",
                       v109 / "container-signature-20200121.xml"),
               "new": (pronom / "DROID_SignatureFile_V118.xml",
                       pronom / "container-signature-20240501.xml")}
    runner = CliRunner()
    out: dict[str, Path] = {}
    for label, (signature, container) in configs.items():
        cfg = base / f"{label}.cfg"
        cfg.write_text(f"formatIdentifier.DROID.signatureFile = {signature}\n"
                       f"formatIdentifier.DROID.containerSignatureFile = {container}\n")
        config = ["--config", str(cfg)]
        for layout, flag in (("csv", "--csv"), ("json", "--json"), ("yaml", None),
                             ("droid", "--droid")):
            args = [*config, "identify", "-q", str(tree)] + ([flag] if flag else [])
            result = runner.invoke(app, args, catch_exceptions=False, env={"BSF_CONFIG": ""})
            assert result.exit_code == 0, result.output
            path = base / f"{label}.{layout}"
            path.write_bytes(result.stdout_bytes)
            out[f"{label}.{layout}"] = path
    head = json.loads(out["new.json"].read_text())["identifiers"][0]["details"]
    assert head == "DROID_SignatureFile_V118.xml; container-signature-20240501.xml"
    return out


@pytest.mark.parametrize(("old", "new"), [("csv", "csv"), ("json", "yaml"), ("yaml", "droid"),
                                          ("droid", "droid"), ("csv", "json")])
def test_changes_and_pairs(runs: dict[str, Path], old: str, new: str) -> None:
    result = compare_runs(read_results(runs[f"old.{old}"]), read_results(runs[f"new.{new}"]))
    changed = {Path(c.filename).name: (c.old_id, c.new_id) for c in result.changes}
    expected = dict(SKELETON.items())
    if old == "droid":   # DROID lists an unknown file's extension candidates, one row each
        bmp = changed["fmt-118-signature-id-120.bmp"][0].split(";")
        assert "fmt/118" in bmp and len(bmp) > 1
        expected["fmt-118-signature-id-120.bmp"] = (";".join(bmp), "fmt/118")
    assert changed == expected
    assert result.unchanged == 1
    assert sorted((p.old_id, p.new_id, p.count) for p in result.pairs) == sorted(
        (a, b, 1) for a, b in expected.values())
    v = next(c for c in result.changes if c.new_id == "fmt/1811")
    assert v.old_basis.startswith("text match") or v.old_basis == "Extension" or not v.old_basis
    assert v.new_basis.startswith("extension match v; byte match") or v.new_basis == "Signature"


def test_cli_csv_and_table(runs: dict[str, Path]) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["identify", "--compare", str(runs["old.json"]),
                              str(runs["new.droid"]), "--csv"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert {r["new_id"] for r in rows} == {"fmt/118", "fmt/1811"}
    assert {r["new_basis"] for r in rows} == {"Signature"}             # DROID's METHOD
    pairs = runner.invoke(app, ["identify", "--compare", str(runs["old.csv"]),
                                str(runs["new.csv"]), "--csv", "--pairs"])
    assert pairs.stdout.splitlines()[0] == "old_id,old_format,new_id,new_format,count"
    assert len(pairs.stdout.splitlines()) == 3
    table = runner.invoke(app, ["identify", "--compare", str(runs["old.yaml"]),
                                str(runs["new.yaml"])])
    assert table.exit_code == 0 and "2 files changed, 1 unchanged" in table.stdout
    assert "UNKNOWN → fmt/118" in table.stdout


def test_reads_siegfrieds_own_json(runs: dict[str, Path], tmp_path: Path) -> None:
    import pygfried

    tree = Path(read_results(runs["old.csv"]).answers.__iter__().__next__()).parent
    sf = tmp_path / "sf.json"
    sf.write_text(json.dumps(pygfried.identify_dir(str(tree), recursive=True)))
    ours = read_results(runs["new.csv"])
    theirs = read_results(sf)
    assert theirs.layout == SF and set(theirs.answers) == set(ours.answers)
    assert theirs.answers[str(tree / "same.txt")].id == "x-fmt/111"
    assert compare_runs(theirs, ours).unchanged >= 1


def test_reader_layouts_and_errors(tmp_path: Path) -> None:
    sf_two = tmp_path / "two.csv"   # sf with two identifiers: match groups side by side
    sf_two.write_text("filename,filesize,modified,errors,namespace,id,format,version,mime,basis,"
                      "warning,namespace,id,format,mime,basis,warning\n"
                      "a.txt,1,,,pronom,x-fmt/111,Plain,,text/plain,b,,tika,text/plain,,,,\n")
    assert read_results(sf_two).answers["a.txt"].id == "tika:text/plain;x-fmt/111"
    droid = tmp_path / "d.csv"
    droid.write_text('"ID","PARENT_ID","URI","FILE_PATH","NAME","METHOD","STATUS","SIZE","TYPE",'
                     '"EXT","LAST_MODIFIED","EXTENSION_MISMATCH","HASH","FORMAT_COUNT","PUID",'
                     '"MIME_TYPE","FORMAT_NAME","FORMAT_VERSION"\n'
                     '"1","","file:/d/","/d","d","","Done","","Folder","","","false","","",'
                     '"","","",""\n'
                     '"2","1","file:/d/x","/d/x","x","Extension","Done","1","File","","",'
                     '"false","","2","fmt/1","","A",""\n'
                     '"2","1","file:/d/x","/d/x","x","Extension","Done","1","File","","",'
                     '"false","","2","DSpace:Text","","B",""\n')
    got = read_results(droid)
    assert got.layout == DROID and list(got.answers) == ["/d/x"]
    assert got.answers["/d/x"].id == "dspace:Text;fmt/1"
    bad = tmp_path / "bad.csv"
    bad.write_text("what,ever\n1,2\n")
    from bsfcore.errors import InputError

    with pytest.raises(InputError, match="not a results file"):
        read_results(bad)
    with pytest.raises(InputError, match="cannot read results"):
        read_results(tmp_path / "missing.json")
