"""MarkupIdentifier: SVG, HTML pages and fragments, XML without a declaration -- and what is not."""

from __future__ import annotations

import pytest

from formats.identifiers.markup import MarkupIdentifier, classify, read_prolog
from formats.model import Confidence, Match, Sample
from registries.model import Format, FormatKey, Registry, RegistrySet
from tests.formats.helpers import key

PUIDS = ("fmt/101", "fmt/91", "fmt/92", "fmt/413", "fmt/96", "fmt/471", "x-fmt/111")
TEXT = Match(key("PRONOM:x-fmt/111"), Confidence.HEURISTIC, "text", "text match ASCII")
SVG_BODY = '<path d="M0 0h16v16H0z"/></svg>\n'


def registries() -> RegistrySet:
    return RegistrySet([Registry("PRONOM", [Format((FormatKey("PRONOM", p),), p)
                                            for p in PUIDS])])


def puid(text: str, complete: bool = True) -> str | None:
    found = classify(text, complete)
    return found.puid if found else None


@pytest.mark.parametrize("text", [
    '<svg xmlns="http://www.w3.org/2000/svg" width="16">' + SVG_BODY,
    '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    + SVG_BODY,
    '\ufeff<!-- Icon by someone, CC BY 4.0 -->\n<svg xmlns="http://www.w3.org/2000/svg">'
    + SVG_BODY,
    '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg version="1.1">' + SVG_BODY,
    '<svg:svg xmlns:svg="http://www.w3.org/2000/svg">' + SVG_BODY.replace("</svg>", "</svg:svg>"),
])
def test_svg_in_every_shape(text: str) -> None:
    assert puid(text) == "fmt/92"


def test_svg_versions() -> None:
    assert puid('<svg version="1.0" xmlns="http://www.w3.org/2000/svg">' + SVG_BODY) == "fmt/91"
    assert puid('<svg version="1.2" baseProfile="tiny">' + SVG_BODY) == "fmt/413"


@pytest.mark.parametrize(("text", "expected"), [
    ("<!DOCTYPE html>\n<html><head><title>x</title></head><body></body></html>", "fmt/471"),
    ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN">\n<html><body>x', "fmt/96"),
    ("<div class='card'><p>Fragment without html or body</p></div>\n", "fmt/96"),
    ('<body leftmargin="0">\n<table border=0><tr><td>old page', "fmt/96"),
    ('{% extends "base.html" %}\n{% block body %}\n<div id="x"></div>\n{% endblock %}', "fmt/96"),
    ('<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "fmt/96"),
])
def test_html_pages_fragments_and_templates(text: str, expected: str) -> None:
    assert puid(text) == expected


@pytest.mark.parametrize("text", [
    "<!-- generated, do not edit -->\n<schemalist>\n<enum id='x'><value nick='a'/></enum>\n"
    "</schemalist>\n",
    '<dsig:Method xmlns:dsig="http://www.w3.org/2000/09/xmldsig#" Algorithm="x">\n'
    "  <c14n2:Q xmlns:c14n2='urn:x'/>\n</dsig:Method>\n",
])
def test_xml_without_declaration(text: str) -> None:
    assert puid(text) == "fmt/101"


@pytest.mark.parametrize("text", [
    "Plain prose that mentions <b>bold</b> later on.\n",
    "<alice> hi there\n<bob> hello\n" * 50,                    # a chat log: nothing closes
    "<note><to></note>\n",                                       # not well formed
    "<root>unclosed document",                                   # complete and unclosed
    "<?php echo 'hi';\n$x = 1;\n",                               # PHP: not markup
    '<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><r>&b;</r>',  # never expanded
    "#include <stdio.h>\nint main(void) { return 0; }\n",
    "",
])
def test_not_markup(text: str) -> None:
    assert puid(text) is None


def test_a_long_file_is_judged_by_its_well_formed_head() -> None:
    head = "<feed>" + "<entry><id>1</id></entry>\n" * 100
    assert puid(head, complete=False) == "fmt/101"
    assert puid(head, complete=True) is None      # the whole file must close its root


def test_prolog_reader_is_bounded() -> None:
    assert read_prolog("<!--" + "x" * 100000) is None
    assert read_prolog("<?pi?>" * 1000 + "<a/>") is None   # 64 steps, then give up


def test_identifier_gating_and_answers() -> None:
    ident = MarkupIdentifier("bsf.MarkupIdentifier", registries())
    svg = Sample.from_bytes(b'<svg xmlns="http://www.w3.org/2000/svg">' + SVG_BODY.encode(),
                            "icon.dat")
    got = ident.identify(svg, TEXT)
    assert got is not None and got.key == key("PRONOM:fmt/92")
    assert got.confidence == Confidence.HEURISTIC and got.basis == "markup: svg root element"
    signed = Match(key("PRONOM:fmt/92"), Confidence.POSITIVE_SPECIFIC, "droid", "byte match")
    assert ident.identify(svg, signed) is None                 # never over a signature
    binary = Sample.from_bytes(b"<svg\x00\x01\x02", "x.dat")
    assert ident.identify(binary, None) is None                # never on binary content
    assert ident.answer_keys == ()                             # a name alone promotes nothing


def test_unavailable_without_pronom() -> None:
    assert not MarkupIdentifier.available(RegistrySet([Registry("DSpace", [
        Format((FormatKey("DSpace", "XML"),), "XML", mime_type="text/xml")])]))
