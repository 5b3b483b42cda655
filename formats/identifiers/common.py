"""Small helpers the identifiers share: generic-text keys, key preference, refiner gating.

"Generic text" is the family of formats that only say *this is text* (PRONOM's plain-text
PUIDs, DSpace's ``Text``). Refiners (CSS, JSON, CSV, Markdown, TextSubtypeHelper) may only make
such an answer more specific; they never touch an answer that came from a byte signature.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from formats.model import Confidence, Match
from registries.model import Format, FormatKey, RegistrySet
from registries.pronom.registry import PronomRegistry

#: Formats that mean "some text", in every registry we know. PRONOM's list comes from the
#: text-PUID table (ecosystem research): none of them has a byte signature.
GENERIC_TEXT_KEYS: frozenset[FormatKey] = frozenset(
    FormatKey.parse(k) for k in (
        "PRONOM:x-fmt/111", "PRONOM:x-fmt/16", "PRONOM:x-fmt/282", "PRONOM:x-fmt/283",
        "PRONOM:x-fmt/21", "PRONOM:x-fmt/22", "PRONOM:x-fmt/130", "PRONOM:x-fmt/15",
        "PRONOM:x-fmt/14", "DSpace:Text",
    )
)

PROVISIONAL = "Provisional"


def generic_unsigned_keys(registries: RegistrySet) -> frozenset[FormatKey]:
    """PRONOM formats with no signature that PRONOM itself calls generic ("Data File Generic",
    claiming ``.dat``): an answer by their extension says less than "text", so they count as
    generic (refiners may improve on them; the subtype helper never promotes text to them)."""
    pronom = registries.registry("PRONOM")
    return pronom.generic_unsigned if isinstance(pronom, PronomRegistry) else frozenset()


class _Expansion(NamedTuple):
    keys: frozenset[FormatKey]
    registries: RegistrySet | None
    result: frozenset[FormatKey]


#: the last expansion (every identifier of a stack expands the same generic set over the
#: same, already loaded, registries)
_expanded: _Expansion | None = None


def expand_keys(keys: Iterable[FormatKey], registries: RegistrySet | None) -> frozenset[FormatKey]:
    """``keys`` plus every key linked to them through registry synonyms."""
    global _expanded
    wanted = frozenset(keys)
    last = _expanded
    if last is not None and last.keys == wanted and last.registries is registries:
        return last.result
    out: set[FormatKey] = set()
    for key in wanted:
        out.add(key)
        if registries is not None:
            out |= registries.equivalent(key)
    result = frozenset(out)
    _expanded = _Expansion(wanted, registries, result)
    return result


def preferred_key(fmt: Format, registries: RegistrySet | None) -> FormatKey:
    """The key an answer should carry for ``fmt``.

    Provisional entries are local stand-ins ("temporary problem-solvers"): when one lists a
    synonym that a configured non-Provisional registry really holds (``Provisional:HTM`` ->
    ``PRONOM:fmt/96``), the answer names that shared, stable identifier instead.
    """
    if fmt.key.namespace != PROVISIONAL or registries is None:
        return fmt.key
    for synonym in fmt.synonyms:
        if synonym.namespace == PROVISIONAL:
            continue
        registry = registries.registry(synonym.namespace)
        if registry is not None and registry.get(synonym) is not None:
            return synonym
    return fmt.key


def may_refine(previous: Match | None, generic: frozenset[FormatKey]) -> bool:
    """True when a content refiner may replace ``previous``.

    Allowed over nothing, an unidentified answer, an extension-only guess, or generic text of
    any confidence; never over a byte/container signature or another specific heuristic.
    """
    if previous is None or not previous.identified:
        return True
    if previous.key in generic:
        return previous.confidence < Confidence.MANUAL
    return previous.confidence <= Confidence.EXTENSION


def first_known(candidates: Iterable[FormatKey], registries: RegistrySet) -> FormatKey | None:
    """The first candidate some configured registry knows (directly or as a synonym)."""
    for key in candidates:
        if registries.get(key) is not None:
            return key
    return None


def keys_for_mime(registries: RegistrySet, mime: str) -> list[FormatKey]:
    """Canonical keys of non-internal formats declaring ``mime`` (registry order)."""
    return [f.key for f in registries.by_mime(mime) if not f.internal]


def extensions_of(key: FormatKey, registries: RegistrySet | None) -> set[str]:
    """Every extension of ``key``'s format and of the formats linked to it by synonyms."""
    if registries is None:
        return set()
    exts: set[str] = set()
    for other in registries.equivalent(key):
        fmt = registries.get(other)
        if fmt is not None:
            exts.update(e.lower() for e in fmt.extensions)
    return exts


def join(*parts: str) -> str:
    """Join non-empty basis/warning fragments the way siegfried does (``; ``)."""
    return "; ".join(p for p in parts if p)
