"""Aggregate a stream of report rows into what a person reads: the conversion summary.

:class:`SummaryCollector` is a :class:`reports.rows.ReportWriter` like the others, so the same
row stream that writes a CSV can feed it. Memory grows with the number of *distinct* old→new
pairs, extensions and warnings, never with the number of bitstreams; the distinct extensions and
warnings are capped (the rest are counted under ``(other)``) so hostile names cannot blow it up.

"Looks wrong" (:func:`looks_wrong`) is a deliberately simple heuristic that marks an
old→new pair whose names share nothing — no word, no acronym, no known family (``Adobe PDF`` →
``Windows Portable Executable``). It is a pointer for a person, not a verdict.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from reports.rows import ReportRow

NONE_LABEL = "(NONE)"
NO_OLD_LABEL = "(no old format)"
OTHER_LABEL = "(other)"
NO_EXT_LABEL = "(no extension)"

#: Confidence names in increasing order (formats.model.Confidence; reports import nothing).
CONFIDENCE_ORDER: tuple[str, ...] = (
    "UNIDENTIFIED", "EXTENSION", "HEURISTIC", "POSITIVE_GENERIC", "POSITIVE_SPECIFIC", "MANUAL",
)

MAX_EXTENSIONS = 5_000
MAX_WARNINGS = 1_000
MAX_PAIRS = 50_000
EXAMPLES = 5


@dataclass
class PairStats:
    """One old→new conversion: how many bitstreams, and how sure the identification was."""

    old: str
    new: str
    count: int = 0
    confidence: Counter[str] = field(default_factory=Counter)
    examples: list[int] = field(default_factory=list)

    @property
    def suspect(self) -> bool:
        return looks_wrong(self.old, self.new)


@dataclass
class CountWithExamples:
    label: str
    count: int = 0
    examples: list[int] = field(default_factory=list)


@dataclass
class ConversionSummary:
    """Everything the terminal and HTML summaries show."""

    total: int = 0
    converted: int = 0
    with_user_description: int = 0
    confidence: Counter[str] = field(default_factory=Counter)
    pairs: dict[tuple[str, str], PairStats] = field(default_factory=dict)
    unidentified_extensions: dict[str, CountWithExamples] = field(default_factory=dict)
    warnings: dict[str, CountWithExamples] = field(default_factory=dict)

    @property
    def not_converted(self) -> int:
        return self.total - self.converted

    def top_pairs(self, limit: int | None = None) -> list[PairStats]:
        ordered = sorted(self.pairs.values(), key=lambda p: (-p.count, p.old, p.new))
        return ordered if limit is None else ordered[:limit]

    def suspect_pairs(self) -> list[PairStats]:
        return [p for p in self.top_pairs() if p.suspect]

    def top_extensions(self, limit: int = 20) -> list[CountWithExamples]:
        return sorted(self.unidentified_extensions.values(),
                      key=lambda c: (-c.count, c.label))[:limit]

    def top_warnings(self, limit: int = 20) -> list[CountWithExamples]:
        return sorted(self.warnings.values(), key=lambda c: (-c.count, c.label))[:limit]

    def confidence_names(self) -> list[str]:
        """Known confidences in scale order, then any others seen (sorted)."""
        seen = set(self.confidence)
        for pair in self.pairs.values():
            seen.update(pair.confidence)
        known = [c for c in CONFIDENCE_ORDER if c in seen]
        return known + sorted(seen - set(CONFIDENCE_ORDER))


def extension_of(name: str | None) -> str:
    """Lower-cased text after the last dot of the base name, as identifiers see it."""
    if not name:
        return NO_EXT_LABEL
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    dot = base.rfind(".")
    if dot <= 0 or dot == len(base) - 1:
        return NO_EXT_LABEL
    ext = base[dot + 1:].lower()
    return ext if len(ext) <= 16 and ext.isprintable() else OTHER_LABEL


def _is_unidentified(row: ReportRow) -> bool:
    if row.new_format is None:
        return False  # not converted yet: a different question
    return (row.confidence or "").upper() == "UNIDENTIFIED" or (row.format_key is None and (
        row.new_format or "").lower() == "unknown")


def _bump(table: dict[str, CountWithExamples], label: str, bitstream_id: int,
          cap: int) -> None:
    entry = table.get(label)
    if entry is None:
        if len(table) >= cap:
            label = OTHER_LABEL
            entry = table.get(label)
        if entry is None:
            entry = table[label] = CountWithExamples(label)
    entry.count += 1
    if len(entry.examples) < EXAMPLES:
        entry.examples.append(bitstream_id)


class SummaryCollector:
    """A ReportWriter that aggregates rows into a :class:`ConversionSummary`."""

    def __init__(self) -> None:
        self.summary = ConversionSummary()

    def head(self) -> None:
        """Nothing to write up front: the summary is read after :meth:`tail`."""

    def row(self, row: ReportRow) -> None:
        s = self.summary
        s.total += 1
        if row.new_format is not None:
            s.converted += 1
        if row.user_format_description:
            s.with_user_description += 1
        confidence = (row.confidence or "UNIDENTIFIED").upper() if row.new_format else NONE_LABEL
        s.confidence[confidence] += 1
        old = row.old_format if row.old_format else NO_OLD_LABEL
        new = row.new_format if row.new_format is not None else NONE_LABEL
        pair = s.pairs.get((old, new))
        if pair is None:
            if len(s.pairs) >= MAX_PAIRS:
                old, new = OTHER_LABEL, OTHER_LABEL
                pair = s.pairs.get((old, new))
            if pair is None:
                pair = s.pairs[(old, new)] = PairStats(old, new)
        pair.count += 1
        pair.confidence[confidence] += 1
        if len(pair.examples) < EXAMPLES:
            pair.examples.append(row.bitstream_id)
        if _is_unidentified(row):
            _bump(s.unidentified_extensions, extension_of(row.name), row.bitstream_id,
                  MAX_EXTENSIONS)
        if row.warning:
            _bump(s.warnings, row.warning.strip()[:200], row.bitstream_id, MAX_WARNINGS)

    def tail(self) -> None:
        """Nothing to flush."""


# --- the "looks wrong" heuristic ------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
_NOISE = {
    "a", "an", "and", "the", "of", "for", "file", "files", "format", "formats", "version",
    "document", "data", "type", "bit", "x", "v", "new", "old", "generic", "unknown",
}
#: Words that name the same family of formats in the 1.5 registry and in PRONOM.
_FAMILIES: tuple[frozenset[str], ...] = tuple(frozenset(f.split()) for f in (
    "text txt ascii plain utf utf8 unicode license licence rtf",
    "html htm xhtml hypertext markup",
    "xml extensible sgml",
    "jpeg jpg jfif jpe exif",
    "tiff tif tagged",
    "gif graphics interchange",
    "png",
    "bmp bitmap",
    "mpeg mpg mp3 mp4 mp2 mpeg4 layer",
    "quicktime mov",
    "wav wave waveform audio",
    "word doc docx msword",
    "excel xls xlsx spreadsheet",
    "powerpoint ppt pptx presentation",
    "postscript ps eps encapsulated",
    "pdf acrobat",
    "latex tex",
    "zip compressed archive gzip tar",
    "realaudio ra ram",
))


def _words(name: str) -> set[str]:
    return {w for w in _WORD.findall(name.lower()) if w not in _NOISE and not w.isdigit()}


def _acronym(name: str) -> str:
    """Initials of the words that start with a letter ("Portable Network Graphics 1.0" ->
    "png"; version numbers such as ``89a`` do not count)."""
    return "".join(w[0] for w in _WORD.findall(name.lower())
                   if w[0].isalpha() and w not in {"of", "and", "the"})


def looks_wrong(old: str, new: str) -> bool:
    """True when nothing links the old format's name to the new one's (see module doc).

    Unconverted bitstreams, old "Unknown" and new "Unknown" are never flagged: they are
    unfinished, not wrong.
    """
    if new in (NONE_LABEL, OTHER_LABEL) or old in (NO_OLD_LABEL, OTHER_LABEL):
        return False
    if old.strip().lower() == "unknown" or new.strip().lower() == "unknown":
        return False
    a, b = _words(old), _words(new)
    if not a or not b or a & b:
        return False
    old_initials, new_initials = _acronym(old), _acronym(new)
    if any(len(w) >= 2 and new_initials.startswith(w) for w in a) or any(
            len(w) >= 2 and old_initials.startswith(w) for w in b):
        return False
    if any(len(x) >= 3 and len(y) >= 3 and (x.startswith(y) or y.startswith(x))
           for x in a for y in b):
        return False
    return not any(family & a and family & b for family in _FAMILIES)
