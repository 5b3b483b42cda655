"""Rewritten files keep their mode and owner; new ones get the umask's mode, not 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bsfcore import atomic
from bsfcore.atomic import AtomicFile, atomic_replace, default_file_mode
from bsfcore.errors import BsfError


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("wanted", [0o644, 0o640, 0o604, 0o600, 0o664])
def test_mode_is_kept(tmp_path: Path, wanted: int) -> None:
    target = tmp_path / "registry.xml"
    target.write_bytes(b"old")
    os.chmod(target, wanted)
    atomic_replace(target, b"new")
    assert target.read_bytes() == b"new" and mode(target) == wanted
    assert [p.name for p in tmp_path.iterdir()] == ["registry.xml"]


def test_new_files_get_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        assert default_file_mode() == 0o640
        atomic_replace(tmp_path / "new.xml", b"x")
    finally:
        os.umask(old)
    assert mode(tmp_path / "new.xml") == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_owner_and_group_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "dspace.cfg"
    target.write_bytes(b"old")
    os.chown(target, 4321, 4322)
    atomic_replace(target, b"new")
    st = os.stat(target)
    assert (st.st_uid, st.st_gid) == (4321, 4322)


def test_an_owner_that_cannot_be_kept_leaves_the_file_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "theirs.xml"
    target.write_bytes(b"old")
    real_stat = os.stat

    def theirs(path: object, *args: object, **kw: object) -> os.stat_result:
        st = real_stat(path, *args, **kw)  # type: ignore[arg-type]
        if Path(str(path)) == target:
            values = list(st)
            values[4] = st.st_uid + 1  # another user's file
            return os.stat_result(values)
        return st

    def refuse(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(atomic.os, "stat", theirs)
    monkeypatch.setattr(atomic.os, "chown", refuse)
    with pytest.raises(BsfError, match="keeping its owner and group"):
        atomic_replace(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["theirs.xml"]


def test_a_symlink_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.xml"
    real.write_bytes(b"old")
    os.chmod(real, 0o644)
    link = tmp_path / "link.xml"
    link.symlink_to(real)
    atomic_replace(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new" and mode(real) == 0o644


def test_a_failed_check_or_abort_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "doc.xml"
    target.write_bytes(b"old")

    def bad(tmp: Path) -> None:
        assert tmp.read_bytes() == b"broken"
        raise ValueError("does not load")

    with pytest.raises(ValueError):
        atomic_replace(target, b"broken", check=bad)
    out = AtomicFile(target)
    out.file.write(b"half")
    out.abort()
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["doc.xml"]
