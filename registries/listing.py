"""Library side of ``bsf registry list|show|find|validate``: selection, records, validation.

Kept out of the CLI so tests and other commands (the workbench, reports) can use the same
records: one flat, JSON-friendly dict per format, with the synonyms resolved through the whole
registry set (a PRONOM format lists the Provisional entry that points at it, and vice versa).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bsfcore.csvtext import CsvRows
from bsfcore.errors import BsfError, InputError, Problem, RegistryError, UnsafeInputError
from registries.config import FormatConfig
from registries.dsr import load_registry_document
from registries.loader import check_configured_keys, load_registry
from registries.model import Format, FormatKey, RegistrySet, SupportLevel

DROID_ROOTS = ("FFSignatureFile", "ContainerSignatureMapping")
COLUMNS = ("key", "name", "version", "mime_type", "extensions", "support_level", "internal",
           "synonyms", "registry")


def select_formats(registries: RegistrySet, *, namespace: str | None = None,
                   ext: str | None = None, mime: str | None = None) -> list[Format]:
    """Formats of the set (or of one namespace), optionally by extension or MIME type."""
    if namespace is not None and namespace not in registries:
        raise BsfError(f"no registry {namespace!r} is configured "
                       f"(configured: {', '.join(registries.namespaces) or 'none'})")
    if ext is not None:
        found = registries.by_extension(ext)
    elif mime is not None:
        found = registries.by_mime(mime)
    else:
        found = list(registries.formats())
    if namespace is not None:
        found = [f for f in found if f.key.namespace == namespace]
    return sorted(found, key=lambda f: (f.key.namespace, _natural(f.key.identifier)))


#: What :func:`search_formats` can search by.
SEARCH_FIELDS = ("any", "name", "key", "puid", "ext", "mime")


def search_formats(registries: RegistrySet, text: str, field: str = "any") -> list[Format]:
    """Formats matching ``text`` by name (substring, any case), key (``NS:id``, synonyms
    included, or a substring of it), PUID (``fmt/96`` in the PRONOM namespace, canonical or
    synonym), extension or MIME type; ``any`` is the union. Sorted as :func:`select_formats`."""
    if field not in SEARCH_FIELDS:
        raise BsfError(f"cannot search formats by {field!r}: use one of "
                       f"{', '.join(SEARCH_FIELDS)}")
    query = text.strip()
    if not query:
        return []
    lowered = query.lower()
    found: dict[FormatKey, Format] = {}

    def add(formats: Iterable[Format]) -> None:
        for fmt in formats:
            found.setdefault(fmt.key, fmt)

    if field in ("any", "name"):
        add(f for f in registries.formats() if lowered in f.display_name.lower())
    if field in ("any", "key"):
        if ":" in query:
            try:
                exact = registries.get(FormatKey.parse(query))
            except BsfError:
                exact = None
            if exact is not None:
                add([exact])
        add(f for f in registries.formats()
            if any(lowered in str(k).lower() for k in f.keys))
    if field in ("any", "puid"):
        add(f for f in registries.formats()
            if any(k.namespace == "PRONOM" and k.identifier.lower() == lowered for k in f.keys))
    if field in ("any", "ext"):
        add(registries.by_extension(query))
    if field in ("any", "mime") and "/" in query:
        add(registries.by_mime(query))
    return sorted(found.values(), key=lambda f: (f.key.namespace, _natural(f.key.identifier)))


def _natural(text: str) -> tuple[Any, ...]:
    """``fmt/9`` before ``fmt/10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def format_record(fmt: Format, registries: RegistrySet | None = None) -> dict[str, Any]:
    """One format as a flat record (lists for extensions and synonyms)."""
    synonyms = list(fmt.synonyms)
    if registries is not None:
        extra = sorted(registries.equivalent(fmt.key) - {fmt.key} - set(synonyms))
        synonyms += extra
    return {
        "key": str(fmt.key),
        "name": fmt.name,
        "version": fmt.version,
        "mime_type": fmt.mime_type,
        "extensions": list(fmt.extensions),
        "support_level": fmt.support_level.name.lower(),
        "internal": fmt.internal,
        "synonyms": [str(k) for k in synonyms],
        "registry": fmt.key.namespace,
        "description": fmt.description,
        "origin": fmt.origin,
    }


def write_csv(records: Iterable[dict[str, Any]], stream: IO[str]) -> None:
    """CSV with a header; list fields joined by spaces."""
    writer = CsvRows(stream)
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([" ".join(v) if isinstance(v, list) else
                         ("" if v is None else str(v).lower() if isinstance(v, bool) else v)
                         for v in (record[c] for c in COLUMNS)])


