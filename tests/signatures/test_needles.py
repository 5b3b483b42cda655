"""Both multi-needle backends report the same needles and first end offsets."""

from __future__ import annotations

import random

import pytest

from formats.signatures import needles
from formats.signatures.needles import Needles

WORDS = {"PK\x03\x04": "zip", "ab": "ab", "abc": "abc", "bc": "bc", "\xff\xe3": "mp3",
         "\x00\x00": "zeros"}


def _backends() -> list[bool]:
    return [False, True] if needles.fast_backend() else [False]


@pytest.mark.parametrize("fast", _backends())
def test_found_and_first_ends(fast: bool) -> None:
    ac = Needles(WORDS, fast=fast)
    buf = b"xxabcxx\xff\xe3\x00\x00\x00abc PK\x03\x04"
    names = {ac.values[i] for i in ac.found(buf)}
    assert names == {"zip", "ab", "abc", "bc", "mp3", "zeros"}  # overlapping ones too
    ends = {ac.values[i]: end for i, end in ac.first_ends(buf).items()}
    assert ends == {"ab": 4, "abc": 5, "bc": 5, "mp3": 9, "zeros": 11, "zip": 20}
    assert ac.found(b"nothing here") == set()


def test_backends_agree_on_random_bytes() -> None:
    if not needles.fast_backend():
        pytest.skip("ahocorasick_rs not installed")
    rng = random.Random(4)
    words = {bytes(rng.randrange(4) for _ in range(rng.randrange(2, 5))).decode("latin-1"): i
             for i in range(40)}
    slow, fast = Needles(words, fast=False), Needles(words, fast=True)
    for _ in range(200):
        buf = bytes(rng.randrange(5) for _ in range(rng.randrange(0, 300)))
        assert slow.found(buf) == fast.found(buf)
        assert slow.first_ends(buf) == fast.first_ends(buf)
