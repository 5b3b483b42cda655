"""Sample.from_path reads windows through os-level calls: same bytes as the file object did."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from formats.model import Sample


@pytest.mark.parametrize("size", [1, 31, 4095, 4096, 4097, 65536, 65537, 200_000])
def test_windows_equal_the_file(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    for n in (1, 8, 4096, 70_000):
        sample = Sample.from_path(path)
        assert sample.bof(n) == data[:n]
        assert sample.eof(n) == data[-n:]
        assert sample.bof(n) == data[:n]
    sample = Sample.from_path(path)
    assert sample.eof(16) == data[-16:]
    assert sample.read_all() == data
    assert sample.open().read() == data


def test_a_file_that_grew_after_the_stat_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "grows.txt"
    path.write_bytes(b"abc")
    sample = Sample.from_path(path)
    path.write_bytes(b"abcdef")
    assert sample.read_all() == b"abcdef"


def test_a_vanished_file_raises_oserror(tmp_path: Path) -> None:
    path = tmp_path / "gone.bin"
    path.write_bytes(b"x" * 10)
    sample = Sample.from_path(path)
    path.unlink()
    with pytest.raises(OSError):
        sample.bof(4)
