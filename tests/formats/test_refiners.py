"""CSS, JSON, CSV and Markdown refiners: what passes, what must not, and their gating."""

from __future__ import annotations

import json

import pytest

from bsfcore.errors import ConfigError
from formats.identifiers.css import CSSIdentifier, css_rule_count
from formats.identifiers.csvfmt import CSVIdentifier, csv_shape
from formats.identifiers.jsonfmt import JSON_MAX_BYTES, JSONIdentifier
from formats.identifiers.markdown import MarkdownIdentifier, is_markdown
from formats.model import Confidence, Match, Sample
from tests.formats.helpers import dspace_set, key, pronom_set

CSS = b"""/* site styles */
@charset "utf-8";
@import url("print.css") print;
body { margin: 0; font-family: "Helvetica Neue", sans-serif; }
.nav > li:hover, a[href^="http"] { color: #c00 !important; --accent: rgb(1 2 3); }
@media (max-width: 600px) { .nav { display: none } #main { padding: 1em } }
@font-face { font-family: X; src: url(x.woff2) format("woff2"); }
"""
HTML = b"<!DOCTYPE html>\n<html><head><style>a { color: red }</style></head><body>x</body></html>"
XML = b'<?xml version="1.0"?>\n<root><a b="c">d</a></root>\n'
JSON_DOC = json.dumps({"rules": [{"a": 1}], "color": "red", "n": None}, indent=2).encode()
CSV_DOC = b'id,name,comment\n1,"Smith, J.","said ""hi""\nthen left"\n2,Doe,\n3,Roe,ok\n'
PROSE = (b"It was a dark and stormy night; the rain fell in torrents, except at\n"
         b"occasional intervals, when it was checked by a violent gust of wind.\n"
         b"Meanwhile, somewhere else: nothing {at all} happened.\n")
MARKDOWN = b"""# Project title

Some *intro* text with a [link](https://example.org) and `code`.

## Install

1. download
2. run

```sh
make install
```

| a | b |
|---|---|
| 1 | 2 |
"""
PYTHON = (b"#!/usr/bin/env python3\n# A heading-looking comment\nimport os\n\n\n"
          b"def main():\n    print(os.getcwd())\n")
TEXT_PREV = Match(key("PRONOM:x-fmt/111"), Confidence.HEURISTIC, "text", "text match ASCII")


def s(data: bytes, name: str = "file") -> Sample:
    return Sample.from_bytes(data, name)


# --- CSS ---------------------------------------------------------------------------------------

def test_css_counts_real_rules() -> None:
    assert css_rule_count(CSS) == 8


@pytest.mark.parametrize("data", [HTML, XML, JSON_DOC, CSV_DOC, PROSE, MARKDOWN, PYTHON,
                                  b"int main(void) { return 0; }\n", b"[section]\nkey=value\n",
                                  b"a: 1\nb:\n  c: 2\n", b"x { }\n"])
def test_css_rejects_non_stylesheets(data: bytes) -> None:
    assert css_rule_count(data) is None


def test_css_identifier_answers_first_known_configured_key() -> None:
    ident = CSSIdentifier("org.dspace.content.format.CSSIdentifier",
                          [key("PRONOM:x-fmt/999"), key("PRONOM:x-fmt/224")], pronom_set())
    m = ident.identify(s(CSS, "site.css"), TEXT_PREV)
    assert m is not None
    assert (m.key, m.confidence, m.basis) == (key("PRONOM:x-fmt/224"), Confidence.HEURISTIC,
                                              "css parse: 8 rules")
    assert ident.identify(s(HTML, "x.css"), TEXT_PREV) is None


def test_css_dspace_key_and_config_errors() -> None:
    ident = CSSIdentifier("css", [key("DSpace:CSS")], dspace_set())
    m = ident.identify(s(CSS), None)
    assert m is not None and m.key == key("DSpace:CSS")
    with pytest.raises(ConfigError):
        CSSIdentifier("css", [], dspace_set())
    with pytest.raises(ConfigError, match="none of"):
        CSSIdentifier("css", [key("PRONOM:x-fmt/224")], dspace_set())


def test_refiners_never_override_a_signature_match() -> None:
    signature = Match(key("PRONOM:fmt/96"), Confidence.POSITIVE_GENERIC, "droid", "byte match")
    css = CSSIdentifier("css", [key("PRONOM:x-fmt/224")], pronom_set())
    assert css.identify(s(CSS), signature) is None
    assert JSONIdentifier("json", pronom_set()).identify(s(JSON_DOC), signature) is None
    assert CSVIdentifier("csv", pronom_set()).identify(s(CSV_DOC), signature) is None
    assert MarkdownIdentifier("md", pronom_set()).identify(s(MARKDOWN), signature) is None


