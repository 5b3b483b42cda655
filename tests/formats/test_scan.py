"""Walking rules and per-file error handling of the standalone scanner (library level)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bsfcore.errors import InputError
from formats import scan as scanmod
from formats.model import Confidence, Match, Sample
from formats.scan import load_name_map, scan, to_record, walk
from formats.stack import IdentifierStack
from tests.formats.helpers import Fixed, key, pronom_set


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text("a")
    (root / "sub" / "b.txt").write_text("b")
    (root / "sub" / "deeper" / "c.txt").write_text("c")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("s")
    (root / "out_file").symlink_to(outside / "secret.txt")
    (root / "out_dir").symlink_to(outside)
    (root / "in_file").symlink_to(root / "a.txt")
    (root / "in_dir").symlink_to(root / "sub")
    (root / "broken").symlink_to(root / "nothing")
    (root / "loop").symlink_to(root)
    os.mkfifo(root / "fifo")
    return root


def test_walk_default_is_one_level(tree: Path) -> None:
    got = {os.path.basename(i.filename): i.error for i in walk([str(tree)])}
    assert got["a.txt"] == "" and got["in_file"] == ""
    assert "b.txt" not in got
    assert got["out_file"].startswith("symlink to outside the scanned tree")
    assert got["out_dir"].startswith("symlink to outside the scanned tree")
    assert got["in_dir"].startswith("symlink to a directory not followed")
    assert got["broken"] == "broken symlink"
    assert got["fifo"] == "not a regular file"


def test_walk_recursive_sorted_and_names_as_given(tree: Path, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    monkeypatch.chdir(tree.parent)
    files = [i.filename for i in walk(["root"], recursive=True) if not i.error]
    assert files == ["root/a.txt", "root/in_file", "root/sub/b.txt", "root/sub/deeper/c.txt"]
    assert [i.filename for i in walk(["./root/a.txt"])] == ["./root/a.txt"]


def test_walk_follow_symlinks_with_loop_protection(tree: Path) -> None:
    got = [(i.filename, i.error) for i in walk([str(tree)], recursive=True,
                                                follow_symlinks=True)]
    files = {os.path.relpath(f, tree) for f, e in got if not e}
    assert {"out_file", "out_dir/secret.txt", "in_dir/b.txt", "in_dir/deeper/c.txt"} <= files
    errors = {os.path.relpath(f, tree): e for f, e in got if e}
    assert errors["loop"] == "symlink loop not followed"


def test_missing_path_and_explicit_symlink(tree: Path) -> None:
    got = list(walk([str(tree / "nope"), str(tree / "out_file"), str(tree / "broken")]))
    assert got[0].error == "No such file or directory"
    assert got[1].error == ""            # named on the command line: followed
    assert got[2].error == "broken symlink"


def test_unreadable_file_is_reported_and_scan_goes_on(tree: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real = Sample._pread

    def pread(self: Sample, n: int, offset: int) -> bytes:
        if self.name.endswith("a.txt"):
            raise PermissionError(13, "Permission denied")
        return real(self, n, offset)

    monkeypatch.setattr(Sample, "_pread", pread)
    text = Fixed("t", None)
    stack = IdentifierStack([_Reader(), text])
    results = list(scan([str(tree / "a.txt"), str(tree / "sub" / "b.txt")], stack))
    assert results[0].error == "Permission denied" and results[0].match is None
    assert results[1].error == "" and results[1].match is not None


class _Reader:
    """Reads the first byte, so unreadable files fail inside the stack."""

    name = "reader"

    def identify(self, sample, previous):  # type: ignore[no-untyped-def]
        sample.bof(1)
        return Match(key("PRONOM:x-fmt/111"), Confidence.HEURISTIC, self.name, "read")


def test_name_map_drives_extension(tmp_path: Path) -> None:
    asset = tmp_path / "1234567890"
    asset.write_text("x")
    mapping = tmp_path / "names.csv"
    mapping.write_text('path,name\n1234567890,"Thesis, final.PDF"\n')
    names = load_name_map(mapping)
    seen: list[str] = []

    class Spy:
        name = "spy"

        def identify(self, sample, previous):  # type: ignore[no-untyped-def]
            seen.append(sample.name)

    list(scan([str(asset)], IdentifierStack([Spy()]), names=names))
    assert seen == ["Thesis, final.PDF"]


def test_name_map_errors_are_located(tmp_path: Path) -> None:
    bad = tmp_path / "names.csv"
    bad.write_text("a,b\nonly-one\nx,y,z\n")
    with pytest.raises(InputError) as err:
        load_name_map(bad)
    assert [p.line for p in err.value.problems] == [2, 3]


def test_record_fields_and_non_utf8_name(tmp_path: Path) -> None:
    raw = os.fsdecode(b"bad\xe9.txt")
    path = os.path.join(str(tmp_path), raw)
    Path(path).write_text("hello\n")
    stack = IdentifierStack([Fixed("t", Match(key("PRONOM:x-fmt/111"), Confidence.HEURISTIC,
                                              "t", "text match ASCII"))])
    (result,) = scan([path], stack)
    rec = to_record(result, pronom_set())
    assert rec.filename.endswith("bad\\xe9.txt")
    assert rec.uri.endswith("/bad%E9.txt")
    assert (rec.namespace, rec.id, rec.format, rec.mime) == ("PRONOM", "x-fmt/111",
                                                             "Plain Text File", "text/plain")
    assert "not valid UTF-8" in rec.warning
    unknown = to_record(scanmod.ScanResult("x", "x", 1, 0.0, "", Match(
        None, Confidence.UNIDENTIFIED, "s", "", "no match")), pronom_set())
    assert (unknown.namespace, unknown.id) == ("", "UNKNOWN")


def test_workers_keep_order(tree: Path) -> None:
    for i in range(40):
        (tree / "sub" / f"f{i:02d}.txt").write_text("x" * (i + 1))

    class Size:
        name = "size"

        def identify(self, sample, previous):  # type: ignore[no-untyped-def]
            return Match(key("PRONOM:x-fmt/111"), Confidence.HEURISTIC, self.name,
                         f"size {sample.size}")

    stack = IdentifierStack([Size()])
    one = [(r.filename, r.match) for r in scan([str(tree)], stack, recursive=True)]
    two = [(r.filename, r.match) for r in scan([str(tree)], stack, recursive=True, workers=2,
                                               chunk=4)]
    assert one == two and len(one) > 40


def test_missing_name_list_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the name list"):
        load_name_map(tmp_path / "missing.csv")
