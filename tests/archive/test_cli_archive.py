from pathlib import Path

from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from archive.schema import T15
from bsf.main import app


def test_archive_init_cli(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{db}", "archive", "init"])
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(T15.bitstreamformatregistry))
        assert count.scalar() == 73
    engine.dispose()


def test_create_demo_cli(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    store = tmp_path / "store"
    store.mkdir()
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{db}", "--assetstore", str(store),
                                      "archive", "create-demo", "--items", "12", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "12 items" in result.output
    assert any(store.rglob("*"))
