"""The TextSubtypeHelper's ``auto`` rule on the shipped PRONOM data, by default and configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from bsfcore.errors import ConfigError
from bsfcore.settings import load_settings
from formats.model import Confidence, Match, Sample
from formats.stack import IdentifierStack, stack_from_settings
from registries.config import load_format_config

HELPER = "org.dspace.content.format.TextSubtypeHelper"


def default_stack() -> IdentifierStack:
    return stack_from_settings(load_settings(None, environ={}))[0]


def configured_stack(tmp_path: Path, subtypes: str) -> IdentifierStack:
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text(f"formatIdentifier.TextSubtypeHelper.subtypes = {subtypes}\n")
    return stack_from_settings(load_settings(cfg, environ={}))[0]


def answer(stack: IdentifierStack, data: bytes, name: str) -> Match:
    return stack.identify(Sample.from_bytes(data, name))


@pytest.mark.parametrize(("name", "data", "puid"), [
    ("setup.py", b"import os\nprint(os.getcwd())\n", "fmt/938"),
    ("main.c", b"#include <stdio.h>\nint main(void) { return 0; }\n", "fmt/1768"),
    ("util.h", b"#ifndef UTIL_H\n#define UTIL_H\nint f(void);\n#endif\n", "fmt/1735"),
    ("app.js", b"const x = require('x');\nmodule.exports = x;\n", "x-fmt/423"),
    ("notes.rst", b"Title\n=====\n\nSome text.\n", "fmt/1565"),
    ("schema.sql", b"CREATE TABLE t (id integer);\n", "fmt/206"),
])
def test_text_is_promoted_by_default(name: str, data: bytes, puid: str) -> None:
    got = answer(default_stack(), data, name)
    assert got.key is not None and got.key.identifier == puid
    ext = name.rsplit(".", 1)[1]
    assert got.basis == f"text match ASCII; extension match {ext}"
    assert got.confidence == Confidence.HEURISTIC and got.source == HELPER
    assert got.warning == ""


def test_never_on_binary_never_over_a_signature_never_to_a_generic_format() -> None:
    stack = default_stack()
    binary = answer(stack, b"\x00\x01\x02\x03binary", "tool.py")
    assert binary.source != HELPER and "text match" not in binary.basis
    pdf = answer(stack, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n"
                 b"<<>>\n%%EOF\n", "report.py")
    assert pdf.key is not None and pdf.key.identifier == "fmt/18"
    assert pdf.confidence == Confidence.POSITIVE_SPECIFIC
    # "Data File Generic" claims .dat: it says less than "text", so text stays text
    data = answer(stack, b"just some words\n", "values.dat")
    assert data.key is not None and data.key.identifier == "x-fmt/111"


def test_several_claimants_are_ordered_and_named() -> None:
    # Mathematica Notebook and Nota Bene both claim .nb without a signature: same footing
    # (no text MIME type, one extension each), so the lower PUID, and the other in the warning
    got = answer(default_stack(), b"Notebook[{Cell[\"x\"]}]\n", "calc.nb")
    assert got.key is not None and got.key.identifier == "fmt/201"
    assert got.warning == "several subtypes match extension nb: PRONOM:fmt/201, PRONOM:x-fmt/349"
    # .php: fmt/1300 has a (container) signature, so only x-fmt/169 qualifies
    php = answer(default_stack(), b"<?php echo 'hi'; ?>\n", "index.php")
    assert php.key is not None and php.key.identifier == "x-fmt/169" and php.warning == ""


def test_an_explicit_list_rules_as_before(tmp_path: Path) -> None:
    plain = configured_stack(tmp_path, "PRONOM:x-fmt/224")
    assert answer(plain, b"import os\n", "setup.py").key.identifier == "x-fmt/111"  # type: ignore[union-attr]
    extended = configured_stack(tmp_path, "PRONOM:x-fmt/224, auto")
    assert answer(extended, b"import os\n", "setup.py").key.identifier == "fmt/938"  # type: ignore[union-attr]


def test_auto_ranks_where_it_stands(tmp_path: Path) -> None:
    first = configured_stack(tmp_path, "auto, PRONOM:x-fmt/349")
    got = answer(first, b"some notes\n", "calc.nb")
    assert got.key is not None and got.key.identifier == "fmt/201"
    last = configured_stack(tmp_path, "PRONOM:x-fmt/349, auto")
    got = answer(last, b"some notes\n", "calc.nb")
    assert got.key is not None and got.key.identifier == "x-fmt/349"


def test_config_records_where_auto_stands(tmp_path: Path) -> None:
    assert load_format_config(load_settings(None, environ={})).subtypes_auto == 27
    cfg = tmp_path / "bsf.cfg"
    cfg.write_text("formatIdentifier.TextSubtypeHelper.subtypes = PRONOM:x-fmt/224, auto, "
                   "PRONOM:fmt/96\n")
    config = load_format_config(load_settings(cfg, environ={}))
    assert config.subtypes_auto == 1 and [str(k) for k in config.subtypes] == [
        "PRONOM:x-fmt/224", "PRONOM:fmt/96"]
    cfg.write_text("formatIdentifier.TextSubtypeHelper.subtypes = PRONOM:x-fmt/224\n")
    assert load_format_config(load_settings(cfg, environ={})).subtypes_auto is None
    cfg.write_text("formatIdentifier.TextSubtypeHelper.subtypes = automatic\n")
    with pytest.raises(ConfigError, match="malformed format key 'automatic'"):
        load_format_config(load_settings(cfg, environ={}))
