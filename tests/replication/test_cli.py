"""`bsf replicate ...` and `bsf archive delete` through the real typer app (both databases)."""

from __future__ import annotations

from pathlib import Path

import bagit
import pytest
from rich.console import Console
from sqlalchemy import Engine, select
from typer.testing import CliRunner

import bsf.commands.archive_delete as delete_cli
import bsf.commands.replicate as replicate_cli
from archive.assetstore import AssetStore
from archive.queries import resolve_handle
from archive.schema import T16 as T
from bsf.main import app
from bsfcore.errors import BsfError
from replication.store import LocalObjectStore, StoreConfig
from tests.replication.builder import SmallArchive

runner = CliRunner()


@pytest.fixture
def cli(engine: Engine, small: SmallArchive, tmp_path: Path, store_config: StoreConfig,
        monkeypatch: pytest.MonkeyPatch):
    for module in (replicate_cli, delete_cli):
        monkeypatch.setattr(module, "err_console", Console(width=250, stderr=True))
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"replicate.store.dir = {store_config.store_dir}\n"
                   "replicate.packer.options = validate=false\n"
                   "replicate.eperson = admin@example.org\n")
    url = engine.url.render_as_string(hide_password=False)

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, ["--config", str(cfg), "--db", url, "--assetstore",
                                   str(tmp_path / "assetstore"), *args], input=input)
    return invoke


def test_sync_delete_status_remove(cli, engine: Engine, small: SmallArchive,
                                   store_config: StoreConfig, tmp_path: Path) -> None:
    first = cli("replicate", "sync", "--workers", "2")
    assert first.exit_code == 0, first.output
    assert first.stdout.count("transmitted\t") == 9  # the SITE AIP too
    assert "transmitted\tSITE@123456789-0.zip" in first.stdout
    assert "9 transmitted, 0 unchanged" in first.stderr
    again = cli("replicate", "sync")
    assert again.stdout == "" and "0 transmitted, 9 unchanged" in again.stderr

    refused = cli("archive", "delete", small.alpha, input="n\n")
    assert refused.exit_code != 0
    with engine.connect() as conn:
        assert resolve_handle(conn, small.alpha) is not None
    deleted = cli("archive", "delete", small.alpha, "-u")
    assert deleted.exit_code == 0, deleted.output
    assert f"deleted\tCOLLECTION\t{small.alpha}" in deleted.stdout

    after = cli("replicate", "sync")
    assert "deletion-record\tDELETION-RECORD@123456789-2.zip" in after.stdout
    status = cli("replicate", "status", "--verify")
    assert status.exit_code == 0, status.output
    assert "deletion-record\tDELETION-RECORD@123456789-2.zip" in status.stdout
    assert "group\taip-store\t9 objects" in status.stdout

    bag = cli("replicate", "restore-bag", small.alpha_items[0], "--dest", str(tmp_path / "bags"))
    assert bag.exit_code == 0, bag.output
    bagit.Bag(bag.stdout.strip()).validate()

    restored = cli("replicate", "restore", small.alpha)
    assert restored.exit_code == 0, restored.output
    assert f"restored\t{small.alpha}" in restored.stdout
    assert "removed DELETION-RECORD@123456789-2.zip" in restored.stderr
    with engine.connect() as conn:
        assert resolve_handle(conn, small.alpha_items[0]) is not None
    # delete it again; the next sync writes a fresh record
    assert cli("archive", "delete", small.alpha, "-u").exit_code == 0
    assert "deletion-record\tDELETION-RECORD@123456789-2.zip" in cli("replicate", "sync").stdout

    store = LocalObjectStore(store_config.store_dir)
    kept = cli("replicate", "remove", small.alpha, input="n\n")
    assert kept.exit_code != 0 and "cannot be undone" in kept.stderr
    assert store.exists(store_config.aip_group, "COLLECTION@123456789-2.zip")
    removed = cli("replicate", "remove", small.alpha, "-u")
    assert removed.exit_code == 0, removed.output
    assert sorted(removed.stdout.split()) == sorted([
        "removed", "aip-store/COLLECTION@123456789-2.zip",
        "removed", "aip-store/ITEM@123456789-4.zip",
        "removed", "aip-store/ITEM@123456789-5.zip",
        "removed", "deletions/DELETION-RECORD@123456789-2.zip"])
    assert store.names(store_config.delete_group) == []
    assert "ITEM@123456789-6.zip" in store.names(store_config.aip_group)  # not a member
    clean = cli("replicate", "status", "--verify")
    assert clean.exit_code == 0, clean.output


