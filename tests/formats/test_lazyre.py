"""LazyPattern: compiled on first use, then the compiled methods themselves."""

from __future__ import annotations

import re

from formats.identifiers.lazyre import LazyPattern


def test_compiles_on_first_use_and_binds_the_compiled_methods() -> None:
    rx = LazyPattern(r"(a+)(b)?", re.I)
    assert rx._compiled is None
    m = rx.match("AAb")
    assert m is not None and m.group(1) == "AA"
    assert rx._compiled is not None
    assert rx.match == rx._compiled.match          # bound onto the instance: no extra frame
    assert rx.search("xxa") is not None and rx.fullmatch("ab") is not None
    assert rx.findall("a ab") == [("a", ""), ("a", "b")]
    assert rx.sub("-", "xay") == "x-y"
    assert [m.start() for m in rx.finditer("a_a")] == [0, 2]
    other = LazyPattern(rb"\x00+")                 # bytes too
    assert other.search(b"ab\x00\x00") is not None
