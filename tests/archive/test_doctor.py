"""bsf doctor: every check's green case on a working archive, and each red case with its fix."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from archive.doctor import (
    check_assetstores,
    check_configuration,
    check_database,
    check_disk,
    check_libmagic,
    check_lock,
    check_schema,
    check_signatures,
    run_checks,
)
from archive.init import init_archive
from archive.lock import archive_lock
from bsf.main import app
from bsfcore.errors import BsfError
from bsfcore.settings import load_settings
from registries.config import load_format_config


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bsf.cfg"
    path.write_text(text, encoding="utf-8")
    return path


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_working_archive_is_all_green(engine: Engine, tmp_path: Path) -> None:
    init_archive(engine)
    (tmp_path / "store").mkdir()
    report = run_checks(lambda: load_settings(None, db=_url(engine),
                                              assetstore=tmp_path / "store"),
                        report_dir=tmp_path)
    names = [c.name for c in report.checks]
    assert names == ["configuration", "database", "schema", "asset store 0", "DROID signatures",
                     "container signatures", "libmagic", "archive lock", "disk space"]
    assert report.ok, [c for c in report.checks if not c.ok]
    schema = next(c for c in report.checks if c.name == "schema")
    assert "DSpace 1.5 schema, before phase 0" in schema.detail
    assert all(c.fix is None for c in report.checks)


def test_configuration_red(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "db.url = sqlite:///x.db\nformatRegistry.Bogus.document = x\n")
    check, settings, formats = check_configuration(lambda: load_settings(cfg))
    assert not check.ok and settings is None and formats is None
    assert "bsf.cfg:2" in check.detail and check.fix


def test_database_red_cases(tmp_path: Path) -> None:
    missing = load_settings(None, db=f"sqlite:///{tmp_path / 'nothing.db'}")
    check, engine = check_database(missing)
    assert not check.ok and engine is None and "does not exist" in check.detail
    assert not (tmp_path / "nothing.db").exists()  # the doctor never creates a database
    check, _ = check_database(load_settings(None))
    assert not check.ok and "no archive database configured" in check.detail and check.fix
    check, _ = check_database(load_settings(None, db="postgresql://nobody@127.0.0.1:1/none"))
    assert not check.ok and "cannot connect" in check.detail
    assert check.fix is not None and "start the database server" in check.fix


def test_schema_red_and_phases(engine: Engine) -> None:
    empty = check_schema(engine)
    assert not empty.ok and "no DSpace tables" in empty.detail and empty.fix
    init_archive(engine)
    assert check_schema(engine).ok


def test_assetstore_red(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    cfg = _config(tmp_path, f"assetstore.dir = {tmp_path / 'absent'}\n"
                            f"assetstore.dir.1 = {afile}\nassetstore.dir.2 = {tmp_path}\n")
    checks = list(check_assetstores(load_settings(cfg)))
    assert [(c.name, c.ok) for c in checks] == [
        ("asset store 0", False), ("asset store 1", False), ("asset store 2", True)]
    assert "does not exist" in checks[0].detail and "assetstore.dir" in str(checks[0].fix)
    assert "not a folder" in checks[1].detail and "assetstore.dir.1" in str(checks[1].fix)


def test_signature_red(tmp_path: Path) -> None:
    broken = tmp_path / "DROID_SignatureFile_V999.xml"
    broken.write_text("<FFSignatureFile><unclosed></FFSignatureFile>")
    box = tmp_path / "container-signature-29990101.xml"
    box.write_text("not xml at all")
    cfg = _config(tmp_path, f"formatIdentifier.DROID.signatureFile = {broken}\n"
                            f"formatIdentifier.DROID.containerSignatureFile = {box}\n")
    checks = list(check_signatures(load_format_config(load_settings(cfg))))
    assert [(c.name, c.ok) for c in checks] == [("DROID signatures", False),
                                                ("container signatures", False)]
    assert all(c.fix and "formatIdentifier.DROID" in c.fix for c in checks)
    assert str(broken) in checks[0].detail or broken.name in checks[0].detail
    # the default data loads and names its version
    defaults = list(check_signatures(load_format_config(load_settings(None))))
    assert all(c.ok for c in defaults) and defaults[0].detail.startswith("V")
    dspace_only = _config(tmp_path, "plugin.named.org.dspace.content.format.FormatRegistry = "
                                    "DSpace\n")
    only = list(check_signatures(load_format_config(load_settings(dspace_only))))
    assert len(only) == 1 and only[0].ok and "not configured" in only[0].detail


def _no_magic() -> object:
    raise BsfError("libmagic could not be loaded (test)")


def test_libmagic_red_only_when_needed(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "plugin.named.org.dspace.content.format.FormatRegistry = DSpace\n")
    needs = load_format_config(load_settings(cfg))
    red = check_libmagic(needs, opener=_no_magic)
    assert not red.ok and red.fix is not None and "libmagic1" in red.fix
    pronom = load_format_config(load_settings(None))
    assert check_libmagic(pronom, opener=_no_magic).ok
    assert check_libmagic(needs).ok  # the real one is installed here


def test_lock_red_while_a_step_runs(engine: Engine) -> None:
    init_archive(engine)
    assert check_lock(engine).ok
    with archive_lock(engine, "phase1"):
        held = check_lock(engine)
    assert not held.ok and "phase1" in held.detail and held.fix
    assert check_lock(engine).ok


def test_disk_red(tmp_path: Path) -> None:
    assert check_disk(tmp_path, 10).ok
    red = check_disk(tmp_path, 10**15)  # a petabyte of report lines
    assert not red.ok and "free at least" in str(red.fix) and "bsf report -o" in str(red.fix)
    gone = check_disk(tmp_path / "absent", 10)
    assert not gone.ok and gone.fix


def test_cli_exit_code_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'none.db'}", "doctor", "--json",
                              "--reports", str(tmp_path)], env={"BSF_CONFIG": ""})
    assert bad.exit_code == 1
    data = json.loads(bad.stdout)
    assert data["ok"] is False
    database = next(c for c in data["checks"] if c["name"] == "database")
    assert database["ok"] is False and database["fix"]
    text = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'none.db'}", "doctor"],
                         env={"BSF_CONFIG": "", "COLUMNS": "80"})
    assert text.exit_code == 1
    assert "FAIL database" in text.stdout and "fix: correct db.url" in text.stdout
    assert "checks failed" in text.stdout
