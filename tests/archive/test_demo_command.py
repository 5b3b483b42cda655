from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from archive.demo.people import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, dspace15_password_hash
from archive.demo.site import LEGACY_MARKER, MARKER, MARKER_NAME, prepare_demo_site
from archive.init import ADMIN_GROUP_ID
from archive.schema import T15
from bsf.main import app
from bsfcore.errors import BsfError
from registries.dsr import load_registry_document


def test_bsf_demo_builds_and_rebuilds_its_own_folder(tmp_path: Path) -> None:
    target = tmp_path / "site"
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--dir", str(target), "--items", "15",
                                 "--archive-only"], env={"BSF_CONFIG": ""})
    assert result.exit_code == 0, result.output
    assert str(target / "bsf.cfg") in result.output
    assert (target / MARKER_NAME).read_text().startswith(MARKER)
    assert f"{DEMO_ADMIN_EMAIL}, password {DEMO_ADMIN_PASSWORD}" in result.output
    engine = create_engine(f"sqlite:///{target / 'archive.db'}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(T15.item)).scalar() == 15
    engine.dispose()
    (target / "leftover.txt").write_text("made by the tour")

    # The README's first command, run a second time: the folder is rebuilt, not refused.
    again = runner.invoke(app, ["demo", "--dir", str(target), "--items", "12",
                                "--archive-only"], env={"BSF_CONFIG": ""})
    assert again.exit_code == 0, again.output
    assert not (target / "leftover.txt").exists()
    engine = create_engine(f"sqlite:///{target / 'archive.db'}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(T15.item)).scalar() == 12
    engine.dispose()
    # The config it wrote works for every other command.
    init = runner.invoke(app, ["--config", str(target / "bsf.cfg"), "archive", "init"])
    assert "already holds an archive" in str(init.exception)


def test_demo_site_never_deletes_foreign_folders(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(BsfError, match="not a bsf demo folder"):
        prepare_demo_site(tmp_path)
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    # a bsf.cfg that merely looks like a demo's is not enough; nor a marker that is a symlink
    (tmp_path / "bsf.cfg").write_text("# bsf demo site, honest\n")
    fake = tmp_path / "elsewhere"
    fake.write_text(MARKER)
    (tmp_path / MARKER_NAME).symlink_to(fake)
    with pytest.raises(BsfError, match="not a bsf demo folder"):
        prepare_demo_site(tmp_path)
    assert (tmp_path / "precious.txt").exists()
    site = prepare_demo_site(tmp_path / "empty")
    assert site.settings().db_url == f"sqlite:///{tmp_path / 'empty' / 'archive.db'}"
    assert site.settings().assetstore_dirs() == {0: tmp_path / "empty" / "assetstore"}


def test_demo_site_recognises_an_older_demo_folder(tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    (old / "bsf.cfg").write_text(f"{LEGACY_MARKER}\ndspace.dir = {old}\n")
    (old / "archive.db").write_bytes(b"")
    site = prepare_demo_site(old)
    assert not (old / "archive.db").exists() and site.marker.is_file()


def test_demo_has_an_administrator_and_a_writable_provisional_registry(tmp_path: Path) -> None:
    target = tmp_path / "site"
    result = CliRunner().invoke(app, ["demo", "--dir", str(target), "--items", "30",
                                      "--archive-only"], env={"BSF_CONFIG": ""})
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{target / 'archive.db'}")
    ep, member = T15.eperson, T15.epersongroup2eperson
    with engine.connect() as conn:
        admin = conn.execute(select(ep).where(ep.c.email == DEMO_ADMIN_EMAIL)).one()
        groups = conn.execute(select(member.c.eperson_group_id)
                              .where(member.c.eperson_id == admin.eperson_id)).scalars().all()
        htm = conn.execute(select(func.count()).select_from(T15.bitstream)
                           .where(T15.bitstream.c.name.like("%.htm"))).scalar()
    engine.dispose()
    # DSpace 1.5's EPerson.setPassword: unsalted MD5 as 32 lower-case hex digits
    assert admin.password == dspace15_password_hash(DEMO_ADMIN_PASSWORD)
    # md5sum of the password, as a shell computes it
    assert admin.password == "6a4c3db4c247574e811dcf85077ffe73"
    assert groups == [ADMIN_GROUP_ID]
    assert htm >= 1  # the .htm pages of the instructions' recipe
    provisional = target / "provisional-formats.xml"
    assert list(load_registry_document(provisional, "Provisional", validate=True)) == []
    assert "formatRegistry.Provisional.document = ${dspace.dir}/provisional-formats.xml" in (
        target / "bsf.cfg").read_text()


def test_demo_refuses_an_assetstore_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--assetstore", str(tmp_path), "demo", "--dir",
                                      str(tmp_path / "d"), "--archive-only"])
    assert result.exit_code != 0
    assert "leave out --assetstore" in str(result.exception)


def test_bsf_demo_runs_the_mission(tmp_path: Path) -> None:
    """The default `bsf demo`: archive, Upgrade15To16 to the end, AIP export; afterwards the
    reports still show old → new (the record phase 3 kept)."""
    target = tmp_path / "site"
    runner = CliRunner()
    result = runner.invoke(app, ["--quiet", "demo", "--dir", str(target), "--items", "12"],
                           env={"BSF_CONFIG": ""})
    assert result.exit_code == 0, result.output
    assert "Phase 3 finished" in result.output
    assert (target / "report.out").stat().st_size > 0
    assert any((target / "aips").glob("SITE@*.zip"))
    assert "AIPs:" in result.output
    cfg = str(target / "bsf.cfg")
    summary = runner.invoke(app, ["--config", cfg, "report", "summary", "--html",
                                  str(tmp_path / "s.html")])
    assert summary.exit_code == 0, summary.output
    assert "(no old format)" not in summary.output
    assert "(no old format)" not in (tmp_path / "s.html").read_text()
    report = runner.invoke(app, ["--config", cfg, "report", "-v"])
    before = sorted(x for x in (target / "report.out").read_text().splitlines()
                    if x.startswith("BITSTREAM"))
    after = sorted(x for x in report.output.splitlines() if x.startswith("BITSTREAM"))
    assert after == before
