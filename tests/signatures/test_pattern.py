"""DROID pattern syntax: every construct, checked by matching bytes built here."""

from __future__ import annotations

import re

import pytest

from formats.signatures import pattern as P


def matches(expr: str, data: bytes) -> bool:
    return re.compile(P.to_regex(P.parse(expr)), re.DOTALL).fullmatch(data) is not None


def test_hex_and_quoted_text() -> None:
    assert matches("25 50 44 46", b"%PDF")
    assert matches("10 00 'Word.Document.' 38", b"\x10\x00Word.Document.8")
    assert not matches("'abc'", b"abd")


def test_quoted_text_keeps_spaces() -> None:
    assert matches("'a  b'", b"a  b")
    assert not matches("'a  b'", b"a b")


def test_any_byte_and_fixed_gap() -> None:
    assert matches("41 ?? 43", b"A\xffC")
    assert matches("41 {3} 43", b"A123C")
    assert not matches("41 {3} 43", b"A12C")


def test_ranged_and_unbounded_gaps() -> None:
    assert matches("41 {1-3} 43", b"A12C")
    assert not matches("41 {1-3} 43", b"A1234C")
    assert matches("41 * 43", b"A" + b"x" * 5000 + b"C")
    assert matches("41 {2-*} 43", b"A12345C")
    assert not matches("41 {2-*} 43", b"A1C")


def test_alternatives() -> None:
    assert matches("'x' (22|27) 'y'", b'x"y')
    assert matches("'x' (22|27) 'y'", b"x'y")
    assert not matches("'x' (22|27) 'y'", b"x`y")
    assert matches("('ab'|'cde') 00", b"cde\x00")


def test_ranges_and_inverted_sets() -> None:
    assert matches("[30:39]", b"5")
    assert not matches("[30:39]", b"A")
    assert matches("['6'-'7']", b"7")
    assert matches("[!00]", b"\x01")
    assert not matches("[!00]", b"\x00")
    assert matches("[!00:1F]", b" ")
    assert not matches("[!00:1F]", b"\x10")


def test_bitmasks() -> None:
    assert matches("[&01]", b"\x03")
    assert not matches("[&01]", b"\x02")
    assert matches("[!&01]", b"\x02")
    assert matches("[~81]", b"\x80")
    assert not matches("[~81]", b"\x02")


def test_inverted_multibyte_sequence() -> None:
    assert matches("[!0000]", b"\x00\x01")
    assert not matches("[!0000]", b"\x00\x00")


def test_length_bounds_and_prefixes() -> None:
    tokens = P.parse("'RIFF' {4} ('WAVE'|'AVI ') * 'data'")
    assert P.length_bounds(tokens) == (16, None)
    assert P.literal_prefix(tokens, want=4) == [b"RIFF"]
    assert sorted(P.literal_prefix(P.parse("00 (02|04) FF"))) == [b"\x00\x02\xff", b"\x00\x04\xff"]
    assert P.literal_prefix(P.parse("?? 41")) == []


@pytest.mark.parametrize("bad", ["4", "'abc", "[00", "(41|42", "{3", "{5-2}", "ZZ", "[]"])
def test_malformed_patterns_raise(bad: str) -> None:
    with pytest.raises(P.PatternError):
        P.parse(bad)


def test_alternatives_of_single_bytes_become_one_class() -> None:
    tokens = P.parse("'P5' (0A|0D|20) (30|31|[32:39])")
    src = P.to_regex(tokens)
    assert b"|" not in src and src.count(b"[") == 2
    rx = re.compile(src, re.DOTALL)
    assert rx.fullmatch(b"P5\n7") and rx.fullmatch(b"P5 0") and not rx.fullmatch(b"P5\t0")
    mixed = P.to_regex(P.parse("(0A|0D0A)"))
    assert b"|" in mixed                      # a two-byte option keeps the alternation
