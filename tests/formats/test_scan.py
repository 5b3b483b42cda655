"""Walking like siegfried, per-file errors, checksums and records (library level)."""

from __future__ import annotations

import hashlib
import os
import zlib
from pathlib import Path

import pytest

from bsfcore.errors import InputError
from formats import scan as scanmod
from formats.hashing import HASH_CHOICES, Crc32, check_algorithm, hash_file
from formats.model import Confidence, Match, Sample
from formats.records import context_for, sf_basis, to_record
from formats.scan import load_name_map, scan
from formats.scan_model import ScanOptions, ScanStats
from formats.stack import IdentifierStack
from formats.walk import FILE, FOLDER, SKIP, count_files, walk
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
    (root / "sub" / "loop").symlink_to(root)
    os.mkfifo(root / "fifo")
    return root


def _rel(tree: Path, path: str) -> str:
    return os.path.relpath(path, tree)


def test_walk_recurses_by_default_and_skips_specials(tree: Path) -> None:
    items = list(walk([str(tree)]))
    files = [_rel(tree, i.filename) for i in items if i.kind == FILE]
    assert files == ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]
    folders = [_rel(tree, i.filename) for i in items if i.kind == FOLDER]
    assert folders == [".", "sub", "sub/deeper"]
    skipped = sorted((_rel(tree, i.filename), i.skip) for i in items if i.kind == SKIP)
    assert skipped == [("broken", "symlink"), ("fifo", "FIFO"), ("in_dir", "symlink"),
                       ("in_file", "symlink"), ("out_dir", "symlink"), ("out_file", "symlink"),
                       ("sub/loop", "symlink")]
    assert not any(i.error for i in items)


def test_parents_point_at_folder_items(tree: Path) -> None:
    items = {_rel(tree, i.filename): i for i in walk([str(tree)])}
    assert items["."].parent == ""
    assert items["sub"].parent == str(tree)
    assert items["sub/deeper/c.txt"].parent == str(tree / "sub" / "deeper")


def test_no_recurse_stays_in_the_folder(tree: Path) -> None:
    files = [_rel(tree, i.filename) for i in walk([str(tree)], recursive=False)
             if i.kind == FILE]
    assert files == ["a.txt"]


def test_names_as_given(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree.parent)
    files = [i.filename for i in walk(["root"]) if i.kind == FILE]
    assert files == ["root/a.txt", "root/sub/b.txt", "root/sub/deeper/c.txt"]
    assert [i.filename for i in walk(["./root/a.txt"])] == ["./root/a.txt"]


def test_follow_symlinks_detects_loops(tree: Path) -> None:
    items = list(walk([str(tree)], follow_symlinks=True))
    files = {_rel(tree, i.filename) for i in items if i.kind == FILE}
    assert {"a.txt", "in_file", "out_file", "out_dir/secret.txt"} <= files
    skipped = {_rel(tree, i.filename): i.skip for i in items if i.kind == SKIP}
    assert skipped["sub/loop"] == "symlink loop"      # back to the top: not walked again
    assert skipped["broken"] == "broken symlink" and skipped["fifo"] == "FIFO"
    # in_dir points at sub, which the walk meets anyway: walked once only
    assert sum(1 for f in files if f.endswith("b.txt")) == 1


def test_explicit_paths(tree: Path) -> None:
    got = list(walk([str(tree / "nope"), str(tree / "out_file"), str(tree / "broken"),
                     str(tree / "fifo")]))
    assert (got[0].error, got[0].error_kind) == ("No such file or directory", "not found")
    assert got[1].error == "" and got[1].kind == FILE     # named on the command line: followed
    assert got[2].error == "broken symlink"
    assert got[3].error.startswith("not a regular file")


def test_count_files_matches_the_walk(tree: Path) -> None:
    assert count_files([str(tree)]) == 3
    assert count_files([str(tree)], follow_symlinks=True) == sum(
        1 for i in walk([str(tree)], follow_symlinks=True) if i.kind == FILE)


def _text_stack() -> IdentifierStack:
    return IdentifierStack([Fixed("t", Match(key("PRONOM:x-fmt/111"), Confidence.HEURISTIC,
                                             "t", "text match ASCII"))])


def test_scan_counts_skips_and_folders(tree: Path) -> None:
    stats = ScanStats()
    rows = list(scan([str(tree)], _text_stack(), stats=stats))
    assert [r.kind for r in rows].count(FOLDER) == 3
    assert (stats.files, stats.folders, stats.unreadable) == (3, 3, 0)
    assert stats.skipped == {"symlink": 6, "FIFO": 1}


@pytest.mark.parametrize("algorithm", HASH_CHOICES)
def test_hashes_equal_hashlib(tmp_path: Path, algorithm: str) -> None:
    small = tmp_path / "small.bin"
    small.write_bytes(b"hello world\n" * 100)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(scanmod.WHOLE_READ + 12345))   # streamed, not read whole
    rows = list(scan([str(small), str(big)], _text_stack(), ScanOptions(hash=algorithm)))
    for row, path in zip(rows, (small, big), strict=True):
        data = path.read_bytes()
        expected = (f"{zlib.crc32(data) & 0xFFFFFFFF:08x}" if algorithm == "crc"
                    else hashlib.new(algorithm, data).hexdigest())
        assert row.hash == expected
        assert row.size == len(data)


def test_crc_is_eight_hex_digits(tmp_path: Path) -> None:
    crc = Crc32()
    crc.update(b"")
    assert crc.hexdigest() == "00000000"
    (tmp_path / "x").write_bytes(b"a")
    assert hash_file("crc", str(tmp_path / "x")) == "e8b7be43"
    assert check_algorithm("SHA256") == "sha256"
    with pytest.raises(ValueError, match="choose from md5"):
        check_algorithm("blake2")


