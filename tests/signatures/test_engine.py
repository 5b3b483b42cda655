"""Byte-signature engine semantics, one feature per test, bytes built in the test."""

from __future__ import annotations

from pathlib import Path

from formats.model import Sample
from formats.signatures import SignatureEngine, Window, build_engine
from registries.pronom.parse import parse_signature_file
from tests.signatures.sigbuild import Fmt, Seq, Sub, write_signature_file

BOF, EOF = "BOFoffset", "EOFoffset"


def engine(tmp_path: Path, *formats: Fmt, max_bytes: int = 65536) -> SignatureEngine:
    return build_engine(parse_signature_file(write_signature_file(tmp_path, list(formats))),
                        max_bytes)


def puids(eng: SignatureEngine, data: bytes) -> list[str]:
    return [h.puid for h in eng.match(Window.of_bytes(data))]


def one(puid: str, *seqs: Seq, fid: int = 1, sid: int = 1, **kw: object) -> Fmt:
    return Fmt(fid, puid, puid, {sid: list(seqs)}, **kw)  # type: ignore[arg-type]


def test_bof_fixed_offset(tmp_path: Path) -> None:
    eng = engine(tmp_path, one("t/1", Seq(BOF, [Sub("4D5A", 2, 2)])))
    assert puids(eng, b"xxMZ rest") == ["t/1"]
    assert puids(eng, b"MZxx") == []


def test_bof_offset_range(tmp_path: Path) -> None:
    eng = engine(tmp_path, one("t/1", Seq(BOF, [Sub("'HDR'", 4, 10)])))
    assert puids(eng, b"\0" * 4 + b"HDR") == ["t/1"]
    assert puids(eng, b"\0" * 10 + b"HDR") == ["t/1"]
    assert puids(eng, b"\0" * 11 + b"HDR") == []
    assert puids(eng, b"\0" * 3 + b"HDR") == []


def test_eof_anchor_with_offsets(tmp_path: Path) -> None:
    eng = engine(tmp_path, one("t/1", Seq(BOF, [Sub("'GIF89a'")]), Seq(EOF, [Sub("3B", 0, 4)])))
    assert puids(eng, b"GIF89a....;") == ["t/1"]
    assert puids(eng, b"GIF89a....;\0\0\0\0") == ["t/1"]
    assert puids(eng, b"GIF89a....;\0\0\0\0\0") == []
    fixed = engine(tmp_path, one("t/2", Seq(EOF, [Sub("'%%EOF'", 2, 2)])))
    assert puids(fixed, b"junk %%EOF\r\n") == ["t/2"]
    assert puids(fixed, b"junk %%EOF\n") == []


def test_variable_sequence_anywhere_within_cap(tmp_path: Path) -> None:
    eng = engine(tmp_path, one("t/1", Seq(None, [Sub("'needle'", 0, None)])), max_bytes=4096)
    assert puids(eng, b"x" * 3000 + b"needle") == ["t/1"]
    assert puids(eng, b"x" * 5000 + b"needle") == []  # past the scan cap, as DROID


def test_unbounded_bof_subsequence(tmp_path: Path) -> None:
    eng = engine(tmp_path, one("t/1", Seq(BOF, [Sub("'%PDF'"), Sub("'/Type'", 0, None)])))
    assert puids(eng, b"%PDF-1.4 " + b"." * 2000 + b"/Type") == ["t/1"]
    assert puids(eng, b"xx%PDF /Type") == []


def test_subsequence_gap_bounds(tmp_path: Path) -> None:
    eng = engine(tmp_path, one("t/1", Seq(BOF, [Sub("41"), Sub("42", 2, 3)])))
    assert puids(eng, b"A..B") == ["t/1"]
    assert puids(eng, b"A...B") == ["t/1"]
    assert puids(eng, b"A.B") == []
    assert puids(eng, b"A....B") == []


def test_wildcards_gaps_sets_and_alternatives_in_sequences(tmp_path: Path) -> None:
    sub = Sub("'RIFF' ?? {3} ('WAVE'|'AVI ') [30:39] [!00]")
    eng = engine(tmp_path, one("t/1", Seq(BOF, [sub])))
    assert puids(eng, b"RIFF\1\2\3\4WAVE5x") == ["t/1"]
    assert puids(eng, b"RIFF\1\2\3\4AVI 7x") == ["t/1"]
    assert puids(eng, b"RIFF\1\2\3\4WAVEAx") == []
    assert puids(eng, b"RIFF\1\2\3\4WAVE5\0") == []


