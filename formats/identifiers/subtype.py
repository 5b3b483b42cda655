"""TextSubtypeHelper: promote a generic text answer to the subtype its file name names.

Content heuristics can tell that a file is text but not that ``page.htm`` is HTML when the
markup is too sloppy for a signature. The renovation's answer: when the running best answer is
generic text and the filename extension belongs to a format listed in
``formatIdentifier.TextSubtypeHelper.subtypes``, the answer becomes that subtype. It must run
last so it sees the final text answer.

Details:

* a format qualifies when its key *or any synonym* is in the list, so a Provisional ``HTM``
  entry whose synonym ``PRONOM:fmt/96`` is listed qualifies (as does listing
  ``Provisional:HTM``);
* when several formats qualify, the one listed first in the subtypes wins (the operator's order)
  and the others are named in the warning;
* the answer keeps the text answer's confidence, and both bases
  (``text match ASCII; extension match htm``);
* the answer names the format's preferred key (a Provisional stand-in resolves to its synonym
  in a configured registry, so the ``.htm`` recipe yields ``PRONOM:fmt/96``).

The ``auto`` rule (the default, and a word an explicit list may contain): when the content is
text, any PRONOM format *without a byte or container signature* that claims the extension
qualifies too -- ``setup.py`` is fmt/938 Python, ``main.c`` fmt/1768 C, ``notes.rst`` fmt/1565,
as siegfried, DROID and fido answer them. A format with a signature does not qualify by this
rule (its signature would have matched), nor does one PRONOM itself calls generic ("Data File
Generic" for ``.dat``), which says less than "text". ``auto`` ranks where it stands in the list
(the default is the instructions' list, then ``auto``); several auto candidates are ordered by
a text MIME type first, then fewer extensions (a format claiming twenty is a poorer guess), then
PUID, and the others are named in the warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from formats.identifiers.common import GENERIC_TEXT_KEYS, expand_keys, join, preferred_key
from formats.identifiers.textclass import sample_text_class
from formats.model import Match, Sample
from registries.model import Format, FormatKey, RegistrySet
from registries.pronom.registry import PronomRegistry

#: (position in the configured order, order among the auto rule's candidates)
Rank = tuple[int, int]


class TextSubtypeHelper:
    refines = True
    must_be_last = True

    def __init__(self, name: str, subtypes: Sequence[FormatKey], registries: RegistrySet, *,
                 generic: frozenset[FormatKey] = GENERIC_TEXT_KEYS,
                 auto: int | None = None) -> None:
        """``auto``: where the ``auto`` rule ranks among ``subtypes`` (None: not used)."""
        self.name = name
        self.subtypes = list(dict.fromkeys(subtypes))
        self.auto = auto
        self.rank = {key: (i if auto is None or i < auto else i + 1, 0)
                     for i, key in reversed(list(enumerate(self.subtypes)))}
        self.registries = registries
        self.generic = expand_keys(generic, registries)
        pronom = registries.registry("PRONOM")
        self.pronom = pronom if isinstance(pronom, PronomRegistry) and auto is not None \
            else None
        self._auto_cache: dict[str, list[FormatKey]] = {}
        self._choice_cache: dict[str, _Choices] = {}

    def _rank(self, keys: Sequence[FormatKey]) -> Rank | None:
        ranks = [self.rank[k] for k in keys if k in self.rank]
        for key in keys:   # synonyms declared the other way round
            ranks.extend(self.rank[k] for k in self.registries.equivalent(key) if k in self.rank)
        return min(ranks) if ranks else None

    def auto_candidates(self, ext: str) -> list[FormatKey]:
        """PRONOM formats without a signature that claim ``ext``, best first (auto rule)."""
        pronom = self.pronom
        if pronom is None:
            return []
        got = self._auto_cache.get(ext)
        if got is None:
            found = [f for f in pronom.by_extension(ext)
                     if not pronom.has_signature(f.key) and f.key not in self.generic]
            found.sort(key=_auto_order)
            got = self._auto_cache[ext] = [f.key for f in found]
        return got

    def identify(self, sample: Sample, previous: Match | None) -> Match | None:
        if previous is None or not previous.identified or previous.key not in self.generic:
            return None
        ext = sample.extension
        if not ext:
            return None
        listed, with_auto = self._choices(ext)
        if with_auto and sample_text_class(sample) is not None:   # never on binary content
            listed = with_auto
        if listed is None:
            return None
        return Match(listed.key, previous.confidence, self.name,
                     join(previous.basis, f"extension match {ext}"), listed.warning)

    def _choices(self, ext: str) -> tuple[_Choice | None, _Choice | None]:
        """(the answer from the listed subtypes alone, the answer with the auto rule), per
        extension once: both depend only on the extension and the registries."""
        got = self._choice_cache.get(ext)
        if got is None:
            ranked: dict[FormatKey, Rank] = {}
            for fmt in self.registries.by_extension(ext):
                rank = self._rank(fmt.keys)
                if rank is None:
                    continue
                key = preferred_key(fmt, self.registries)
                if key not in self.generic:
                    ranked[key] = min(rank, ranked.get(key, rank))
            listed = _choice(ranked, ext)
            with_auto = None
            at = self.auto
            auto = self.auto_candidates(ext) if at is not None else []
            if auto and at is not None:
                for order, key in enumerate(auto):
                    ranked.setdefault(key, (at, order))
                with_auto = _choice(ranked, ext)
            got = self._choice_cache[ext] = _Choices(listed, with_auto)
        return got.listed, got.with_auto


class _Choice(NamedTuple):
    key: FormatKey
    warning: str


class _Choices(NamedTuple):
    listed: _Choice | None
    with_auto: _Choice | None


def _choice(ranked: dict[FormatKey, Rank], ext: str) -> _Choice | None:
    if not ranked:
        return None
    ordered = sorted(ranked, key=lambda k: (ranked[k], str(k)))
    warning = (f"several subtypes match extension {ext}: {', '.join(map(str, ordered))}"
               if len(ordered) > 1 else "")
    return _Choice(ordered[0], warning)


def _auto_order(fmt: Format) -> tuple[int, int, tuple[str, int, str]]:
    text_mime = bool(fmt.mime_type) and any(m.strip().startswith("text/")
                                             for m in (fmt.mime_type or "").split(","))
    prefix, _, num = fmt.key.identifier.rpartition("/")
    return (0 if text_mime else 1, len(fmt.extensions),
            (prefix, int(num) if num.isdigit() else 0, fmt.key.identifier))
