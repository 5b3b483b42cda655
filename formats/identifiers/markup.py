"""MarkupIdentifier: text that is an SVG image, an HTML page or fragment, or an XML document.

PRONOM's byte signatures find these only in their textbook shape: XML (fmt/101) needs an XML
declaration at offset 0, SVG (fmt/91, fmt/92, fmt/413) a declaration and the SVG namespace,
HTML (fmt/96) ``<html`` near the start *and* ``</html``/``</body`` near the end. Real files
often have none of that: icon themes write ``<svg xmlns=...>`` with no declaration, pages are
fragments or templates, XML starts with a licence comment. So this refiner looks at what the
text starts with, after a BOM, blank space, comments, processing instructions, a DOCTYPE and
leading template directives (``{% extends %}``):

* root element ``svg`` (or ``<!DOCTYPE svg``): SVG -- ``version="1.0"`` fmt/91,
  ``baseProfile="tiny"`` fmt/413, otherwise fmt/92 (SVG 1.1, the common case);
* root element ``html``, ``<!DOCTYPE html``, or a first element from HTML's vocabulary
  (``div``, ``table``, ``body``, ``script``...): HTML -- fmt/471 with the HTML5 doctype
  ``<!DOCTYPE html>``, otherwise fmt/96 (HTML, generic);
* any other root element, when the first :data:`MARKUP_WINDOW` bytes are well-formed XML
  (Python's expat; DTDs with internal subsets are not expanded): XML, fmt/101.

It answers at HEURISTIC like the other refiners, only over generic text, never over a
signature. Prose, code and config do not start with a tag, so they are never claimed.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from formats.identifiers.lazyre import LazyPattern
from formats.identifiers.refiner import ContentRefiner, resolve_format
from formats.identifiers.textclass import decode_text
from formats.model import Sample
from registries.model import FormatKey, RegistrySet

MARKUP_WINDOW = 16 * 1024

#: elements an HTML fragment or page may start with (not XML vocabularies' usual roots)
HTML_ELEMENTS = frozenset({
    "a", "abbr", "address", "article", "aside", "b", "base", "blockquote", "body", "br", "button",
    "canvas", "center", "code", "dd", "details", "dialog", "div", "dl", "dt", "em", "fieldset",
    "figure", "font", "footer", "form", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head",
    "header", "hr", "html", "i", "iframe", "img", "input", "label", "li", "link", "main", "meta",
    "nav", "noscript", "ol", "p", "picture", "pre", "script", "section", "select", "small",
    "span", "strong", "style", "sub", "sup", "table", "tbody", "td", "template", "textarea", "th",
    "thead", "title", "tr", "tt", "ul",
})

_SPACE = LazyPattern(r"\s*")
_COMMENT_END = "-->"
_TEMPLATE_TAG = LazyPattern(r"\{%.{0,400}?%\}|\{#.{0,400}?#\}|\{\{.{0,400}?\}\}", re.S)
_DOCTYPE = LazyPattern(r"<!DOCTYPE\s+([A-Za-z][\w.:-]*)([^>\[]{0,600})(\[)?", re.I)
_START_TAG = LazyPattern(r"<([A-Za-z_][\w.:-]{0,100})((?:\s[^<>]{0,2000})?)/?>", re.S)
_VERSION = LazyPattern(r"""\sversion\s*=\s*["']([\d.]+)["']""")
_TINY = LazyPattern(r"""\sbaseProfile\s*=\s*["']tiny["']""", re.I)


class Prolog(NamedTuple):
    """What a markup document starts with."""

    doctype: str          # lower-cased DOCTYPE name ('' when none)
    doctype_rest: str     # the rest of the DOCTYPE declaration (public id ...)
    internal_subset: bool  # the DOCTYPE declares entities or elements inline
    root: str             # the first element's name as written ('' when none)
    attributes: str       # the first element's attributes, as text
    declaration: bool     # starts with an XML declaration


def _skip_space(text: str, pos: int) -> int:
    space = _SPACE.match(text, pos)
    return space.end() if space is not None else pos


def read_prolog(text: str) -> Prolog | None:
    """The DOCTYPE and first element of ``text``, or None when it does not start with markup."""
    text = text.lstrip("\ufeff")
    pos = 0
    doctype = rest = root = attributes = ""
    subset = declaration = False
    for _ in range(64):  # comments, PIs, template directives: bounded
        pos = _skip_space(text, pos)
        if text.startswith("<!--", pos):
            end = text.find(_COMMENT_END, pos + 4)
            if end < 0:
                return None
            pos = end + 3
        elif text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            if end < 0:
                return None
            declaration = declaration or text.startswith("<?xml", pos)
            pos = end + 2
        elif text.startswith(("{%", "{#", "{{"), pos):
            found = _TEMPLATE_TAG.match(text, pos)
            if found is None:
                return None
            pos = found.end()
        elif text[pos:pos + 9].upper() == "<!DOCTYPE":
            found = _DOCTYPE.match(text, pos)
            if found is None:
                return None
            doctype, rest, subset = found.group(1).lower(), found.group(2), bool(found.group(3))
            end = text.find("]>" if subset else ">", found.end() - 1)
            if end < 0:
                return Prolog(doctype, rest, subset, "", "", declaration)
            pos = end + (2 if subset else 1)
        else:
            break
    found = _START_TAG.match(text, pos)
    if found is not None:
        root, attributes = found.group(1), found.group(2)
    elif not doctype:
        return None
    return Prolog(doctype, rest, subset, root, attributes, declaration)


def well_formed_head(text: str, complete: bool) -> bool:
    """True when ``text`` parses as XML so far (all of it when ``complete``) and at least one
    element has closed (a chat log of ``<alice> hi`` lines opens tags and never closes one).

    Entity declarations stop the parse (nothing is ever expanded); external entities and DTDs
    are not fetched (expat never does unless asked).
    """
    import pyexpat

    parser = pyexpat.ParserCreate()
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    closed: list[str] = []

    def refuse(*_args: object) -> None:
        raise ValueError("entity declaration")

    parser.EntityDeclHandler = refuse
    parser.EndElementHandler = closed.append
    try:
        parser.Parse(text, complete)
    except (pyexpat.ExpatError, ValueError):
        return False
    return bool(closed)


class _Kind(NamedTuple):
    puid: str
    basis: str


def classify(text: str, complete: bool) -> _Kind | None:
    """Which markup format ``text`` (a file's decoded head) is, with the basis to report."""
    prolog = read_prolog(text)
    if prolog is None:
        return None
    local = prolog.root.rsplit(":", 1)[-1]
    if local == "svg" or prolog.doctype == "svg":
        version = _VERSION.search(prolog.attributes)
        if _TINY.search(prolog.attributes):
            puid = "fmt/413"
        elif version is not None and version.group(1) == "1.0":
            puid = "fmt/91"
        else:
            puid = "fmt/92"
        detail = f" version {version.group(1)}" if version else ""
        return _Kind(puid, f"markup: svg root element{detail}")
    lowered = local.lower()
    if prolog.doctype == "html" or lowered == "html" or (
            lowered in HTML_ELEMENTS and not prolog.declaration):
        html5 = prolog.doctype == "html" and not prolog.doctype_rest.strip()
        what = f"{lowered} root element" if lowered else "html doctype"
        return _Kind("fmt/471" if html5 else "fmt/96", f"markup: html ({what})")
    if not prolog.root or prolog.internal_subset:
        return None
    if not well_formed_head(text, complete):
        return None
    return _Kind("fmt/101", f"xml parse: root element {prolog.root}")


class MarkupIdentifier(ContentRefiner):
    """SVG, HTML and XML by their structure (see the module docstring)."""

    #: PRONOM only (no MIME fallback): the DSpace 1.5 case of the instructions keeps its stack
    PUID = "PRONOM:fmt/101"
    MIMES = ()

    def __init__(self, name: str, registries: RegistrySet, **kwargs: object) -> None:
        super().__init__(name, registries, **kwargs)  # type: ignore[arg-type]
        self.keys: dict[str, FormatKey | None] = {
            puid: resolve_format(registries, f"PRONOM:{puid}", ())
            for puid in ("fmt/101", "fmt/91", "fmt/92", "fmt/413", "fmt/96", "fmt/471")}

    @property
    def answer_keys(self) -> tuple[FormatKey | None, ...]:
        """None: a name such as ``.svg`` on text that does not look like SVG promotes nothing
        (the structure test is what says SVG here, not the name)."""
        return ()

    def detect(self, sample: Sample, cls: str) -> tuple[FormatKey | None, str, str] | None:
        head = sample.bof(MARKUP_WINDOW)
        if b"<" not in head[:4096]:
            return None
        found = classify(decode_text(head, cls), sample.size <= len(head))
        if found is None:
            return None
        key = self.keys.get(found.puid)
        if key is None:   # the registry lacks that version: the family's generic entry
            key = self.keys["fmt/92"] if found.puid in ("fmt/91", "fmt/413") else \
                self.keys["fmt/96"] if found.puid == "fmt/471" else None
        if key is None:
            return None
        return key, found.basis, ""
