"""Hostile-safe XML parsing and offline XSD validation.

Every XML document bsf reads (registry documents, DROID files, METS inside an AIP) may come from
outside, so parsing follows one rule: the document may not make the parser read anything but
itself. Concretely:

* a document with a ``<!DOCTYPE`` (hence any ``<!ENTITY``) is refused *before* libxml2 sees it,
  by scanning the prolog, so neither XXE (``SYSTEM "file:///..."``) nor billion-laughs expansion
  can happen — not even partially;
* the lxml parser is built with ``resolve_entities=False, no_network=True, load_dtd=False,
  huge_tree=False`` and a resolver that refuses every external load, as a second wall;
* schema validation collects *every* error with file and line (``schema.error_log``), so an
  operator fixes a hand-edited document in one pass;
* XSD ``import``/``include`` are resolved only to local files: the schema's own folder tree or an
  explicit catalog mapping a network location to a local copy (a dict or an OASIS catalog file
  like ``../shared/schemas/catalog.xml``). Nothing is ever fetched.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlparse

from lxml import etree

from bsfcore.errors import InputError, Problem, UnsafeInputError

Source = str | os.PathLike[str] | bytes | IO[bytes]

#: The longest prolog (XML declaration, comments, processing instructions) we scan before the
#: root element. Longer prologs are refused rather than parsed half-checked.
MAX_PROLOG = 1 << 20

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
_NO_BOM: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_DECL_OR_DOCTYPE = re.compile(r"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)


class _RefuseAll(etree.Resolver):
    """Refuses every external load a document tries (DTDs, entities, XInclude)."""

    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        raise UnsafeInputError(f"refused to load external resource {system_url!r} "
                               "referenced by an XML document")


def safe_parser(*, remove_blank_text: bool = False) -> etree.XMLParser:
    """An lxml parser that never resolves entities, loads DTDs or touches the network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=False,
                             remove_blank_text=remove_blank_text)
    parser.resolvers.add(_RefuseAll())
    return parser


def _sniff_encoding(head: bytes) -> str:
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    for start, codec in _NO_BOM:
        if head.startswith(start):
            return codec
    # Every other encoding libxml2 accepts is ASCII-compatible for "<!DOCTYPE".
    return "latin-1"


def check_prolog(head: bytes, name: str) -> None:
    """Refuse a document whose prolog declares a DOCTYPE (or any DTD markup).

    ``head`` holds the first bytes of the document; the scan stops at the root element, so a
    ``<!DOCTYPE`` written inside a comment or CDATA later in the document is not mistaken.
    """
    codec = _sniff_encoding(head)
    text = head.decode(codec, errors="replace").lstrip("\ufeff")
    pos = 0
    length = len(text)
    while True:
        while pos < length and text[pos] in " \t\r\n":
            pos += 1
        if pos >= length:
            if length >= MAX_PROLOG:
                raise UnsafeInputError(f"{name}: XML prolog longer than {MAX_PROLOG} bytes refused")
            return  # empty or truncated: the parser reports it
        if text.startswith("<?", pos):
            end, close = text.find("?>", pos + 2), 2
        elif text.startswith("<!--", pos):
            end, close = text.find("-->", pos + 4), 3
        elif _DECL_OR_DOCTYPE.match(text, pos):
            raise UnsafeInputError(
                f"{name}: XML documents with a DOCTYPE or entity declarations are refused "
                "(they could read local files or expand without bound); remove the <!DOCTYPE ...>")
        else:
            return  # root element (or garbage the parser will report)
        if end < 0:
            if length >= MAX_PROLOG:
                raise UnsafeInputError(f"{name}: XML prolog longer than {MAX_PROLOG} bytes refused")
            return
        pos = end + close


def _read_source(source: Source) -> tuple[bytes, str | None]:
    """The document's bytes and its file name (for messages and base URL)."""
    if isinstance(source, bytes):
        return source, None
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            return path.read_bytes(), str(path)
        except FileNotFoundError:
            raise InputError([Problem(str(path), None, "file does not exist")]) from None
        except OSError as exc:
            raise InputError([Problem(str(path), None, f"cannot read: {exc}")]) from None
    data = source.read()
    name = getattr(source, "name", None)
    return data, name if isinstance(name, str) else None