def test_css_truncated_last_rule_is_forgiven() -> None:
    data = CSS * 2000   # > 256 KiB window, so the parse sees a cut-off rule
    m = CSSIdentifier("css", [key("PRONOM:x-fmt/224")], pronom_set()).identify(s(data), None)
    assert m is not None and m.key == key("PRONOM:x-fmt/224")


# --- JSON --------------------------------------------------------------------------------------

def test_json_object_and_array() -> None:
    ident = JSONIdentifier("json", pronom_set())
    m = ident.identify(s(JSON_DOC, "data.dat"), TEXT_PREV)
    assert m is not None and m.key == key("PRONOM:fmt/817")
    assert m.confidence == Confidence.HEURISTIC and m.basis == "json parse: object with 3 members"
    arr = ident.identify(s("\ufeff[1, 2, \"ü\"]".encode("utf-16-le")), None)
    assert arr is not None and arr.basis == "json parse: array of 3 values"


@pytest.mark.parametrize("data", [b"42\n", b'"just a string"', b"true", b"{'a': 1}", b"{\"a\": }",
                                  b'{"a": 1}\n{"b": 2}\n', CSS, CSV_DOC, PROSE,
                                  "{\"a\": \"é\"}".encode("latin-1")])
def test_json_rejects(data: bytes) -> None:
    assert JSONIdentifier("json", pronom_set()).identify(s(data), None) is None


