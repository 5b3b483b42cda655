"""The multi-needle prefilter reports every needle that occurs (overlapping too) and where."""

from __future__ import annotations

import random

from formats.signatures.needles import Needles

WORDS = {"PK\x03\x04": "zip", "ab": "ab", "abc": "abc", "bc": "bc", "\xff\xe3": "mp3",
         "\x00\x00": "zeros"}


def test_found_and_first_ends() -> None:
    ac = Needles(WORDS)
    buf = b"xxabcxx\xff\xe3\x00\x00\x00abc PK\x03\x04"
    names = {ac.values[i] for i in ac.found(buf)}
    assert names == {"zip", "ab", "abc", "bc", "mp3", "zeros"}  # overlapping ones too
    ends = {ac.values[i]: end for i, end in ac.first_ends(buf).items()}
    assert ends == {"ab": 4, "abc": 5, "bc": 5, "mp3": 9, "zeros": 11, "zip": 20}
    assert ac.found(b"nothing here") == set()


def test_agrees_with_a_naive_search_on_random_bytes() -> None:
    rng = random.Random(4)
    words = {bytes(rng.randrange(4) for _ in range(rng.randrange(2, 5))).decode("latin-1"): i
             for i in range(40)}
    ac = Needles(words)
    needles = [w.encode("latin-1") for w in words]
    for _ in range(200):
        buf = bytes(rng.randrange(5) for _ in range(rng.randrange(0, 300)))
        expected = {i for i, n in enumerate(needles) if n in buf}
        assert ac.found(buf) == expected
        first = {i: buf.find(n) + len(n) for i, n in enumerate(needles) if n in buf}
        assert ac.first_ends(buf) == first


def test_last_starts() -> None:
    ac = Needles(WORDS)
    buf = b"ab ab abc PK\x03\x04 ab"
    starts = {ac.values[i]: start for i, start in ac.last_starts(buf).items()}
    assert starts == {"ab": 15, "abc": 6, "bc": 7, "zip": 10}
