from pathlib import Path

from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from archive.demo.site import MARKER, prepare_demo_site
from archive.schema import T15
from bsf.main import app


def test_bsf_demo_builds_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "site"
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--dir", str(target), "--items", "15",
                                 "--archive-only"], env={"BSF_CONFIG": ""})
    assert result.exit_code == 0, result.output
    assert str(target / "bsf.cfg") in result.output
    assert (target / "bsf.cfg").read_text().startswith(MARKER)
    engine = create_engine(f"sqlite:///{target / 'archive.db'}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(T15.item)).scalar() == 15
    engine.dispose()

    again = runner.invoke(app, ["demo", "--dir", str(target), "--items", "15",
                                "--archive-only"])
    assert again.exit_code != 0
    assert "--force" in str(again.exception)

    forced = runner.invoke(app, ["demo", "--dir", str(target), "--items", "12", "--force",
                                 "--archive-only"])
    assert forced.exit_code == 0, forced.output
    # The config it wrote works for every other command.
    init = runner.invoke(app, ["--config", str(target / "bsf.cfg"), "archive", "init"])
    assert "already holds an archive" in str(init.exception)


def test_demo_site_never_deletes_foreign_folders(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    try:
        prepare_demo_site(tmp_path, force=True)
    except Exception as exc:
        assert "not a bsf demo folder" in str(exc)
    else:
        raise AssertionError("a foreign folder was accepted")
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    site = prepare_demo_site(tmp_path / "empty")
    assert site.settings().db_url == f"sqlite:///{tmp_path / 'empty' / 'archive.db'}"
    assert site.settings().assetstore_dirs() == {0: tmp_path / "empty" / "assetstore"}


def test_bsf_demo_runs_the_mission(tmp_path: Path) -> None:
    """The default `bsf demo`: archive, Upgrade15To16 to the end, AIP export."""
    target = tmp_path / "site"
    result = CliRunner().invoke(app, ["--quiet", "demo", "--dir", str(target), "--items", "12"],
                                env={"BSF_CONFIG": ""})
    assert result.exit_code == 0, result.output
    assert "Phase 3 finished" in result.output
    assert (target / "report.out").stat().st_size > 0
    assert any((target / "aips").glob("SITE@*.zip"))
    assert "AIPs:" in result.output
