"""Turn a FormatConfig's identifier list into identifier objects (used by ``build_stack``).

Kinds come from ``registries.config`` (``DSpace``, ``Provisional``, ``DROID``, ``TextHeuristic``,
``CSS``, ``TextSubtypeHelper``) plus ``JSON``, ``CSV`` and ``Markdown``. The configured name of
each becomes ``Match.source``.

The JSON/CSV/Markdown refiners are bsf additions. Unless the sequence places them explicitly,
they are inserted after the CSSIdentifier (or after the TextHeuristicIdentifier when there is no
CSS one) whenever the stack has a TextHeuristicIdentifier, each only if a configured registry
has its format (PRONOM fmt/817, x-fmt/18, fmt/1149, or any entry with their MIME type).
``formatIdentifier.TextRefiners.kinds`` chooses them (``JSON, CSV, Markdown`` by
default; empty turns them off; naming one whose format no registry has is an error).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bsfcore.errors import ConfigError
from formats.identifiers.common import GENERIC_TEXT_KEYS, generic_unsigned_keys
from formats.identifiers.refiner import ContentRefiner
from formats.model import Identifier
from registries.model import FormatKey, RegistrySet

TEXT_PREFIX = "formatIdentifier.TextHeuristicIdentifier."
REFINERS_KEY = "formatIdentifier.TextRefiners.kinds"
MAGIC_WINDOW_KEY = "formatIdentifier.DSpaceFormatRegistry.magicWindow"
DEFAULT_REFINERS = ("Markup", "JSON", "CSV", "Markdown")
#: names used as Match.source for refiners the config did not place explicitly
AUTO_NAMES = {"Markup": "bsf.MarkupIdentifier", "JSON": "bsf.JSONIdentifier",
              "CSV": "bsf.CSVIdentifier", "Markdown": "bsf.MarkdownIdentifier"}


def _refiner_class(kind: str) -> type[ContentRefiner]:
    from formats.identifiers.csvfmt import CSVIdentifier
    from formats.identifiers.jsonfmt import JSONIdentifier
    from formats.identifiers.markdown import MarkdownIdentifier
    from formats.identifiers.markup import MarkupIdentifier

    classes: dict[str, type[ContentRefiner]] = {
        "Markup": MarkupIdentifier, "JSON": JSONIdentifier, "CSV": CSVIdentifier,
        "Markdown": MarkdownIdentifier}
    return classes[kind]


def _options(config: Any) -> Mapping[str, str]:
    return getattr(config, "options", None) or {}


def _where(config: Any, key: str) -> str:
    where = getattr(config, "where", None)
    return str(where(key)) if callable(where) else key


def text_class_formats(config: Any) -> dict[str, FormatKey]:
    """``formatIdentifier.TextHeuristicIdentifier.formats.<slot>`` values (tar excluded)."""
    out: dict[str, FormatKey] = {}
    for key, value in _options(config).items():
        full = key if key.startswith("formatIdentifier.") else f"formatIdentifier.{key}"
        if full.startswith(TEXT_PREFIX + "formats.") and value.strip():
            slot = full[len(TEXT_PREFIX + "formats."):]
            if slot != "tar":
                try:
                    out[slot] = FormatKey.parse(value)
                except Exception as exc:
                    raise ConfigError.at(None, None, f"{_where(config, full)}: {exc}") from None
    return out


def _option(config: Any, key: str) -> str | None:
    options = _options(config)
    if key in options:
        return options[key]
    short = key.removeprefix("formatIdentifier.")
    return options.get(short)


def _refiner_kinds(config: Any) -> list[str]:
    raw = _option(config, REFINERS_KEY)
    if raw is None:
        return list(DEFAULT_REFINERS)
    kinds = [part.strip() for part in raw.replace(",", " ").split() if part.strip()]
    for kind in kinds:
        if kind not in AUTO_NAMES:
            raise ConfigError.at(None, None, f"{_where(config, REFINERS_KEY)}: unknown refiner "
                                 f"{kind!r}; use {', '.join(AUTO_NAMES)}")
    return kinds


def make_identifiers(config: Any, registries: RegistrySet) -> list[Identifier]:
    """The identifier objects of ``config.identifiers`` (plus implicit refiners), in order."""
    specs = [(spec.kind, spec.configured_name) for spec in config.identifiers]
    kinds = [kind for kind, _ in specs]
    explicit_refiner = any(kind in AUTO_NAMES for kind in kinds)
    if "TextHeuristic" in kinds and not explicit_refiner:
        wanted = _refiner_kinds(config)
        anchor = kinds.index("CSS") if "CSS" in kinds else kinds.index("TextHeuristic")
        extra = []
        for kind in wanted:
            if _refiner_class(kind).available(registries):
                extra.append((kind, AUTO_NAMES[kind]))
            elif _option(config, REFINERS_KEY) is not None:
                raise ConfigError.at(None, None, f"{_where(config, REFINERS_KEY)}: no configured "
                                     f"registry has a format for the {kind} refiner")
        specs[anchor + 1:anchor + 1] = extra

    text_formats = text_class_formats(config)
    generic = set(GENERIC_TEXT_KEYS) | set(text_formats.values()) | \
        generic_unsigned_keys(registries)
    built: list[Identifier] = []
    refined: list[FormatKey] = []
    for kind, name in specs:
        if kind == "TextSubtypeHelper":
            identifier: Identifier = _subtype_helper(name, config, registries, refined,
                                                     frozenset(generic))
        else:
            identifier = _make(kind, name, config, registries, text_formats, frozenset(generic))
        if kind == "TextHeuristic":
            generic |= identifier.generic_keys  # type: ignore[attr-defined]
        if isinstance(identifier, ContentRefiner):
            refined.extend(k for k in identifier.answer_keys if k is not None)
        built.append(identifier)
    return built


def _subtype_helper(name: str, config: Any, registries: RegistrySet, refined: list[FormatKey],
                    generic: frozenset[FormatKey]) -> Identifier:
    """The TextSubtypeHelper; the active refiners' formats follow the configured subtypes.

    A ``.csv`` file that is text but too small or too odd for the structural check is still
    CSV by its name, exactly the helper's logic -- so the formats bsf has refiners for count as
    subtypes too (after the operator's list, which keeps priority).
    """
    from formats.identifiers.subtype import TextSubtypeHelper

    configured = list(getattr(config, "subtypes", None) or [])
    return TextSubtypeHelper(name, configured + [k for k in refined if k not in configured],
                             registries, generic=generic,
                             auto=getattr(config, "subtypes_auto", None))


def _make(kind: str, name: str, config: Any, registries: RegistrySet,
          text_formats: dict[str, FormatKey], generic: frozenset[FormatKey]) -> Identifier:
    if kind == "DSpace":
        from formats.identifiers.dspace import MAGIC_WINDOW, DSpaceIdentifier

        registry = registries.registry("DSpace")
        if registry is None:
            raise ConfigError.at(None, None, f"{name} is in the identifier stack but no DSpace "
                                 "registry is configured")
        window = _option(config, MAGIC_WINDOW_KEY)
        return DSpaceIdentifier(name, registry,
                                magic_window=int(window) if window else MAGIC_WINDOW)
    if kind == "Provisional":
        from formats.identifiers.provisional import ProvisionalIdentifier

        return ProvisionalIdentifier(name, registries)
    if kind == "DROID":
        from formats.identifiers.droid import DroidIdentifier

        return DroidIdentifier(name, getattr(config, "droid_signature_file", None),
                               getattr(config, "droid_container_file", None))
    if kind == "TextHeuristic":
        from formats.identifiers.text import TextHeuristicIdentifier

        return TextHeuristicIdentifier(name, registries, class_formats=text_formats,
                                       tar_format=getattr(config, "tar_format", None))
    if kind == "CSS":
        from formats.identifiers.css import CSSIdentifier

        return CSSIdentifier(name, list(getattr(config, "css_identifiers", None) or []),
                             registries, generic=generic)
    if kind in AUTO_NAMES:
        cls = _refiner_class(kind)
        if not cls.available(registries):
            raise ConfigError.at(None, None, f"{name}: no configured registry has a format for "
                                 f"the {kind} identifier")
        return cls(name, registries, generic=generic)
    raise ConfigError.at(None, None, f"unknown identifier kind {kind!r} for {name}")
