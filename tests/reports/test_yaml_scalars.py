"""sf's YAML scalars: single quotes for printable text (ASCII or not), an escaped double-quoted
form for anything YAML cannot hold literally, nothing for the empty string."""

from __future__ import annotations

import json

import pytest

from reports.sf_writers import quoted


@pytest.mark.parametrize(("value", "expected"), [
    ("", ""),
    ("plain.txt", "'plain.txt'"),
    ("it's\tthere", "'it''s\tthere'"),
    ("ünïcødé – 日本語.html", "'ünïcødé – 日本語.html'"),
    ("emoji 😀.png", "'emoji 😀.png'"),
])
def test_printable_values_are_single_quoted(value: str, expected: str) -> None:
    assert quoted(value) == expected


@pytest.mark.parametrize("value", ["bell\x07.txt", "line\nbreak", "del\x7f", "nel\x85",
                                   "sep\u2028", "bom\ufeff", "lone\udcff"])
def test_other_values_are_escaped_double_quoted(value: str) -> None:
    out = quoted(value)
    assert out.startswith('"') and out.isascii()
    assert json.loads(out) == value
