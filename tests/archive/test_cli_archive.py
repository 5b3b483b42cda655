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