def test_bad_input_gets_a_clear_error(cli, store_config: StoreConfig) -> None:
    for args in (("replicate", "restore-bag", "123456789/404", "--dest", "x"),
                 ("replicate", "remove", "123456789/404", "-u"),
                 ("archive", "delete", "123456789/404", "-u"),
                 ("replicate", "sync", "--handle", "123456789/404")):
        result = cli(*args)
        assert isinstance(result.exception, BsfError), (args, result.output)
        assert "123456789/404" in str(result.exception)


def test_failures_and_a_corrupt_replica(cli, engine: Engine, small: SmallArchive,
                                        store_config: StoreConfig, tmp_path: Path) -> None:
    # one item's asset file is missing: that item fails, the others are sent
    with engine.connect() as conn:
        internal = conn.execute(select(T.bitstream.c.internal_id).where(
            T.bitstream.c.bitstream_id == small.bitstreams[small.items[1]][0])).scalar_one()
    asset = AssetStore({0: tmp_path / "assetstore"}).path(internal)
    data = asset.read_bytes()
    asset.unlink()
    first = cli("replicate", "sync")
    assert first.exit_code == 1
    assert first.stdout.count("transmitted\t") == 8
    assert f"failed\t{small.items[1]}\t" in first.stdout and "is missing" in first.stdout
    failing = cli("replicate", "status")
    assert failing.exit_code == 1 and f"failed\ttransmit\t{small.items[1]}" in failing.stdout
    asset.write_bytes(data)
    second = cli("replicate", "sync")
    assert second.exit_code == 0 and second.stdout == "transmitted\tITEM@123456789-5.zip\n"
    assert cli("replicate", "status").exit_code == 0  # the old failure is history
    path = store_config.store_dir / store_config.aip_group / "ITEM@123456789-7.zip"
    good = path.read_bytes()
    stamp = path.stat()
    path.write_bytes(good[:-1] + b"!")
    quick = cli("replicate", "status")  # the rewrite moved the file's change token
    assert quick.exit_code == 1 and "checksum-mismatch\taip-store/ITEM@123456789-7.zip" in \
        quick.stdout
    import os

    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # bit rot keeps the mtime
    assert cli("replicate", "status").exit_code == 0  # same size, same token: looks intact
    result = cli("replicate", "status", "--verify", "--json")
    assert result.exit_code == 1
    assert "aip-store/ITEM@123456789-7.zip" in result.stdout
    assert '"clean": false' in result.stdout
    # sync --verify agrees with status --verify and sends the good AIP again
    repaired = cli("replicate", "sync", "--verify")
    assert repaired.exit_code == 0, repaired.output
    assert "damaged\taip-store/ITEM@123456789-7.zip\tcorrupt" in repaired.stdout
    assert "transmitted\tITEM@123456789-7.zip" in repaired.stdout
    assert path.read_bytes() == good
    assert cli("replicate", "status", "--verify").exit_code == 0


def test_restore_site_from_the_store_alone(cli, engine: Engine, small: SmallArchive,
                                           store_config: StoreConfig, tmp_path: Path) -> None:
    assert cli("replicate", "sync").exit_code == 0
    both = cli("replicate", "restore", small.alpha, "--site")
    assert isinstance(both.exception, BsfError) and "HANDLE or --site" in str(both.exception)
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    (tmp_path / "assets2").mkdir()
    cfg = tmp_path / "bsf.cfg"

    def invoke(*args: str):
        return runner.invoke(app, ["--config", str(cfg), "--db", fresh, "--assetstore",
                                   str(tmp_path / "assets2"), *args])

    assert invoke("archive", "init", "--renovated", "--admin", "admin@example.org"
                  ).exit_code == 0
    restored = invoke("replicate", "restore", "--site", "--eperson", "admin@example.org")
    assert restored.exit_code == 0, restored.output
    lines = restored.stdout.splitlines()
    assert lines[0] == "restored\tSITE\t123456789/0"
    assert {f"restored\t{h}" for h in (small.alpha, small.beta, *small.items)} <= set(lines)
    # the rebuilt archive's AIPs are the stored ones, byte for byte: nothing to send
    again = invoke("replicate", "sync")
    assert again.exit_code == 0 and again.stdout == "", again.output
    assert "0 transmitted, 9 unchanged" in again.stderr
