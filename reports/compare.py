"""Comparing two identification runs: what a preservation team checks after a signature update.

The files whose answer changed (old → new, with each run's basis) and how many files moved for
each old → new pair. Files are matched by the path each run wrote; when one run is a DROID CSV
(absolute ``FILE_PATH``) and the other an sf layout (paths as given), the sf paths are made
absolute first. A file present in only one run is a change to or from ``(absent)``.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass

from reports.results_reader import DROID, Answer, Results

ABSENT = "(absent)"
NOT_READ = "(not identified)"

CHANGE_COLUMNS = ("filename", "old_id", "old_format", "old_basis", "new_id", "new_format",
                  "new_basis")
PAIR_COLUMNS = ("old_id", "old_format", "new_id", "new_format", "count")


@dataclass(frozen=True)
class Change:
    filename: str
    old_id: str
    old_format: str
    old_basis: str
    new_id: str
    new_format: str
    new_basis: str


@dataclass(frozen=True)
class PairCount:
    old_id: str
    old_format: str
    new_id: str
    new_format: str
    count: int


@dataclass(frozen=True)
class Comparison:
    changes: list[Change]
    pairs: list[PairCount]
    unchanged: int


def _keyed(results: Results, absolute: bool) -> dict[str, Answer]:
    if not absolute:
        return results.answers
    return {(os.path.abspath(k) if "#" not in k else k): v for k, v in results.answers.items()}


def _shown(answer: Answer | None) -> tuple[str, str, str]:
    if answer is None:
        return ABSENT, "", ""
    return answer.id or NOT_READ, answer.format, answer.basis


def compare_runs(old: Results, new: Results) -> Comparison:
    """Changed files in the new run's order (then files only the old run had), pair counts."""
    mixed = (old.layout == DROID) != (new.layout == DROID)
    before = _keyed(old, mixed and old.layout != DROID)
    after = _keyed(new, mixed and new.layout != DROID)
    changes: list[Change] = []
    unchanged = 0
    for filename, answer in after.items():
        previous = before.get(filename)
        if previous is not None and previous.id == answer.id:
            unchanged += 1
            continue
        changes.append(Change(filename, *_shown(previous), *_shown(answer)))
    changes.extend(Change(filename, *_shown(answer), *_shown(None))
                   for filename, answer in before.items() if filename not in after)
    counts = Counter((c.old_id, c.old_format, c.new_id, c.new_format) for c in changes)
    pairs = [PairCount(*key, count=n)
             for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return Comparison(changes, pairs, unchanged)
