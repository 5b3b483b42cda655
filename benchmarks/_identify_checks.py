"""Accuracy figures of ``benchmarks/identify.py --corpus system``: agreement with siegfried, the
renamed-``.dat`` text score and false positives on prose, code, logs and config.

* **Agreement**: on the corpus under its real names, files where both bsf and siegfried name a
  format; the share with the same PUID. Printed twice: over all such files, and over those
  whose siegfried PUID exists in bsf's signature file (siegfried embeds a newer PRONOM release,
  so formats added since cannot agree whatever the engine does).
* **Renamed text**: real css/json/xml/html/md/txt/svg files copied into a temporary folder as
  ``N.dat``; right when the answer is the kind's format family (CSS x-fmt/224; JSON fmt/817 and
  its profiles; Markdown fmt/1149; plain text any generic text PUID; XML, HTML, SVG any PRONOM
  format whose MIME type says so), or the answer the original file got from a byte or
  container signature (an e-mail saved as ``.txt`` is still fmt/950 by content).
* **False positives**: prose (README, AUTHORS, copyright...), source code, logs and config files
  copied as ``N.dat``; a false positive is any answer from a content refiner (CSS, JSON, CSV,
  Markdown, markup) -- these files are none of those.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from formats.model import Confidence, Match, Sample
from registries.model import RegistrySet

GENERIC_TEXT = frozenset({"x-fmt/111", "x-fmt/16", "x-fmt/282", "x-fmt/283", "x-fmt/21",
                          "x-fmt/22", "x-fmt/130", "x-fmt/15", "x-fmt/14"})
FAMILIES = {"css": frozenset({"x-fmt/224"}), "md": frozenset({"fmt/1149"}),
            "json": frozenset({"fmt/817", "fmt/880", "fmt/1367", "fmt/1311"}),
            "txt": GENERIC_TEXT}
MIME_FAMILIES = {"xml": "xml", "html": "html", "svg": "svg"}
#: sources whose answers are content refiners' (the false-positive test)
REFINERS = ("CSSIdentifier", "JSONIdentifier", "CSVIdentifier", "MarkdownIdentifier",
            "MarkupIdentifier")

Identify = Callable[[str], Match]


@dataclass
class Agreement:
    both: int = 0
    same: int = 0
    both_known: int = 0
    same_known: int = 0
    differences: Counter[tuple[str, str, str]] = field(default_factory=Counter)


def agreement(files: Sequence[str], identify: Identify, sf: Mapping[str, str],
              known: frozenset[str]) -> Agreement:
    """bsf's answers against siegfried's (``sf``: path -> PUID or UNKNOWN)."""
    result = Agreement()
    for path in files:
        ours = identify(path)
        theirs = sf.get(path, "UNKNOWN")
        if ours.key is None or theirs == "UNKNOWN":
            continue
        same = ours.key.identifier == theirs
        result.both += 1
        result.same += same
        if theirs in known:
            result.both_known += 1
            result.same_known += same
        if not same:
            ext = path.rsplit(".", 1)[-1] if "." in os.path.basename(path) else ""
            result.differences[(ext, ours.key.identifier, theirs)] += 1
    return result


def _right(kind: str, match: Match, original: Match, registries: RegistrySet) -> bool:
    if match.key is None:
        return False
    puid = match.key.identifier
    if original.key is not None and original.confidence >= Confidence.POSITIVE_GENERIC \
            and original.key == match.key:
        return True   # the same answer by content as the original name got
    if kind in FAMILIES:
        return puid in FAMILIES[kind]
    fmt = registries.get(match.key)
    return fmt is not None and MIME_FAMILIES[kind] in (fmt.mime_type or "")


@dataclass
class RenamedScore:
    right: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    false_positives: list[tuple[str, str, str]] = field(default_factory=list)
    negatives: Counter[str] = field(default_factory=Counter)


def renamed_scores(texts: Mapping[str, Sequence[str]], negatives: Mapping[str, Sequence[str]],
                   identify: Identify, registries: RegistrySet) -> RenamedScore:
    """Copy each sample into a private temp folder as ``N.dat`` and identify the copy."""
    score = RenamedScore()
    folder = tempfile.mkdtemp(prefix="bsf-renamed-")
    try:
        n = 0
        for kind, paths in texts.items():
            for path in paths:
                n += 1
                copy = os.path.join(folder, f"{n}.dat")
                shutil.copyfile(path, copy)
                got = identify(copy)
                score.total[kind] += 1
                if _right(kind, got, identify(path), registries):
                    score.right[kind] += 1
                else:
                    score.misses.append((kind, path, str(got.key)))
        for kind, paths in negatives.items():
            for path in paths:
                n += 1
                copy = os.path.join(folder, f"{n}.dat")
                shutil.copyfile(path, copy)
                got = identify(copy)
                score.negatives[kind] += 1
                if got.key is not None and got.source.endswith(REFINERS):
                    score.false_positives.append((kind, path, f"{got.key} {got.basis}"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return score


def stack_identify(stack: object) -> Identify:
    identify = stack.identify  # type: ignore[attr-defined]
    return lambda path: identify(Sample.from_path(path))