def test_hash_read_once_for_small_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "one.txt"
    path.write_bytes(b"x" * 1000)
    calls: list[str] = []
    monkeypatch.setattr(scanmod, "hash_file", lambda *a: calls.append("stream") or "")
    (row,) = scan([str(path)], _text_stack(), ScanOptions(hash="md5"))
    assert calls == [] and row.hash == hashlib.md5(b"x" * 1000).hexdigest()


def test_unreadable_file_is_reported_and_scan_goes_on(tree: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real = Sample._pread

    def pread(self: Sample, n: int, offset: int) -> bytes:
        if self.name.endswith("a.txt"):
            raise PermissionError(13, "Permission denied")
        return real(self, n, offset)

    monkeypatch.setattr(Sample, "_pread", pread)
    stats = ScanStats()
    stack = IdentifierStack([_Reader()])
    results = list(scan([str(tree / "a.txt"), str(tree / "sub" / "b.txt")], stack, stats=stats))
    assert results[0].error == "Permission denied" and results[0].match is None
    assert results[0].error_kind == "access denied"
    assert results[1].error == "" and results[1].match is not None
    assert stats.unreadable == 1


class _Reader:
    """Reads the first byte, so unreadable files fail inside the stack."""

    name = "reader"

    def identify(self, sample: Sample, previous: Match | None) -> Match | None:
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

        def identify(self, sample: Sample, previous: Match | None) -> Match | None:
            seen.append(sample.name)

    list(scan([str(asset)], IdentifierStack([Spy()]), ScanOptions(names=names)))
    assert seen == ["Thesis, final.PDF"]


def test_name_map_errors_are_located(tmp_path: Path) -> None:
    bad = tmp_path / "names.csv"
    bad.write_text("a,b\nonly-one\nx,y,z\n")
    with pytest.raises(InputError) as err:
        load_name_map(bad)
    assert [p.line for p in err.value.problems] == [2, 3]
    with pytest.raises(InputError, match="cannot read the name list"):
        load_name_map(tmp_path / "missing.csv")


def test_record_fields_and_non_utf8_name(tmp_path: Path) -> None:
    raw = os.fsdecode(b"bad\xe9 name.txt")
    path = os.path.join(str(tmp_path), raw)
    Path(path).write_text("hello\n")
    (result,) = scan([path], _text_stack())
    rec = to_record(result, context_for(pronom_set(), {"x-fmt/111": "Text"}))
    assert rec.filename.endswith("bad\\xe9 name.txt")
    assert rec.uri.endswith("/bad%E9%20name.txt") and rec.uri.startswith("file:/")
    assert (rec.namespace, rec.key, rec.id, rec.format, rec.mime, rec.format_class) == (
        "pronom", "PRONOM:x-fmt/111", "x-fmt/111", "Plain Text File", "text/plain", "Text")
    assert rec.basis == "extension match txt; text match ASCII"     # sf's order
    assert "not valid UTF-8" in rec.warning
    unknown = to_record(scanmod.ScanResult("x.png", "x.png", 1, 0.0, "", Match(
        None, Confidence.UNIDENTIFIED, "s", "",
        "no match; possibilities based on extension are x-fmt/111, fmt/18")), pronom_set())
    assert (unknown.namespace, unknown.id) == ("pronom", "UNKNOWN")
    assert [(a.id, a.format) for a in unknown.alternatives] == [
        ("x-fmt/111", "Plain Text File"), ("fmt/18", "Acrobat PDF 1.4")]


def test_sf_basis_keeps_an_existing_extension_match() -> None:
    assert sf_basis("byte match at [[0 8]]", "png", ("png",)) == \
        "extension match png; byte match at [[0 8]]"
    assert sf_basis("extension match png", "png", ("png",)) == "extension match png"
    assert sf_basis("byte match at [[0 8]]", "dat", ("png",)) == "byte match at [[0 8]]"


def test_workers_keep_order(tree: Path) -> None:
    for i in range(40):
        (tree / "sub" / f"f{i:02d}.txt").write_text("x" * (i + 1))

    class Size:
        name = "size"

        def identify(self, sample: Sample, previous: Match | None) -> Match | None:
            return Match(key("PRONOM:x-fmt/111"), Confidence.HEURISTIC, self.name,
                         f"size {sample.size}")

    stack = IdentifierStack([Size()])
    stats_one, stats_two = ScanStats(), ScanStats()
    one = [(r.filename, r.kind, r.match) for r in scan([str(tree)], stack, stats=stats_one)]
    two = [(r.filename, r.kind, r.match)
           for r in scan([str(tree)], stack, workers=2, chunk=4, stats=stats_two)]
    assert one == two and len(one) > 40
    assert stats_one == stats_two


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None]] = []

    def start(self, label: str, total: int | None = None) -> None:
        self.calls.append(("start", total))

    def advance(self, units: int = 1) -> None:
        self.calls.append(("advance", units))

    def finish(self) -> None:
        self.calls.append(("finish", None))


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_has_a_total_and_counts_files(tree: Path, workers: int) -> None:
    progress = _Recorder()
    list(scan([str(tree)], _text_stack(), workers=workers, progress=progress, count_total=True))
    assert progress.calls[0] == ("start", 3) and progress.calls[-1] == ("finish", None)
    assert sum(n or 0 for what, n in progress.calls if what == "advance") == 3
    quiet = _Recorder()
    list(scan([str(tree)], _text_stack(), progress=quiet))
    assert quiet.calls[0] == ("start", None)