def parse_xml(source: Source, *, schema: etree.XMLSchema | None = None,
              error_class: type[InputError] = InputError, name: str | None = None,
              remove_blank_text: bool = False) -> etree._ElementTree:
    """Parse an untrusted XML document; optionally validate it against ``schema``.

    Raises :class:`UnsafeInputError` for DOCTYPE/entity declarations (before parsing), and
    ``error_class`` carrying every syntax or validation problem with file and line.
    """
    data, filename = _read_source(source)
    label = name or filename or "<xml>"
    check_prolog(data[:MAX_PROLOG], label)
    parser = safe_parser(remove_blank_text=remove_blank_text)
    try:
        tree = etree.parse(io.BytesIO(data), parser, base_url=filename)
    except etree.XMLSyntaxError as exc:
        problems = [Problem(label, err.line or None, err.message)
                    for err in parser.error_log] or [Problem(label, exc.lineno, str(exc))]
        raise error_class(problems) from None
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeInputError(f"{label}: XML documents with a DOCTYPE are refused")
    if schema is not None:
        problems = validation_problems(tree, schema, path=label)
        if problems:
            raise error_class(problems)
    return tree


def validation_problems(tree: etree._ElementTree, schema: etree.XMLSchema, *,
                        path: str | None = None) -> list[Problem]:
    """Every XSD error of ``tree`` with its line, in document order."""
    if schema.validate(tree):
        return []
    return [Problem(path or err.filename or None, err.line or None, err.message)
            for err in schema.error_log]


# --- schemas --------------------------------------------------------------------------------

Catalog = Mapping[str, str | os.PathLike[str]]


def load_catalog(path: str | os.PathLike[str]) -> dict[str, Path]:
    """Read an OASIS XML catalog's ``system``/``uri`` entries as ``location -> local file``."""
    file = Path(path)
    tree = parse_xml(file)
    mapping: dict[str, Path] = {}
    for element in tree.getroot().iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if local == "system":
            key, target = element.get("systemId"), element.get("uri")
        elif local == "uri":
            key, target = element.get("name"), element.get("uri")
        else:
            continue
        if key and target:
            mapping[key] = (file.parent / target).resolve()
    return mapping


class _LocalOnly(etree.Resolver):
    """Resolves schema imports to local files: the catalog, or files under allowed roots."""

    def __init__(self, catalog: Mapping[str, Path], roots: list[Path]) -> None:
        super().__init__()
        self.catalog = catalog
        self.roots = roots
        self.refused: list[str] = []

    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        if system_url in self.catalog:
            return self.resolve_filename(str(self.catalog[system_url]), context)
        parsed = urlparse(system_url)
        if parsed.scheme in ("", "file"):
            candidate = Path(unquote(parsed.path) if parsed.scheme == "file" else system_url)
            candidate = candidate.resolve()
            if any(candidate.is_relative_to(root) for root in self.roots) and candidate.is_file():
                return self.resolve_filename(str(candidate), context)
        self.refused.append(system_url)
        raise UnsafeInputError(
            f"schema import {system_url!r} is neither a local file beside the schema nor mapped "
            "by the XML catalog; bsf never fetches schemas over the network")


def load_schema(path: str | os.PathLike[str], *,
                catalog: Catalog | str | os.PathLike[str] | None = None) -> etree.XMLSchema:
    """Compile an XSD whose imports resolve only to local files.

    ``catalog`` maps network schema locations to local copies (a mapping, or the path of an OASIS
    catalog file). Relative imports are allowed inside the schema's own folder tree.
    """
    file = Path(path).resolve()
    if not file.is_file():
        raise InputError([Problem(str(path), None, "schema file does not exist")])
    if catalog is None:
        mapping: dict[str, Path] = {}
    elif isinstance(catalog, (str, os.PathLike)):
        mapping = load_catalog(catalog)
    else:
        mapping = {k: Path(v).resolve() for k, v in catalog.items()}
    roots = [file.parent, *sorted({p.parent for p in mapping.values()})]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    resolver = _LocalOnly(mapping, roots)
    parser.resolvers.add(resolver)
    data = file.read_bytes()
    check_prolog(data[:MAX_PROLOG], str(file))
    try:
        doc = etree.parse(io.BytesIO(data), parser, base_url=str(file))
        return etree.XMLSchema(doc)
    except etree.XMLSyntaxError as exc:
        raise InputError([Problem(str(file), exc.lineno, str(exc))]) from None
    except etree.XMLSchemaParseError as exc:
        if resolver.refused:
            raise UnsafeInputError(
                f"{file}: schema import(s) {', '.join(resolver.refused)} are neither local files "
                "beside the schema nor mapped by the XML catalog; bsf never fetches schemas "
                "over the network") from None
        problems = [Problem(err.filename or str(file), err.line or None, err.message)
                    for err in exc.error_log] or [Problem(str(file), None, str(exc))]
        raise InputError(problems) from None
