"""A FIFO, device or socket where an asset file should be: reported as an unreadable asset by
cleanup and phase 2, never opened (a FIFO would block) and never given a format."""

from __future__ import annotations

import io
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.assetstore import AssetStore
from archive.schema import T15, T16
from bsfcore.errors import AssetError
from formats.model import NotRegularFile, Sample
from tests.upgrade.helpers import build_archive
from upgrade.assets import check_readable
from upgrade.runner import run_step


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _device(path: Path) -> None:
    path.symlink_to("/dev/zero")  # a character device that never ends


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    held: list[socket.socket] = []

    def make(path: Path) -> None:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        held.append(sock)

    yield make
    for sock in held:
        sock.close()


KINDS = {"FIFO": (_fifo, "a FIFO"), "device": (_device, "a character device")}


def _replace_asset(engine, store_dir: Path, bitstream_id: int,  # type: ignore[no-untyped-def]
                   make: Callable[[Path], None]) -> Path:
    with engine.connect() as conn:
        internal_id = conn.execute(select(T15.bitstream.c.internal_id).where(
            T15.bitstream.c.bitstream_id == bitstream_id)).scalar_one()
    path = AssetStore({0: store_dir}).path(internal_id, 0)
    path.unlink()
    make(path)
    return path


@pytest.mark.parametrize("kind", [*KINDS, "socket"])
def test_samples_and_checks_never_open_them(tmp_path: Path, kind: str, unix_socket) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "asset"
    make, name = KINDS.get(kind, (unix_socket, "a socket"))
    make(path)
    with pytest.raises(NotRegularFile, match=f"not a regular file \\({name}\\)"):
        Sample.from_path(path, "x.pdf")
    assert check_readable(path) == f"not a regular file ({name})"


@pytest.mark.parametrize("kind", KINDS)
def test_cleanup_reports_and_marks_them(engine, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    arch = build_archive(engine, tmp_path / "assets")
    bid = arch.ids["pdf"]
    _replace_asset(engine, arch.store_dir, bid, KINDS[kind][0])
    log: list[str] = []
    run_step("cleanup", arch.context(out=io.StringIO(), log=log.append, dry_run=True))
    assert any(f"Bitstream id={bid} has missing or unreadable asset file" in line
               and f"not a regular file ({KINDS[kind][1]})" in line for line in log)
    with engine.connect() as conn:
        assert not conn.execute(select(T15.bitstream.c.deleted).where(
            T15.bitstream.c.bitstream_id == bid)).scalar_one()
    run_step("cleanup", arch.context(out=io.StringIO(), log=log.append))
    with engine.connect() as conn:
        assert conn.execute(select(T15.bitstream.c.deleted).where(
            T15.bitstream.c.bitstream_id == bid)).scalar_one()


@pytest.mark.parametrize("kind", KINDS)
def test_phase2_stops_at_them_and_records_no_format(engine, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                    kind: str) -> None:
    arch = build_archive(engine, tmp_path / "assets")
    bid = arch.ids["txt"]
    run_step("phase0", arch.context(out=io.StringIO()))
    _replace_asset(engine, arch.store_dir, bid, KINDS[kind][0])
    with pytest.raises(AssetError, match=rf"Bitstream id={bid} has a missing or unreadable "
                                         rf"asset file \(not a regular file \({KINDS[kind][1]}\)"):
        run_step("phase2", arch.context(out=io.StringIO(), batch_size=100))
    with engine.connect() as conn:
        row = conn.execute(select(T16.bitstream.c.bitstream_format_id,
                                  T16.bitstream.c.format_source).where(
            T16.bitstream.c.bitstream_id == bid)).one()
    assert tuple(row) == (None, None)