def write_json(records: Iterable[dict[str, Any]], stream: IO[str]) -> None:
    json.dump(list(records), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def find_format(registries: RegistrySet, text: str) -> Format:
    """The format of ``KEY`` (synonyms included), or a clear error."""
    return registries.require(FormatKey.parse(text))


# --- validation ------------------------------------------------------------------------------

@dataclass
class RegistryCheck:
    """Outcome of validating one registry document or data file."""

    namespace: str
    source: str
    formats: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _problems_of(exc: BsfError, source: str) -> list[Problem]:
    if isinstance(exc, InputError):
        return list(exc.problems)
    return [Problem(source, None, str(exc))]


def _root_of(path: Path) -> tuple[str | None, str | None]:
    """Local name and ``namespace=`` of the root element, reading only up to the root tag."""
    from lxml import etree

    from registries.xmlsafe import MAX_PROLOG, check_prolog

    try:
        with path.open("rb") as handle:
            check_prolog(handle.read(MAX_PROLOG), str(path))
            handle.seek(0)
            events = etree.iterparse(handle, events=("start",), resolve_entities=False,
                                     no_network=True, load_dtd=False, huge_tree=False)
            for _, element in events:
                return etree.QName(element).localname, element.get("namespace")
    except (OSError, etree.XMLSyntaxError, BsfError):
        pass
    return None, None


def guess_namespace(path: Path, config: FormatConfig) -> str | None:
    """Which registry a file belongs to: configured path, DROID root, ``namespace=``, file name."""
    resolved = path.resolve()
    for spec in config.registries.values():
        if spec.document is not None and spec.document.resolve() == resolved:
            return spec.namespace
    if config.droid_signature_file is not None and config.droid_signature_file.resolve() \
            == resolved:
        return "PRONOM"
    root, declared = _root_of(path)
    if root in DROID_ROOTS:
        return "PRONOM"
    if declared:
        return declared
    lowered = path.name.lower()
    for namespace in ("Provisional", "DSpace"):
        if namespace.lower() in lowered:
            return namespace
    return None


def _validate_droid(path: Path, check: RegistryCheck) -> RegistryCheck:
    from registries import pronom

    root, _ = _root_of(path)
    try:
        if root == "ContainerSignatureMapping":
            containers = pronom.load_container_file(path)
            check.formats = len({p for puids in containers.mappings.values() for p in puids})
        else:
            check.formats = len(pronom.load_pronom_registry(signature_file=path))
    except BsfError as exc:
        check.problems = _problems_of(exc, str(path))
    return check


def validate_file(path: Path, config: FormatConfig, *, namespace: str | None = None,
                  schema: Path | None = None) -> RegistryCheck:
    """Validate one registry file: a dsr document, or a DROID (container) signature file."""
    namespace = namespace or guess_namespace(path, config)
    if namespace is None:
        return RegistryCheck("?", str(path), problems=[Problem(
            str(path), None, "cannot tell which registry this document belongs to: pass "
            "--namespace (DSpace or Provisional) or set namespace= on its root element")])
    check = RegistryCheck(namespace, str(path))
    if namespace == "PRONOM":
        return _validate_droid(path, check)
    spec = config.registries.get(namespace)
    try:
        registry = load_registry_document(
            path, namespace, validate=True,
            schema=schema or (spec.schema if spec is not None else None),
            default_support_level=spec.default_support_level if spec is not None
            else SupportLevel.KNOWN)
        check.formats = len(registry)
    except (RegistryError, UnsafeInputError, InputError) as exc:
        check.problems = _problems_of(exc, str(path))
    return check


def validate_configured(config: FormatConfig) -> list[RegistryCheck]:
    """Load every configured registry as configured and check the config's format keys."""
    checks: list[RegistryCheck] = []
    registries = RegistrySet()
    for spec in config.registries.values():
        source = str(spec.document) if spec.document is not None else str(
            config.droid_signature_file or "default DROID signature file")
        check = RegistryCheck(spec.namespace, source)
        try:
            registry = load_registry(spec, config)
            registries.add(registry)
            check.formats = len(registry)
            check.source = registry.source or source
        except BsfError as exc:
            check.problems = _problems_of(exc, source)
        checks.append(check)
    if all(c.ok for c in checks):
        problems = check_configured_keys(config, registries)
        if problems:
            checks.append(RegistryCheck("config", str(config.config_path or "<defaults>"),
                                        problems=problems))
    return checks
