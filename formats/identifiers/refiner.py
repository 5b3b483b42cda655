"""Base of the refiners for text formats PRONOM cannot sign (JSON, CSV, Markdown).

A refiner runs only on text, only when the running best answer is generic text, an
extension-only guess or nothing (never over a byte or container signature), and answers at
HEURISTIC. Each format names its candidate keys: the PRONOM PUID first, then any configured
format declaring the format's MIME type (so a DSpace or Provisional registry entry for
``text/csv`` works too). With none of them configured the refiner is simply not built.
"""

from __future__ import annotations

from collections.abc import Sequence

from formats.identifiers.common import (
    GENERIC_TEXT_KEYS,
    expand_keys,
    first_known,
    keys_for_mime,
    may_refine,
)
from formats.identifiers.textclass import sample_text_class
from formats.model import Confidence, Match, Sample
from registries.model import FormatKey, RegistrySet


def resolve_format(registries: RegistrySet, puid: str | None, mimes: Sequence[str]
                   ) -> FormatKey | None:
    """The key to answer for one text format: the PUID if configured, else a MIME match."""
    candidates: list[FormatKey] = [FormatKey.parse(puid)] if puid else []
    for mime in mimes:
        candidates.extend(keys_for_mime(registries, mime))
    return first_known(candidates, registries)


class ContentRefiner:
    """Gating and answer-building shared by JSON/CSV/Markdown; subclasses implement ``detect``."""

    refines = True
    max_confidence = Confidence.HEURISTIC
    #: the format's PRONOM key and MIME types; subclasses set them
    PUID: str | None = None
    MIMES: tuple[str, ...] = ()

    def __init__(self, name: str, registries: RegistrySet, *,
                 generic: frozenset[FormatKey] = GENERIC_TEXT_KEYS,
                 key: FormatKey | None = None) -> None:
        self.name = name
        self.key = key or resolve_format(registries, self.PUID, self.MIMES)
        self.generic = expand_keys(generic, registries)
        self.registries = registries
        self._named_cache: dict[str, bool] = {}

    @property
    def answer_keys(self) -> tuple[FormatKey | None, ...]:
        """Every key this refiner may answer (the TextSubtypeHelper treats them as subtypes)."""
        return (self.key,)

    @classmethod
    def available(cls, registries: RegistrySet) -> bool:
        """Whether some configured registry has a format this refiner can answer."""
        return resolve_format(registries, cls.PUID, cls.MIMES) is not None

    def identify(self, sample: Sample, previous: Match | None) -> Match | None:
        if self.key is None or not may_refine(previous, self.generic):
            return None
        cls = sample_text_class(sample)
        if cls is None:
            return None
        found = self.detect(sample, cls)
        if found is None:
            return None
        key, basis, warning = found
        return Match(key or self.key, Confidence.HEURISTIC, self.name, basis, warning)

    def _named_otherwise(self, ext: str) -> bool:
        """The name says another specific format (``.py``, ``.rst``, ``.tex``): trust it.

        Markdown and CSV structure is weak evidence next to a name like ``setup.py`` (code has
        ``# comments`` and comma-separated arguments), so those refiners leave such files to the
        name; a name no registry knows, or one that says only "text", does not count.
        """
        if not ext or self.key is None:
            return False
        cache = self._named_cache
        if ext not in cache:
            ours = self.registries.equivalent(self.key)
            formats = self.registries.by_extension(ext)
            cache[ext] = bool(formats) and not any(
                f.key in self.generic or f.key in ours for f in formats)
        return cache[ext]

    def detect(self, sample: Sample, cls: str) -> tuple[FormatKey | None, str, str] | None:
        """(key or None for the default key, basis, warning) when the content is this format."""
        raise NotImplementedError
