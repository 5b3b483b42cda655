"""Validate AIP manifests against the official schemas, offline, plus the checks XSD cannot make.

Schema locations come from configuration keys shaped like DSpace's local schema cache:
``mets.xsd.<abbr> = <namespace> <file>`` (file relative to ``<dspace.dir>/config/schemas/``
unless absolute). Without any such key the official schemas shipped in :mod:`packager.schemas`
(METS 1.12.1, XLink, xml.xsd, PREMIS 2.2, MODS 3.7, METSRights) are used, so an archive with no
configuration — the demo's, a fresh install's — is validated against all of them. An
``xsd:import`` inside one of those files resolves **by namespace** to the file configured for
that namespace — whatever network URL it names — and an import of a namespace with no
configured file is an error. Nothing is ever fetched.

METS wraps PREMIS, MODS and METSRights with ``processContents="lax"``: the manifest is validated
against one schema importing every configured namespace, so wrapped documents whose namespace
is configured are validated in the same pass (and PREMIS's ``xsi:type`` resolves). Without a
METS schema, each wrapped document with a configured schema is validated on its own.
The cross-checks cover what IDREF typing misses: every FILEID/ADMID/DMDID resolves,
every FLocat is a plain entry name inside the zip, and the zip entry's size matches ``SIZE``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree

from bsfcore.errors import ConfigError, PackageError
from bsfcore.settings import Settings
from packager.naming import is_plain_name
from packager.options import option_error
from packager.xmlns import METS, MODS, PREMIS, RIGHTS, XLINK, q

XSD = "http://www.w3.org/2001/XMLSchema"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ALL = "*"
KEY_PREFIX = "mets.xsd."
_CACHE: dict[tuple[tuple[str, str], ...], dict[str, etree.XMLSchema]] = {}
_LOCK = threading.Lock()
#: namespace -> file name of the schemas shipped in packager/schemas/
SHIPPED = {METS: "mets.xsd", XLINK: "xlink.xsd", XML_NS: "xml.xsd",
           PREMIS: "premis-v2-2.xsd", MODS: "mods-3-7.xsd", RIGHTS: "METSRights.xsd"}


@dataclass
class SchemaCatalog:
    """namespace -> local XSD file, as configured by ``mets.xsd.*`` keys (or shipped)."""

    files: dict[str, Path] = field(default_factory=dict)
    #: "configured" (mets.xsd.* keys), "shipped" (packager/schemas) or "" (none)
    source: str = ""

    def __bool__(self) -> bool:
        return bool(self.files)

    def schema(self, namespace: str) -> etree.XMLSchema | None:
        if namespace not in self.files:
            return None
        return _compiled(self)[namespace]

    def combined(self) -> etree.XMLSchema:
        return _compiled(self)[ALL]


def shipped_folder() -> Path:
    """The folder of the shipped schemas (and their ``catalog.xml`` and ``NOTICE.txt``)."""
    return Path(str(resources.files("packager.schemas")))


def shipped_catalog() -> SchemaCatalog:
    """The official schemas shipped inside the package, by namespace."""
    folder = shipped_folder()
    return SchemaCatalog({ns: folder / name for ns, name in SHIPPED.items()}, "shipped")


def schema_catalog(settings: Settings | None) -> SchemaCatalog:
    """The catalog configured by ``mets.xsd.<abbr> = <namespace> <file>`` keys; the shipped
    schemas when no such key is set."""
    catalog = SchemaCatalog(source="configured")
    if settings is not None:
        base = settings.dspace_dir / "config" / "schemas"
        for key in sorted(settings.properties):
            if not key.startswith(KEY_PREFIX):
                continue
            value = settings.properties[key].split()
            path, line = settings.properties.where(key)
            if len(value) != 2:
                raise ConfigError.at(path, line, f"{key}: expected '<namespace> <file>'")
            namespace, name = value
            file = Path(name) if Path(name).is_absolute() else base / name
            if not file.is_file():
                raise ConfigError.at(path, line, f"{key}: schema file {file} does not exist")
            catalog.files[namespace] = file
    return catalog if catalog.files else shipped_catalog()


def catalog_from_files(files: dict[str, Path]) -> SchemaCatalog:
    return SchemaCatalog(dict(files))


class _ByNamespace(etree.Resolver):
    """Resolve schema imports to the configured file of the imported namespace; refuse others."""

    def __init__(self, by_url: dict[str, Path], allowed: set[str]) -> None:
        super().__init__()
        self.by_url = by_url
        self.allowed = allowed
        self.refused: list[str] = []

    def resolve(self, url: str, pubid: str | None, context: Any) -> Any:
        if url in self.by_url:
            return self.resolve_filename(str(self.by_url[url]), context)
        local = url[7:] if url.startswith("file://") else url
        if str(Path(local).resolve()) in self.allowed:
            return self.resolve_filename(str(Path(local).resolve()), context)
        self.refused.append(url)
        return self.resolve_string('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>',
                                   context)


def _compiled(catalog: SchemaCatalog) -> dict[str, etree.XMLSchema]:
    key = tuple(sorted((ns, str(p)) for ns, p in catalog.files.items()))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        by_url: dict[str, Path] = {}
        for file in catalog.files.values():
            tree = etree.parse(str(file), etree.XMLParser(no_network=True,
                                                          resolve_entities=False))
            for imp in tree.getroot().iter(q(XSD, "import")):
                ns, loc = imp.get("namespace"), imp.get("schemaLocation")
                if ns in catalog.files and loc:
                    by_url[loc] = catalog.files[ns]
        allowed = {str(p.resolve()) for p in catalog.files.values()}
        compiled: dict[str, etree.XMLSchema] = {}
        for ns, file in catalog.files.items():
            resolver = _ByNamespace(by_url, allowed)
            parser = etree.XMLParser(no_network=True, resolve_entities=False)
            parser.resolvers.add(resolver)
            try:
                compiled[ns] = etree.XMLSchema(etree.parse(str(file), parser))
            except etree.XMLSchemaParseError as exc:
                hint = (f"; imports not in the catalog: {', '.join(resolver.refused)} "
                        "(configure mets.xsd.<abbr> = <namespace> <file> for them)"
                        if resolver.refused else "")
                raise option_error(f"schema {file} for {ns} does not compile: {exc}{hint}") \
                    from None
        compiled[ALL] = _combined(catalog, by_url, allowed)
        _CACHE[key] = compiled
        return compiled


def _combined(catalog: SchemaCatalog, by_url: dict[str, Path],
              allowed: set[str]) -> etree.XMLSchema:
    """One schema importing every configured namespace.

    Needed because METS's lax wrappers still make the validator resolve ``xsi:type`` (PREMIS
    objects use it), and lax content whose declaration is known gets validated in the same pass.
    """
    imports = "".join(
        f'<xs:import namespace="{escape(ns, quote=True)}" '
        f'schemaLocation="{escape(file.resolve().as_uri(), quote=True)}"/>'
        for ns, file in sorted(catalog.files.items()) if ns != XML_NS)
    driver = f'<xs:schema xmlns:xs="{XSD}">{imports}</xs:schema>'
    resolver = _ByNamespace(by_url, allowed)
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(resolver)
    try:
        return etree.XMLSchema(etree.fromstring(driver, parser,
                                                base_url=str(next(iter(allowed)))))
    except etree.XMLSchemaParseError as exc:
        raise option_error(f"the configured schemas (mets.xsd.*) do not compile together: "
                           f"{exc}") from None


def _errors(schema: etree.XMLSchema, what: str) -> list[str]:
    return [f"{what}:{e.line}: {e.message}" for e in schema.error_log][:20]


def validate_mets(root: etree._Element, catalog: SchemaCatalog, *, name: str = "mets.xml",
                  require_schemas: bool = False) -> list[str]:
    """Schema-validate a manifest and its wrapped documents; returns warnings, raises errors."""
    warnings: list[str] = []
    problems: list[str] = []
    mets_schema = catalog.schema(METS)
    if mets_schema is None:
        if require_schemas:
            raise option_error(f"cannot validate {name}: no schema configured for {METS} "
                               f"(set mets.xsd.mets = {METS} <file>)")
        warnings.append("no METS schema configured (mets.xsd.*): schema validation skipped, "
                        "reference checks done")
    else:
        combined = catalog.combined()
        if not combined.validate(root):
            problems += _errors(combined, name)
    for wrap in root.iter(q(METS, "xmlData")) if mets_schema is None else ():
        for child in wrap:
            if not isinstance(child.tag, str):
                continue
            ns = etree.QName(child).namespace
            schema = catalog.schema(ns) if ns else None
            if schema is not None and not schema.validate(child):
                problems += _errors(schema, f"{name} ({etree.QName(child).localname} "
                                    f"at line {child.sourceline})")
    problems += reference_problems(root, name)
    if problems:
        raise PackageError(f"{name} is not a valid AIP manifest:\n  " + "\n  ".join(problems))
    return warnings


def reference_problems(root: etree._Element, name: str = "mets.xml") -> list[str]:
    """IDs unique; FILEID/ADMID/DMDID resolve; FLocat hrefs are plain entry names."""
    problems: list[str] = []
    ids: set[str] = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        value = el.get("ID")
        if value is not None:
            if value in ids:
                problems.append(f"{name}:{el.sourceline}: duplicate ID {value}")
            ids.add(value)
    file_ids = {el.get("ID") for el in root.iter(q(METS, "file"))}
    for el in root.iter(q(METS, "fptr")):
        if el.get("FILEID") not in file_ids:
            problems.append(f"{name}:{el.sourceline}: fptr FILEID {el.get('FILEID')!r} "
                            "names no file")
    for el in root.iter():
        if not isinstance(el.tag, str) or etree.QName(el).namespace != METS:
            continue
        for attr in ("ADMID", "DMDID"):
            for ref in (el.get(attr) or "").split():
                if ref not in ids:
                    problems.append(f"{name}:{el.sourceline}: {attr} {ref!r} names no section")
    for el in root.iter(q(METS, "FLocat")):
        href = el.get(q(XLINK, "href")) or ""
        if not is_plain_name(href):
            problems.append(f"{name}:{el.sourceline}: FLocat {href!r} points outside the package")
    return problems


def check_entries(root: etree._Element, entries: dict[str, int], name: str = "mets.xml") -> None:
    """Every file's FLocat is an entry of the zip and its size matches SIZE."""
    problems = reference_problems(root, name)
    for file in root.iter(q(METS, "file")):
        loc = file.find(q(METS, "FLocat"))
        href = loc.get(q(XLINK, "href")) if loc is not None else None
        if not href:
            problems.append(f"{name}:{file.sourceline}: file {file.get('ID')} has no FLocat")
            continue
        if href not in entries:
            problems.append(f"{name}:{file.sourceline}: FLocat {href!r} is not in the package")
            continue
        size = file.get("SIZE")
        if size is not None and size.isdigit() and int(size) != entries[href]:
            problems.append(f"{name}:{file.sourceline}: {href} has {entries[href]} bytes, "
                            f"SIZE says {size}")
    if problems:
        raise PackageError(f"{name} does not match its package:\n  " + "\n  ".join(problems))
