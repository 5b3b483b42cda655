"""Build the configured :class:`RegistrySet` from a :class:`FormatConfig`.

DSpace and Provisional registries come from dsr documents (validated as configured); PRONOM comes
from DROID signature files through ``registries.pronom`` (imported lazily, so commands that never
touch PRONOM do not pay for it). Parsed documents are cached per process keyed by the file's
path, size and modification time, because the workbench and the upgrade phases ask repeatedly.

After loading, the format keys the configuration names (CSS identifiers, text subtypes, the tar
format) are checked against the loaded registries, so a typo such as ``PRONOM:fmt/9600`` is
reported at its config line instead of silently never matching.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bsfcore.errors import ConfigError, Problem
from bsfcore.settings import Settings
from registries.config import FormatConfig, RegistrySpec, load_format_config
from registries.model import FormatKey, Registry, RegistrySet, SupportLevel

_cache: dict[tuple[str, str, int, int, bool, str, SupportLevel], Registry] = {}


def _document_registry(spec: RegistrySpec) -> Registry:
    assert spec.document is not None
    stat = spec.document.stat()
    schema = spec.schema
    key = (str(spec.document.resolve()), spec.namespace, stat.st_mtime_ns, stat.st_size,
           spec.validate, str(schema) if schema else "", spec.default_support_level)
    registry = _cache.get(key)
    if registry is None:
        registry = _parsed_document(spec)
        _cache[key] = registry
    return registry


def _parsed_document(spec: RegistrySpec) -> Registry:
    """The document's registry from the user cache when this exact content (and schema) was
    parsed and validated before, else parsed now (lxml is imported only then).

    Keyed by the SHA-256 of the document and of the schema it is validated with, so an edit,
    a replaced file or another schema always parses again; a document that fails is never
    cached, so its error is reported every time.
    """
    from registries.pronom.cache import cached, file_sha256

    assert spec.document is not None
    document = spec.document

    def parse() -> Registry:
        from registries.dsr import load_registry_document

        return load_registry_document(document, spec.namespace, validate=spec.validate,
                                      schema=spec.schema,
                                      default_support_level=spec.default_support_level)

    try:
        parts = [str(document.resolve()), file_sha256(document), spec.namespace,
                 str(spec.validate), spec.default_support_level.name]
        if spec.validate:
            from registries.packaged import packaged_schema

            schema = Path(spec.schema) if spec.schema else packaged_schema()
            parts.append(file_sha256(schema))
    except OSError:
        return parse()  # reported by the parser, with the file name
    key = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
    return cached("dsr-registry", key, parse)


def _pronom_registry(config: FormatConfig) -> Registry:
    from registries import pronom

    return pronom.load_pronom_registry(signature_file=config.droid_signature_file,
                                       container_file=config.droid_container_file,
                                       records=config.pronom_records)


def load_registry(spec: RegistrySpec, config: FormatConfig) -> Registry:
    """Load one configured registry."""
    if spec.kind == "PRONOM":
        return _pronom_registry(config)
    if spec.document is None:
        raise ConfigError.at(None, None, f"registry {spec.namespace} has no document")
    return _document_registry(spec)


def check_configured_keys(config: FormatConfig, registries: RegistrySet) -> list[Problem]:
    """Config keys that name formats no loaded registry knows, each located at its key."""
    problems: list[Problem] = []
    named: list[tuple[str, list[FormatKey]]] = [
        ("formatIdentifier.CSSIdentifier.identifiers", config.css_identifiers),
        ("formatIdentifier.TextSubtypeHelper.subtypes", config.subtypes),
    ]
    if config.tar_format is not None:
        named.append(("formatIdentifier.TextHeuristicIdentifier.formats.tar",
                      [config.tar_format]))
    for key, keys in named:
        for fk in keys:
            if registries.get(fk) is None:
                where = config.where(key)
                path, _, line = where.rpartition(":")
                located = line.isdigit()
                problems.append(Problem(path if located else where,
                                        int(line) if located else None,
                                        f"{key}: no configured registry has {fk}"))
    return problems


def load_registry_set(config: FormatConfig) -> RegistrySet:
    """Every configured registry, as a set keyed by namespace."""
    registries = RegistrySet(load_registry(spec, config) for spec in config.registries.values())
    problems = check_configured_keys(config, registries)
    if problems:
        raise ConfigError(problems)
    return registries


def load_configured_registries(settings: Settings) -> tuple[FormatConfig, RegistrySet]:
    """The format configuration of ``settings`` and its loaded registries (for commands)."""
    config = load_format_config(settings)
    return config, load_registry_set(config)


def registry_documents(config: FormatConfig) -> list[tuple[RegistrySpec, Path]]:
    """The (spec, document) pairs of the configured document registries."""
    return [(spec, spec.document) for spec in config.registries.values()
            if spec.document is not None]
