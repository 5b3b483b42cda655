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
"""

from __future__ import annotations

from collections.abc import Sequence

from formats.identifiers.common import GENERIC_TEXT_KEYS, expand_keys, join, preferred_key
from formats.model import Match, Sample
from registries.model import FormatKey, RegistrySet


class TextSubtypeHelper:
    refines = True
    must_be_last = True

    def __init__(self, name: str, subtypes: Sequence[FormatKey], registries: RegistrySet, *,
                 generic: frozenset[FormatKey] = GENERIC_TEXT_KEYS) -> None:
        self.name = name
        self.subtypes = list(dict.fromkeys(subtypes))
        self.rank = {key: i for i, key in reversed(list(enumerate(self.subtypes)))}
        self.registries = registries
        self.generic = expand_keys(generic, registries)

    def _rank(self, keys: Sequence[FormatKey]) -> int | None:
        ranks = [self.rank[k] for k in keys if k in self.rank]
        for key in keys:   # synonyms declared the other way round
            ranks.extend(self.rank[k] for k in self.registries.equivalent(key) if k in self.rank)
        return min(ranks) if ranks else None

    def identify(self, sample: Sample, previous: Match | None) -> Match | None:
        if previous is None or not previous.identified or previous.key not in self.generic:
            return None
        ext = sample.extension
        if not ext:
            return None
        ranked: dict[FormatKey, int] = {}
        for fmt in self.registries.by_extension(ext):
            rank = self._rank(fmt.keys)
            if rank is None:
                continue
            key = preferred_key(fmt, self.registries)
            if key not in self.generic:
                ranked[key] = min(rank, ranked.get(key, rank))
        if not ranked:
            return None
        ordered = sorted(ranked, key=lambda k: (ranked[k], str(k)))
        warning = (f"several subtypes match extension {ext}: {', '.join(map(str, ordered))}"
                   if len(ordered) > 1 else "")
        return Match(ordered[0], previous.confidence, self.name,
                     join(previous.basis, f"extension match {ext}"), warning)