def test_json_large_file_checks_brackets_only_with_a_json_name() -> None:
    body = b"[" + b'{"k": 1},\n' * (JSON_MAX_BYTES // 10 + 10) + b'{"k": 2}]\n'
    ident = JSONIdentifier("json", pronom_set())
    m = ident.identify(s(body, "big.json"), None)
    assert m is not None and "not fully parsed" in m.warning
    assert ident.identify(s(body, "big.txt"), None) is None


def test_json_without_a_json_format_is_unavailable() -> None:
    assert not JSONIdentifier.available(dspace_set())
    assert JSONIdentifier.available(pronom_set())


# --- CSV ---------------------------------------------------------------------------------------

def test_csv_with_quotes_and_embedded_newlines() -> None:
    m = CSVIdentifier("csv", pronom_set()).identify(s(CSV_DOC, "export"), TEXT_PREV)
    assert m is not None and m.key == key("PRONOM:x-fmt/18")
    assert m.basis == "consistent columns: 3 fields in 4 records (',')"


def test_tsv_answers_tsv() -> None:
    m = CSVIdentifier("csv", pronom_set()).identify(s(b"a\tb\tc\n1\t2\t3\n4\t5\t6\n"), None)
    assert m is not None and m.key == key("PRONOM:x-fmt/13")


@pytest.mark.parametrize("data", [
    PROSE, JSON_DOC, HTML, MARKDOWN, PYTHON,
    b"Dear John, thanks for the letter.\nBest wishes, Mary and Bob.\nPS, see you soon.\n",
    b"def f(a, b):\n    return g(a, b)\nx = f(1, 2)\n",
    b"a,b,c\n1,2\n3,4,5\n",              # ragged
    b"a,b\n1,2\n",                       # too little evidence without a .csv name
])
def test_csv_rejects(data: bytes) -> None:
    assert csv_shape(data.decode()) is None


def test_csv_small_file_passes_with_csv_name() -> None:
    ident = CSVIdentifier("csv", pronom_set())
    assert ident.identify(s(b"a,b\n1,2\n", "tiny.csv"), None) is not None
    assert ident.identify(s(b"a,b\n1,2\n", "tiny.txt"), None) is None


def test_csv_window_cut_is_tolerated() -> None:
    rows = b"".join(b"%d,name %d,\"x, y\"\n" % (i, i) for i in range(20000))
    m = CSVIdentifier("csv", pronom_set()).identify(s(rows, "big"), None)
    assert m is not None and "+ records" in m.basis


# --- Markdown ----------------------------------------------------------------------------------

def test_markdown_structure() -> None:
    m = MarkdownIdentifier("md", pronom_set()).identify(s(MARKDOWN, "README"), TEXT_PREV)
    assert m is not None and m.key == key("PRONOM:fmt/1149")
    assert m.basis.startswith("markdown structure: heading")


@pytest.mark.parametrize("data", [PYTHON, PROSE, CSS, HTML, JSON_DOC, CSV_DOC,
                                  b"#include <stdio.h>\n# define X\nint main() { return 0; }\n",
                                  b"Notes\n- milk\n- eggs\n"])
def test_markdown_rejects(data: bytes) -> None:
    assert is_markdown(data.decode()) is None


def test_markdown_needs_more_evidence_in_a_txt_file() -> None:
    light = "Title\n=====\n\nSee [docs](https://x.org) and `x`.\n"
    assert is_markdown(light) is not None
    assert is_markdown(light, plain_text_name=True) is None


@pytest.mark.parametrize("text", [
    # Python with a '# comment' and a docstring list (indented imports at column 4)
    '"""Dispatch helpers.\n\n- one\n- **two**\n"""\n# Prefer the installed one\ntry:\n'
    "    import uarray as _u\nexcept ImportError:\n    _u = None\nelse:\n    del _u\n",
    # reStructuredText inside another file
    "# License header text\n\n.. versionadded:: 3.17\n\nUse ``x`` or :command:`find`.\n\n"
    "1. first **bold**\n2. [a](b)\n",
    # banner-style plain text with tilde separators and setext-like rules
    "=====\n= Welcome =\n=====\n\n~~~\nLesson 1\n~~~\n\n- move *left*\n- move right\n",
    # vim keymap: '# 3', '- =', '> :'
    '" keymap\n# 3\n- =\n> :\n* 8\n',
    # a data file whose '#' comment block looks like headings; data lines like lists/quotes
    "# Generated by afmtodit\n#\n#   FullName Helvetica\n#\nname HNI\n- 333 0 `minus\n"
    "> 584 3 `greater\n`quoted` 1\n",
    # CMake with an RST block comment
    "# Distributed under the BSD License.\n\n#[====[.rst:\nFindPike\n--------\n\n"
    "Find *Pike*.\n#]====]\n\nfind_path(PIKE_INCLUDE_PATH program.h\n  PATH_SUFFIXES include)\n",
])
def test_markdown_false_positives_seen_in_the_wild(text: str) -> None:
    assert is_markdown(text) is None


def test_markdown_refiner_trusts_another_specific_extension() -> None:
    ident = MarkdownIdentifier("md", pronom_set())
    assert ident.identify(s(MARKDOWN, "page.html"), TEXT_PREV) is None   # fmt/96 by name
    assert ident.identify(s(MARKDOWN, "notes.unknownext"), TEXT_PREV) is not None
    # a name that already says Markdown is left to the TextSubtypeHelper (same answer)
    assert ident.identify(s(MARKDOWN, "notes.md"), TEXT_PREV) is None
    assert ident.answer_keys == (key("PRONOM:fmt/1149"),)


def test_css_rejects_code_whose_prelude_is_not_a_selector() -> None:
    code = (b"from typing import Any\n\n\ndef clean(obj: dict[str, Any]) -> dict[str, Any]:\n"
            b"    return {\n        key: value for key, value in obj.items()"
            b" if value != []\n    }\n")
    assert css_rule_count(code) is None
    assert css_rule_count(b"a:not(.x) > b[href='y'], ::slotted(p) { color: red !important }") \
        == 1


@pytest.mark.parametrize("css", [
    b":not(.dark-mode) {\n  pre code.hljs { display: block; }\n  .x { color: red }\n}\n",
    b"/* theme */\n@import url(core.css);\n@import url(framing.css);\n",
    b"/*" + b" long licence text " * 400 + b"*/\n* { box-sizing: border-box; }\nb { margin: 0 }\n",
    b'input[type="text"]:focus-visible, a::after { outline: 1px solid; content: "\\201C" }\n',
])
def test_css_real_world_shapes(css: bytes) -> None:
    assert css_rule_count(css) is not None


def test_css_prefilter_rejects_code_cheaply() -> None:
    from formats.identifiers.css import looks_like_css_start

    assert not looks_like_css_start(b"import os\n\ndef f(x):\n    return {'a': x}\n")
    assert not looks_like_css_start(b"function f() { return 1; }\n")
    assert not looks_like_css_start(b"no braces at all")
    assert looks_like_css_start(b"@media print { a { color: red } }")


@pytest.mark.parametrize("data", [b"a{b:c}\n" + b"x{" * 3000,
                                  b"a{b:c}\n" + b"x{y{" * 1500 + b"}" * 3000])
def test_css_absurd_nesting_is_not_css_and_does_not_crash(data: bytes) -> None:
    assert css_rule_count(data) is None


@pytest.mark.parametrize("text", ["a" * 65536, "a" * 65536 + "\n", "a b " * 16000 + "\nx",
                                  "[" * 30000 + "](" * 10000, "# " + "a" * 65536,
                                  "-" * 65536 + "\n" + "=" * 1000, "![" * 30000,
                                  "[" + "a" * 65536])
def test_pathological_lines_stay_linear(text: str) -> None:
    """Once quadratic (a 64 KiB line took 3.7 s in the setext regex); now milliseconds."""
    assert is_markdown(text) is None
    assert csv_shape(text) is None


# --- added with the content detectors of the identification issue ---------------------------

@pytest.mark.parametrize("text", [
    # GitHub issue template: YAML front matter (CRLF), then prose with bold and a link
    "---\r\nname: Bug report\r\nabout: Report a bug\r\nlabels:\r\n- bug\r\n\r\n---\r\n\r\n"
    "**Describe the bug**\r\nA clear description. See [docs](https://example.org).\r\n",
    # licence notes: an outline of ATX headings and an HTML block
    "## Dynalink v.5\n\n### Dynalink License\n<pre>\nCopyright (c) 2009\n\nRedistribution "
    "and use ...\n* Redistributions of source code\n</pre>\n",
    "# SFC64\n\n## The MIT License\n\nPermission is hereby granted, free of charge.\n",
])
def test_markdown_front_matter_and_outlines(text: str) -> None:
    kinds = is_markdown(text)
    assert kinds is not None and {"front matter", "heading outline"} & set(kinds)


@pytest.mark.parametrize("text", [
    "#! /usr/bin/env bash\n# Copyright someone\n\n# perform a simulation\nSOCAT=socat\n\n"
    "# Arguments:\n#   none\n\n## Results\nif true; then echo x; fi\n",
    "#====\n# Jetty Startup\n#\n# See documentation\n#====\n\n# To disable the warning\n"
    "--module=home-base-warning\n\n### Common HTTP configuration\n## Scheme to use\n"
    "# jetty.httpConfig.secureScheme=https\n",
    "AC_DEFUN([X], [\n  AC_MSG_RESULT([found])\n])\n" * 5
    + "[tcl_ok=$enableval], [tcl_ok=no])\n# FIXME: Currently, `LDFLAGS` is **not** used.\n"
    "if test \"$tcl_ok\" = \"no\"; then\n  x=1\nfi\n",
])
def test_markdown_refuses_scripts_config_and_comments_between_code(text: str) -> None:
    assert is_markdown(text) is None


def test_css_parses_only_what_the_decision_needs() -> None:
    header = b"/* " + b"licence text " * 300 + b"*/\n"          # 4 KiB of comment first
    rule = b".item-%d { color: #%03d; margin: 0 auto; }\n"
    big = header + b"".join(rule % (i, i % 999) for i in range(2000))
    ident = CSSIdentifier("css", [key("PRONOM:x-fmt/224")], pronom_set())
    m = ident.identify(s(big, "site.dat"), TEXT_PREV)
    assert m is not None and m.key == key("PRONOM:x-fmt/224")
    assert m.basis.endswith("rules in the first 1 KiB")
    small = ident.identify(s(CSS, "site.dat"), TEXT_PREV)
    assert small is not None and small.basis == "css parse: 8 rules"     # whole file parsed
    junk = header + b"not a stylesheet { at all: really }\n" * 200
    assert ident.identify(s(junk, "x.dat"), TEXT_PREV) is None


def test_csv_cheap_rejection_agrees_with_the_parser() -> None:
    import random

    from formats.identifiers.csvfmt import _ragged_without_quotes

    rng = random.Random(7)
    for _ in range(300):
        lines = [",".join("x" * rng.randrange(3) for _ in range(rng.choice((2, 3, 3, 4))))
                 for _ in range(rng.randrange(1, 8))]
        text = "\n".join(lines) + "\n"
        if _ragged_without_quotes(text, ",", truncated=False):
            assert csv_shape(text, tabular_name=True) is None


def test_csv_trusts_a_specific_name() -> None:
    ident = CSVIdentifier("csv", pronom_set())
    rows = b"a,b,c\n1,2,3\n4,5,6\n7,8,9\n"
    assert ident.identify(s(rows, "data"), TEXT_PREV) is not None
    assert ident.identify(s(rows, "page.html"), TEXT_PREV) is None       # fmt/96 by name
