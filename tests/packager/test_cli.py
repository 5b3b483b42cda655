"""``bsf packager`` with the seeds' flags, through the real typer app."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bsf.main import app
from bsfcore.errors import BsfError
from tests.packager.builder import ADMIN
from tests.packager.conftest import write_config

runner = CliRunner()


def _bsf(db: str, store: Path, config: Path, *args: str):
    return runner.invoke(app, ["--db", db, "--assetstore", str(store), "--config", str(config),
                               *args])


def test_export_and_full_site_restore(lite_site, shared_dir, tmp_path) -> None:
    site = lite_site
    config = write_config(tmp_path / "bsf.cfg", shared_dir / "schemas")
    db = str(site.engine.url)
    out = tmp_path / "backup"
    res = _bsf(db, site.tmp / "store", config, "packager", "-d", "-a", "-t", "AIP", "-e", ADMIN,
               "-i", "123456789/0", str(out / "sitewide-aip.zip"))
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert len(lines) == 9 and all(Path(line.split("  ", 1)[1]).is_file() for line in lines)
    first = sorted(line.split("  ")[0] for line in lines)

    target_db = f"sqlite:///{tmp_path / 'fresh.db'}"
    store2 = tmp_path / "store2"
    store2.mkdir()
    res = _bsf(target_db, store2, config, "archive", "init", "--renovated", "--admin", ADMIN)
    assert res.exit_code == 0, res.output
    res = _bsf(target_db, store2, config, "packager", "-r", "-a", "-t", "AIP", "-e", ADMIN,
               str(out / "sitewide-aip.zip"))
    assert isinstance(res.exception, BsfError)
    assert "Group Administrator already exists" in str(res.exception)
    res = _bsf(target_db, store2, config, "packager", "-r", "-a", "-f", "-u", "-t", "AIP",
               "-e", ADMIN, "-i", "123456789/0", "-o", "skipIfParentMissing=true",
               "-o", "validate=true", str(out / "sitewide-aip.zip"))
    assert res.exit_code == 0, res.output
    assert res.stdout.count("created ITEM") == 4
    res = _bsf(target_db, store2, config, "packager", "-d", "-a", "-t", "AIP", "-e", ADMIN,
               "-i", "123456789/0", str(tmp_path / "again" / "sitewide-aip.zip"))
    assert sorted(line.split("  ")[0] for line in res.stdout.splitlines()) == first


def test_flag_errors(lite_site, tmp_path) -> None:
    site = lite_site
    config = write_config(tmp_path / "bsf.cfg", None)
    db = str(site.engine.url)
    for args, message in (
        (["-k", "-t", "AIP", "-e", ADMIN, "x.zip"], "-k and -f need -r"),
        (["-r", "-k", "-f", "-t", "AIP", "-e", ADMIN, "x.zip"], "cannot be combined"),
        (["-d", "-t", "AIP", "-e", ADMIN, "x.zip"], "-i HANDLE is required"),
        (["-d", "-t", "METS", "-e", ADMIN, "x.zip"], "-t AIP is required"),
        (["-d", "-t", "AIP", "-i", "123456789/0", "x.zip"], "-e EPERSON is required"),
        (["-d", "-t", "AIP", "-e", ADMIN, "-i", "123456789/0", "-o", "bogus=1", "x.zip"],
         "unknown packager option"),
        (["-s", "-t", "AIP", "-e", ADMIN, "-o", "passwords=true", "x.zip"], "export-only"),
    ):
        res = _bsf(db, site.tmp / "store", config, "packager", *args)
        assert isinstance(res.exception, BsfError), (args, res.output)
        assert message in str(res.exception), (args, str(res.exception))


def test_submit_with_install_flag(lite_site, tmp_path) -> None:
    site = lite_site
    config = write_config(tmp_path / "bsf.cfg", None)
    db = str(site.engine.url)
    item = tmp_path / "one.zip"
    res = _bsf(db, site.tmp / "store", config, "packager", "-d", "-t", "AIP", "-e", ADMIN,
               "-i", site.built.handles["item1"], str(item))
    assert res.exit_code == 0, res.output
    res = _bsf(db, site.tmp / "store", config, "packager", "-s", "-w", "-t", "AIP", "-e", ADMIN,
               "-p", site.built.handles["colB"], str(item))
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("created ITEM 123456789/")


def test_cron_export_into_a_missing_folder_and_documented_output(lite_site, tmp_path) -> None:
    site = lite_site
    config = write_config(tmp_path / "bsf.cfg", None)
    db = str(site.engine.url)
    backups = tmp_path / "cron" / "backups"
    res = _bsf(db, site.tmp / "store", config, "packager", "-u", "-d", "-a", "-t", "AIP", "-e",
               ADMIN, "-i", "123456789/0", str(backups) + "/")
    assert res.exit_code == 0, res.output
    assert backups.is_dir() and (backups / "SITE@123456789-0.zip").is_file()
    assert len(list(backups.iterdir())) == 9
    assert sorted(p.name for p in (tmp_path / "cron").iterdir()) == ["backups"]
    # updatedAfter: one summary line, none with -q
    args = ["packager", "-d", "-a", "-t", "AIP", "-e", ADMIN, "-i", "123456789/0", "-o",
            "updatedAfter=2030-01-01T00:00:00Z", str(tmp_path / "inc") + "/"]
    loud = _bsf(db, site.tmp / "store", config, *args)
    assert loud.exit_code == 0 and loud.stderr.count("updatedAfter") == 1
    quiet = runner.invoke(app, ["-q", "--db", db, "--assetstore", str(site.tmp / "store"),
                                "--config", str(config), *args])
    assert quiet.exit_code == 0 and "updatedAfter" not in quiet.stderr
    # a full site restore names the SITE object too
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    (tmp_path / "s2").mkdir()
    assert _bsf(fresh, tmp_path / "s2", config, "archive", "init", "--renovated", "--admin",
                ADMIN).exit_code == 0
    res = _bsf(fresh, tmp_path / "s2", config, "packager", "-r", "-a", "-f", "-u", "-t", "AIP",
               "-e", ADMIN, "-i", "123456789/0", "-o", "skipIfParentMissing=true",
               str(backups / "SITE@123456789-0.zip"))
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == "replaced SITE 123456789/0"


def test_help_lists_the_aip_options_and_errors_have_no_location_prefix(lite_site,
                                                                       tmp_path) -> None:
    res = runner.invoke(app, ["packager", "-h", "-t", "AIP"])
    assert res.exit_code == 0
    for key in ("createMetadataFields", "filterBundles", "ignoreHandle", "ignoreParent",
                "includeBundles", "manifestOnly", "passwords", "skipIfParentMissing",
                "unauthorized", "updatedAfter", "validate"):
        assert key in res.stdout, key
    site = lite_site
    config = write_config(tmp_path / "bsf.cfg", None)
    res = _bsf(str(site.engine.url), site.tmp / "store", config, "packager", "-d", "-t", "AIP",
               "-e", ADMIN, "-i", "123456789/0", "-o", "bogus=1", "x.zip")
    assert isinstance(res.exception, BsfError)
    assert str(res.exception).startswith("-o bogus: unknown packager option")