def test_left_and_right_fragments(tmp_path: Path) -> None:
    # {\rtf1 then "\ansi" or "\mac" up to 2 bytes later, then the anchor \ansicpg
    sub = Sub("5C616E7369637067", 0, 0,
              left=[(1, 0, 0, "616E7369"), (1, 0, 0, "6D6163"), (2, 0, 0, "5C"),
                    (3, 0, 2, "7B5C727466")],
              right=[(1, 0, 4, "3132"), (1, 0, 4, "3133")])
    eng = engine(tmp_path, one("t/1", Seq(BOF, [sub])))
    assert puids(eng, b"{\\rtf1\\ansi\\ansicpg 12") == ["t/1"]
    assert puids(eng, b"{\\rtf\\mac\\ansicpg13") == ["t/1"]
    assert puids(eng, b"{\\rtf1\\pc\\ansicpg12") == []
    assert puids(eng, b"{\\rtf1\\ansi\\ansicpg 99") == []


def test_fragment_sets_and_inverted_bytes(tmp_path: Path) -> None:
    sub = Sub("FFFB", right=[(1, 0, 0, "[10:EB]"), (2, 1, 1, "[!00]")])
    eng = engine(tmp_path, one("t/1", Seq(BOF, [sub])))
    assert puids(eng, b"\xff\xfb\x20x\x01") == ["t/1"]
    assert puids(eng, b"\xff\xfb\x05x\x01") == []
    assert puids(eng, b"\xff\xfb\x20x\x00") == []


def test_all_sequences_of_a_signature_are_required(tmp_path: Path) -> None:
    eng = engine(tmp_path, one("t/1", Seq(BOF, [Sub("'AB'")]), Seq(None, [Sub("'mid'", 0, None)]),
                               Seq(EOF, [Sub("'YZ'")])))
    assert puids(eng, b"AB..mid..YZ") == ["t/1"]
    assert puids(eng, b"AB.....YZ") == []
    assert puids(eng, b"AB..mid..Y") == []


def test_any_signature_of_a_format_suffices(tmp_path: Path) -> None:
    fmt = Fmt(1, "t/1", "t", {1: [Seq(BOF, [Sub("'one'")])], 2: [Seq(BOF, [Sub("'two'")])]})
    eng = engine(tmp_path, fmt)
    assert puids(eng, b"one") == ["t/1"] and puids(eng, b"two") == ["t/1"]
    hit = eng.match(Window.of_bytes(b"two"))[0]
    assert hit.signature == 2 and hit.positions == ((0, 3),)


def test_priorities_drop_the_lower_format(tmp_path: Path) -> None:
    generic = Fmt(1, "t/zip", "zip", {1: [Seq(BOF, [Sub("'PK'")])]})
    specific = Fmt(2, "t/jar", "jar", {2: [Seq(BOF, [Sub("'PK'"), Sub("'META-INF'", 0, None)])]},
                   priority_over=[1])
    other = Fmt(3, "t/other", "other", {3: [Seq(None, [Sub("'zzz'", 0, None)])]})
    eng = engine(tmp_path, generic, specific, other)
    assert puids(eng, b"PK....") == ["t/zip"]
    assert puids(eng, b"PK..META-INF..") == ["t/jar"]
    # without a priority relation, DROID reports both (exhaustive mode finds them)
    both = eng.match(Window.of_bytes(b"PK..META-INF..zzz"), exhaustive=True)
    assert sorted(h.puid for h in both) == ["t/jar", "t/other"]


def test_priorities_use_every_matched_format_in_any_order(tmp_path: Path) -> None:
    # riff <- wav <- pcm: pcm beats wav, wav beats riff; DROID drops riff too, although wav
    # is itself dropped (fmt/141 > fmt/6 > fmt/1886 in V118). Several format ids make the
    # set order vary; the answer must not.
    riff = Fmt(1, "t/riff", "riff", {1: [Seq(BOF, [Sub("'RIFF'")])]})
    wav = Fmt(2, "t/wav", "wav", {2: [Seq(BOF, [Sub("'RIFF'"), Sub("'WAVE'", 4, 4)])]},
              priority_over=[1])
    pcm = Fmt(3, "t/pcm", "pcm", {3: [Seq(BOF, [Sub("'RIFF'"), Sub("'WAVEfmt'", 4, 4)])]},
              priority_over=[2])
    for order in ((riff, wav, pcm), (pcm, wav, riff), (wav, pcm, riff)):
        eng = engine(tmp_path, *order)
        data = b"RIFF\0\0\0\0WAVEfmt "
        assert puids(eng, data) == ["t/pcm"]
        assert [h.puid for h in eng.match(Window.of_bytes(data), exhaustive=True)] == ["t/pcm"]


def test_specificity_flag_marks_generic_hits(tmp_path: Path) -> None:
    eng = engine(tmp_path, one("t/1", Seq(BOF, [Sub("'TXT'")]), generic=True))
    assert eng.match(Window.of_bytes(b"TXT"))[0].generic


