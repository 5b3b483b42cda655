"""Registry documents in our ``dsr`` XML format (DSpace and Provisional registries).

The format is defined by ``config/formats/formats.xsd`` (namespace ``urn:bsf:format-registry:1``,
prefix ``dsr``). Loading validates against that schema when asked, then makes the checks XSD
cannot express, and reports *every* problem at once with file and line, because these documents
are edited by hand (the conversion instructions tell operators to prune the file that
``Upgrade15To16 -p`` writes).

Canonical key rule: every entry must carry exactly one identifier in the registry's own namespace
(``Provisional:HTM`` in the Provisional registry); that identifier is the format's canonical key,
whatever its position in the list. The other identifiers are synonyms, kept in document order
(``PRONOM:fmt/96``). An identifier or synonym may belong to one entry only, and names are unique.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from lxml import etree

from bsfcore.atomic import atomic_replace
from bsfcore.errors import BsfError, Problem, RegistryError
from registries.model import Format, FormatKey, Registry, SupportLevel
from registries.packaged import packaged_schema
from registries.xmlsafe import load_schema, parse_xml, validation_problems

DSR_NAMESPACE = "urn:bsf:format-registry:1"
DSR_PREFIX = "dsr"
ROOT = "format-registry"
_Q = "{" + DSR_NAMESPACE + "}"

_schema_cache: dict[tuple[str, int, int], etree.XMLSchema] = {}


def load_format_schema(path: str | os.PathLike[str] | None = None) -> etree.XMLSchema:
    """Compile (once per file version) the registry schema; the packaged one by default."""
    file = Path(path) if path is not None else packaged_schema()
    try:
        stat = file.stat()
    except OSError:
        raise RegistryError([Problem(str(file), None, "schema file does not exist")]) from None
    key = (str(file.resolve()), stat.st_mtime_ns, stat.st_size)
    schema = _schema_cache.get(key)
    if schema is None:
        try:
            schema = load_schema(file)
        except RegistryError:
            raise
        except BsfError as exc:
            problems = getattr(exc, "problems", None) or [Problem(str(file), None, str(exc))]
            raise RegistryError(problems) from None
        _schema_cache[key] = schema
    return schema


def dspace_identifier(short_description: str) -> str:
    """The DSpace-registry identifier of a DSpace 1.5 format, from its short description.

    Every run of characters other than ASCII letters, digits, ``.`` and ``-`` becomes one ``_``
    (leading/trailing ``_`` dropped): ``Adobe PDF`` -> ``Adobe_PDF``, ``image/png`` ->
    ``image_png``, ``Writer 6.0 documents`` -> ``Writer_6.0_documents``; one-word names such as
    ``CSS``, ``LateX`` and ``RealAudio`` stay as they are, matching the conversion instructions.
    """
    ident = re.sub(r"[^A-Za-z0-9.\-]+", "_", short_description.strip()).strip("_")
    if not ident:
        raise BsfError(f"cannot make a DSpace identifier from {short_description!r}")
    return ident


# --- reading ---------------------------------------------------------------------------------

@dataclass
class _Entry:
    line: int | None
    name: str | None = None
    version: str | None = None
    description: str | None = None
    mime_type: str | None = None
    support_level: SupportLevel | None = None
    internal: bool = False
    keys: list[tuple[FormatKey, int | None]] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)
    broken: bool = False


def _text(element: etree._Element) -> str:
    return " ".join((element.text or "").split())


def _clean(message: str) -> str:
    return message.replace(_Q, f"{DSR_PREFIX}:")


def _read_entry(element: etree._Element, label: str,
                structural: list[tuple[str, Problem]]) -> _Entry:
    entry = _Entry(element.sourceline)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag
        line = child.sourceline
        if tag == _Q + "name":
            entry.name = _text(child) or None
        elif tag == _Q + "version":
            entry.version = _text(child) or None
        elif tag == _Q + "description":
            entry.description = (child.text or "").strip() or None
        elif tag == _Q + "mime-type":
            entry.mime_type = _text(child) or None
        elif tag == _Q + "support-level":
            try:
                entry.support_level = SupportLevel.parse(_text(child))
            except BsfError as exc:
                structural.append(("dsr:support-level", Problem(label, line, str(exc))))
        elif tag == _Q + "internal":
            value = _text(child).lower()
            if value not in ("true", "false", "1", "0"):
                structural.append(("dsr:internal", Problem(
                    label, line, f"dsr:internal must be true or false, not {value!r}")))
            entry.internal = value in ("true", "1")
        elif tag == _Q + "external-identifiers":
            for ident in child.iterchildren(_Q + "identifier"):
                try:
                    entry.keys.append((FormatKey.parse(_text(ident)), ident.sourceline))
                except BsfError as exc:
                    entry.broken = True
                    structural.append(("dsr:identifier",
                                       Problem(label, ident.sourceline, str(exc))))
        elif tag == _Q + "external-signatures":
            for ext in child.iterchildren(_Q + "extension"):
                value = _text(ext).lower()
                if not value or value.startswith(".") or "/" in value or " " in value:
                    structural.append(("dsr:extension", Problem(
                        label, ext.sourceline,
                        f"malformed extension {value!r}: write it without the dot, e.g. htm")))
                else:
                    entry.extensions.append(value)
        else:
            structural.append((_clean(tag), Problem(
                label, line, f"unexpected element {_clean(tag)} in dsr:entry")))
    if entry.name is None:
        structural.append(("dsr:entry", Problem(label, entry.line, "dsr:entry has no dsr:name")))
        entry.broken = True
    if not entry.keys and not entry.broken:
        structural.append(("dsr:entry", Problem(
            label, entry.line, "dsr:entry has no dsr:external-identifiers/dsr:identifier")))
        entry.broken = True
    return entry


def _check_entries(entries: list[_Entry], namespace: str, label: str,
                   default_level: SupportLevel) -> tuple[list[Format], list[Problem]]:
    """The checks XSD cannot make: canonical key, duplicates. Returns formats and problems."""
    problems: list[Problem] = []
    formats: list[Format] = []
    key_owner: dict[FormatKey, tuple[str, int | None]] = {}
    name_owner: dict[str, int | None] = {}
    for entry in entries:
        what = f"entry {entry.name!r}" if entry.name else "entry"
        if entry.name is not None:
            if entry.name in name_owner:
                problems.append(Problem(label, entry.line,
                                        f"duplicate name {entry.name!r} (also the entry at line "
                                        f"{name_owner[entry.name]}); names must be unique"))
            else:
                name_owner[entry.name] = entry.line
        own = [k for k, _ in entry.keys if k.namespace == namespace]
        if not entry.broken and not own:
            listed = ", ".join(str(k) for k, _ in entry.keys)
            problems.append(Problem(label, entry.line,
                                    f"{what} has no identifier in the {namespace} namespace "
                                    f"(it lists {listed}); add one such as "
                                    f"{namespace}:{dspace_identifier(entry.name or 'X')}, "
                                    "it becomes the canonical key"))
        elif len(own) > 1:
            problems.append(Problem(label, entry.line,
                                    f"{what} has {len(own)} identifiers in the {namespace} "
                                    f"namespace ({', '.join(map(str, own))}); exactly one is "
                                    "allowed, it is the canonical key"))
        seen_here: set[FormatKey] = set()
        for key, line in entry.keys:
            if key in seen_here:
                problems.append(Problem(label, line, f"{what} lists {key} twice"))
                continue
            seen_here.add(key)
            if key in key_owner:
                other, other_line = key_owner[key]
                problems.append(Problem(label, line,
                                        f"identifier {key} of {what} is already used by entry "
                                        f"{other!r} at line {other_line}"))
            else:
                key_owner[key] = (entry.name or "?", entry.line)
        if entry.broken or len(own) != 1:
            continue
        canonical = own[0]
        keys = (canonical, *[k for k in dict.fromkeys(k for k, _ in entry.keys) if k != canonical])
        formats.append(Format(
            keys=keys, name=entry.name or canonical.identifier, version=entry.version,
            mime_type=entry.mime_type, description=entry.description,
            extensions=tuple(dict.fromkeys(entry.extensions)),
            support_level=entry.support_level if entry.support_level is not None
            else default_level,
            internal=entry.internal, origin=f"{label}:{entry.line}"))
    return formats, problems


def load_registry_document(path: str | os.PathLike[str], namespace: str, *, validate: bool = True,
                           schema: str | os.PathLike[str] | etree.XMLSchema | None = None,
                           default_support_level: SupportLevel = SupportLevel.KNOWN) -> Registry:
    """Load one registry document as the registry of ``namespace``.

    ``schema`` is the XSD (a path or compiled schema; the packaged ``formats.xsd`` by default),
    used only when ``validate`` is true. Raises :class:`RegistryError` listing every problem.
    """
    file = Path(path)
    label = str(file)
    if not file.is_file():
        raise RegistryError([Problem(label, None, f"{namespace} registry document does not "
                                                  "exist")])
    tree = parse_xml(file, error_class=RegistryError)
    root = tree.getroot()
    problems: list[Problem] = []
    structural: list[tuple[str, Problem]] = []
    if validate:
        compiled = schema if isinstance(schema, etree.XMLSchema) else load_format_schema(schema)
        problems.extend(Problem(label, p.line, _clean(p.message))
                        for p in validation_problems(tree, compiled, path=label))
    if root.tag != _Q + ROOT:
        raise RegistryError([*problems, Problem(
            label, root.sourceline, f"root element is {_clean(str(root.tag))}, expected "
            f"{DSR_PREFIX}:{ROOT} in namespace {DSR_NAMESPACE}")])
    declared = root.get("namespace")
    if declared is not None and declared != namespace:
        problems.append(Problem(label, root.sourceline,
                                f"document declares namespace={declared!r} but is configured as "
                                f"the {namespace} registry"))
    entries: list[_Entry] = []
    for child in root:
        if not isinstance(child.tag, str):
            continue
        if child.tag == _Q + "entry":
            entries.append(_read_entry(child, label, structural))
        else:
            structural.append((_clean(str(child.tag)), Problem(
                label, child.sourceline,
                f"unexpected element {_clean(str(child.tag))}; only dsr:entry is allowed here")))
    formats, semantic = _check_entries(entries, namespace, label, default_support_level)
    if not validate or not problems:
        problems.extend(p for _, p in structural)
    else:
        # Where both complain about the same element, our message is the clearer one ("dsr:entry
        # has no dsr:name" beats libxml2's list of every element xs:all would have accepted).
        ours = {(p.line, element) for element, p in structural}
        problems = [p for p in problems if (p.line, _xsd_element(p.message)) not in ours]
        problems.extend(p for _, p in structural)
    problems.extend(semantic)
    if problems:
        problems.sort(key=lambda p: (p.line or 0))
        raise RegistryError(problems, _summary(label, problems))
    return Registry(namespace, formats, source=label, version=root.get("version"))


def _xsd_element(message: str) -> str | None:
    match = re.match(r"Element '([^']+)'", message)
    return match.group(1) if match else None


def _summary(label: str, problems: list[Problem]) -> str:
    if len(problems) == 1:
        return f"invalid registry document: {problems[0]}"
    lines = "\n".join(f"  {p}" for p in problems)
    return f"invalid registry document {label}: {len(problems)} problems:\n{lines}"


# --- writing ---------------------------------------------------------------------------------

def registry_tree(formats: Iterable[Format], *, namespace: str | None = None,
                  version: str | None = None, comment: str | None = None) -> etree._ElementTree:
    """Build the dsr document of ``formats`` (see :func:`write_registry_document`)."""
    root = etree.Element(_Q + ROOT, nsmap={DSR_PREFIX: DSR_NAMESPACE})
    if namespace:
        root.set("namespace", namespace)
    if version:
        root.set("version", version)
    if comment:
        body = textwrap.fill(" ".join(comment.replace("--", "- -").split()), width=92,
                             initial_indent="    ", subsequent_indent="    ")
        root.append(etree.Comment("\n" + body + "\n  "))
    for fmt in formats:
        keys = list(fmt.keys)
        if namespace is not None:
            own = [k for k in keys if k.namespace == namespace]
            if len(own) != 1:
                raise BsfError(f"format {fmt.name!r} ({', '.join(map(str, keys))}) must have "
                               f"exactly one {namespace}: identifier to be written to the "
                               f"{namespace} registry")
            keys = [own[0], *[k for k in keys if k != own[0]]]
        entry = etree.SubElement(root, _Q + "entry")
        etree.SubElement(entry, _Q + "name").text = fmt.name
        if fmt.version:
            etree.SubElement(entry, _Q + "version").text = fmt.version
        if fmt.description:
            etree.SubElement(entry, _Q + "description").text = fmt.description
        if fmt.mime_type:
            etree.SubElement(entry, _Q + "mime-type").text = fmt.mime_type
        etree.SubElement(entry, _Q + "support-level").text = fmt.support_level.name.lower()
        if fmt.internal:
            etree.SubElement(entry, _Q + "internal").text = "true"
        idents = etree.SubElement(entry, _Q + "external-identifiers")
        for key in keys:
            etree.SubElement(idents, _Q + "identifier").text = str(key)
        if fmt.extensions:
            sigs = etree.SubElement(entry, _Q + "external-signatures")
            for ext in fmt.extensions:
                etree.SubElement(sigs, _Q + "extension").text = ext
    return etree.ElementTree(root)


def write_registry_document(formats: Iterable[Format],
                            dest: str | os.PathLike[str] | IO[bytes], *,
                            namespace: str | None = None, version: str | None = None,
                            comment: str | None = None) -> None:
    """Write ``formats`` as a dsr registry document (UTF-8, indented).

    With ``namespace`` (e.g. ``"Provisional"``) every format must have exactly one key in it,
    written first; the root carries ``namespace=``. A path is written atomically (temp file in the
    same folder, then renamed) so an interrupted run never leaves half a registry.
    """
    tree = registry_tree(formats, namespace=namespace, version=version, comment=comment)
    etree.indent(tree, space="  ")
    data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    if isinstance(dest, (str, os.PathLike)):
        target = Path(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_replace(target, data)  # keeps an existing file's mode and owner
    else:
        dest.write(data)