def test_windows_read_only_what_is_needed(tmp_path: Path) -> None:
    eng = engine(tmp_path, one("t/1", Seq(BOF, [Sub("'HEAD'")]), Seq(EOF, [Sub("'TAIL'")])))
    path = tmp_path / "big.bin"
    path.write_bytes(b"HEAD" + b"\0" * 3_000_000 + b"TAIL")
    reads: list[tuple[str, int]] = []
    sample = Sample.from_path(path)

    class Counting:
        size = sample.size

        def bof(self, n: int) -> bytes:
            reads.append(("bof", n))
            return sample.bof(n)

        def eof(self, n: int) -> bytes:
            reads.append(("eof", n))
            return sample.eof(n)

    assert [h.puid for h in eng.match(eng.window(Counting()))] == ["t/1"]
    assert sum(n for _, n in reads) < 200_000, reads


def test_max_below_min_means_exact_offset(tmp_path: Path) -> None:
    # container files write SubSeqMinOffset="5" SubSeqMaxOffset="0": DROID reads "at 5"
    eng = engine(tmp_path, one("t/1", Seq(BOF, [Sub("'iQ'", 5, 0)])))
    assert puids(eng, b"\0" * 5 + b"iQ") == ["t/1"]
    assert puids(eng, b"iQ") == []


def test_eof_chain_tries_more_than_the_first_candidate(tmp_path: Path) -> None:
    # three frames 20-60 bytes apart, the last 10-200 bytes before EOF: the first frame a
    # leftmost search would pick (at 100) leaves no room for the two before it
    frame = "FFFB [10:EB]"
    sub = Sub("FFFB", 10, 200, right=[(1, 0, 0, "[10:EB]"), (2, 20, 60, frame),
                                      (3, 20, 60, frame)])
    eng = engine(tmp_path, one("t/1", Seq(EOF, [sub])))
    data = bytearray(300)
    for at in (40, 80, 120, 160):
        data[at:at + 3] = b"\xff\xfb\x20"
    assert puids(eng, bytes(data)) == ["t/1"]
    data[40:43] = data[80:83] = b"\0\0\0"  # only two frames left
    assert puids(eng, bytes(data)) == []


def test_wide_gaps_are_chained_searches(tmp_path: Path) -> None:
    eng = engine(tmp_path, one("t/1", Seq(BOF, [Sub("'MM' 00 2A {0-999999} 'Nikon'")])))
    assert puids(eng, b"MM\x00*" + b"\0" * 200_000 + b"Nikon") == ["t/1"]
    assert puids(eng, b"MM\x00*" + b"\0" * 200_000 + b"Nikor") == []


def test_find_literal_agrees_with_bytes_find() -> None:
    import random

    from formats.signatures.match import find_literal

    rng = random.Random(3)
    for _ in range(3000):
        alphabet = rng.choice([b"\x00", b"\x00a", b"ab\x00\xff ", bytes(range(256))])
        buf = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        needle = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 4)))
        if buf and rng.random() < 0.3:
            at = rng.randrange(len(buf))
            needle = buf[at:at + len(needle)] or needle
        lo = rng.randint(0, len(buf) + 2)
        end = rng.choice([None, rng.randint(0, len(buf) + 2)])
        want = buf.find(needle, lo, len(buf) if end is None else end)
        assert find_literal(buf, needle, lo, end) == want, (buf, needle, lo, end)


def test_prefilter_keeps_matches_that_run_past_the_cap(tmp_path: Path) -> None:
    # the match starts inside the 4 KiB cap, its best needle ("NEEDLE") lies beyond it
    eng = engine(tmp_path, one("t/1", Seq(None, [Sub("'AAAA' {0-2000} 'NEEDLE'", 0, None)])),
                 max_bytes=4096)
    data = b"x" * 4000 + b"AAAA" + b"y" * 1500 + b"NEEDLE" + b"z" * 20000
    assert puids(eng, data) == ["t/1"]
    assert puids(eng, b"x" * 4100 + b"AAAA" + b"NEEDLE" + b"z" * 20000) == []


def test_eof_subsequences_are_in_file_order(tmp_path: Path) -> None:
    # DROID: the last subsequence is anchored to EOF; each one's offsets reach to the next
    seq = Seq(EOF, [Sub("'AB'", 2, 2), Sub("'YZ'", 1, 1)])
    eng = engine(tmp_path, one("t/1", seq))
    assert puids(eng, b"....AB..YZ.") == ["t/1"]
    assert puids(eng, b"....AB.YZ.") == []
    assert puids(eng, b"....YZ..AB.") == []
