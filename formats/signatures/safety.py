"""Signature patterns that cannot backtrack: every compiled pattern is checked before it runs.

Segments become Python regular expressions (:mod:`formats.signatures.compile`), and Python's
engine backtracks. A ``Sequence`` of ``(00|0000)`` forty times, then ``01``, tried on sixty
NUL bytes, has some 2^37 ways to reach the same byte and never answers. So before a signature
file is used, every regex it compiles to is parsed (``re._parser``, the parser of the very
engine that runs it) and two numbers are derived from its structure:

* **ambiguity** — the most ways the pattern can reach *one* end position. A literal, a set, a
  gap ``.{0,9}`` (each length ends elsewhere), an atomic group and a lookahead have one; two
  alternatives that can start with the same bytes and end at the same place add up; two
  adjacent variable parts multiply by the smaller number of lengths they can share. This is
  what backtracking explodes on: with ambiguity ``A`` a failing attempt at one start position
  explores at most ``A`` times the pattern's own span of end positions, which a DROID matcher
  must look at anyway.
* **paths** — what the matcher may explore for one sequence in one file: for each segment,
  the positions it is tried at (one at a fixed offset; its range, or the window, otherwise;
  fewer when it starts with a literal that cannot occur densely) times its ambiguity times
  its end positions, times the retries of the segments before it (the matcher tries up to
  ``MAX_CANDIDATES`` places for a segment that a bounded gap separates from the next one).

A sequence whose ambiguity exceeds :data:`MAX_AMBIGUITY`, or whose paths exceed
:data:`MAX_PATHS`, is refused, and so is a file whose sequences together exceed
:data:`MAX_TOTAL_PATHS` (many signatures each just under the bounds). Every refusal names the
signature file, the line and the signature, all in one :class:`~bsfcore.errors.RegistryError`,
so a hostile or broken signature file fails when it is loaded instead of stalling
identification; what is accepted explores a fixed number of paths per file, whatever the file
holds.

The real PRONOM data stays well below both: in V118 and V122 (the same figures for both) the most
ambiguous pattern (``<?xml`` with two runs of optional whitespace) has 31 ways, the costliest
sequence (a TIFF chain of four segments) about 2^25 paths, all of one file together about 2^28.
The estimate is an upper bound: on crafted files the real PRONOM signatures match in
milliseconds, while the ambiguous patterns a hostile file writes are estimated closely.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from typing import Any

from bsfcore.errors import Problem, RegistryError
from formats.signatures.compiled import CompiledSequence, CompiledSignature, Segment
from formats.signatures.match import MAX_CANDIDATES
from registries.pronom.model import EOF, VARIABLE, InternalSignature

# The parser and opcodes of Python's own regex engine (private modules without type stubs:
# what they return is walked here and nowhere else).
sre: Any = import_module("re._parser")
C: Any = import_module("re._constants")

#: the most ways one pattern may reach one end position (the most ambiguous of V118 and V122
#: has 31; with 64, the worst accepted pattern takes some 0.4 s on a 64 KiB window:
#: benchmarks/hostile.py)
MAX_AMBIGUITY = 64
#: the most paths the matcher may explore for one sequence in one file
MAX_PATHS = 1 << 28
#: ... and for all the sequences of one signature file together (V118 and V122: about 2^28)
MAX_TOTAL_PATHS = 1 << 31
#: counts above this are "too many" (keeps the arithmetic small on hostile input)
_CAP = 1 << 62
_ALL = frozenset(range(256))
#: fixed bytes compared to decide whether two alternatives can start alike
_PREFIX = 64

_WIDTH1 = (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN)
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT)

_Node = tuple[Any, Any]


@dataclass(frozen=True)
class Shape:
    """What backtracking sees of a regex part: ``ways`` to reach one end position, widths
    ``lo..hi``, and ``ends``, the end positions backtracking may try (one for a part that
    commits to its first success: an atomic group, a lookahead)."""

    ways: int
    lo: int
    hi: int
    ends: int


_ONE = Shape(1, 1, 1, 1)
_EMPTY = Shape(1, 0, 0, 1)
_HOPELESS = Shape(_CAP, 0, _CAP, _CAP)


def _mul(a: int, b: int) -> int:
    return min(a * b, _CAP)


def _items(sub: Any) -> list[_Node]:
    return list(sub)


def _class(op: Any, av: Any) -> frozenset[int]:
    """The bytes a width-1 node accepts."""
    if op == C.LITERAL:
        return frozenset((int(av),))
    if op == C.NOT_LITERAL:
        return _ALL - {int(av)}
    if op == C.ANY:
        return _ALL
    members: set[int] = set()
    negate = False
    for item_op, item_av in _items(av):
        if item_op == C.NEGATE:
            negate = True
        elif item_op == C.LITERAL:
            members.add(int(item_av))
        elif item_op == C.RANGE:
            lo, hi = item_av
            members.update(range(int(lo), int(hi) + 1))
        else:  # categories (\d, \s ...) are never generated: assume anything
            return _ALL
    return _ALL - members if negate else frozenset(members)


def _prefix(items: list[_Node], limit: int = _PREFIX) -> list[frozenset[int]]:
    """The byte classes of the fixed-width start of ``items`` (up to ``limit`` bytes)."""
    out: list[frozenset[int]] = []
    for op, av in items:
        if len(out) >= limit:
            break
        if op in _WIDTH1:
            out.append(_class(op, av))
            continue
        if op == C.SUBPATTERN:
            inner = _items(av[3])
            got = _prefix(inner, limit - len(out))
            out.extend(got)
            shape = items_shape(inner)
            if shape.lo != shape.hi or len(got) < shape.lo:
                break
            continue
        if op in _REPEATS:
            lo, hi, sub = av
            body = _items(sub)
            if len(body) == 1 and body[0][0] in _WIDTH1:
                out.extend([_class(*body[0])] * min(int(lo), limit - len(out)))
                if lo == hi:
                    continue
        break
    return out


def _can_share(a: list[frozenset[int]], b: list[frozenset[int]]) -> bool:
    """Whether two alternatives may start with the same bytes (no fixed byte tells them apart)."""
    return all(x & y for x, y in zip(a, b, strict=False))


def _branch(options: list[list[_Node]]) -> Shape:
    shapes = [items_shape(o) for o in options]
    prefixes = [_prefix(o) for o in options]
    ways = 1
    for i, (shape, prefix) in enumerate(zip(shapes, prefixes, strict=True)):
        total = shape.ways
        for j, (other, other_prefix) in enumerate(zip(shapes, prefixes, strict=True)):
            if j != i and other.lo <= shape.hi and shape.lo <= other.hi \
                    and _can_share(prefix, other_prefix):
                total = min(total + other.ways, _CAP)
        ways = max(ways, total)
    lo, hi = min(s.lo for s in shapes), max(s.hi for s in shapes)
    return Shape(ways, lo, hi, min(sum(s.ends for s in shapes), hi - lo + 1))


def _then(a: Shape, b: Shape) -> Shape:
    """``a`` followed by ``b``: the ways to split one width between them multiply."""
    lo, hi = min(a.lo + b.lo, _CAP), min(a.hi + b.hi, _CAP)
    return Shape(_mul(_mul(a.ways, b.ways), min(a.ends, b.ends)), lo, hi,
                 min(a.ends + b.ends - 1, hi - lo + 1))


def items_shape(items: list[_Node]) -> Shape:
    shape = _EMPTY
    for node in items:
        shape = _then(shape, node_shape(node))
        if shape.ways >= _CAP:
            return _HOPELESS
    return shape


def node_shape(node: _Node) -> Shape:
    op, av = node
    if op in _WIDTH1:
        return _ONE
    if op == C.AT:
        return _EMPTY
    if op == C.SUBPATTERN:
        return items_shape(_items(av[3]))
    if op == C.ATOMIC_GROUP:
        inner = items_shape(_items(av))
        return Shape(1, inner.lo, inner.hi, 1)
    if op in (C.ASSERT, C.ASSERT_NOT):
        return _EMPTY
    if op == C.BRANCH:
        return _branch([_items(o) for o in av[1]])
    if op in _REPEATS or op == C.POSSESSIVE_REPEAT:
        lo, hi, sub = av
        return _repeat(int(lo), _CAP if hi == C.MAXREPEAT else int(hi), items_shape(_items(sub)),
                       possessive=op == C.POSSESSIVE_REPEAT)
    # back references, conditionals ...: never generated, never trusted
    return _HOPELESS


def _repeat(lo: int, hi: int, body: Shape, *, possessive: bool) -> Shape:
    width_lo, width_hi = _mul(lo, body.lo), _mul(hi, body.hi)
    if possessive:
        return Shape(1, width_lo, width_hi, 1)
    if body.ways == 1 and body.lo == body.hi and body.lo > 0:
        # each count ends elsewhere: one way per end
        return Shape(1, width_lo, width_hi, min(hi - lo + 1, _CAP))
    if hi >= 64:
        return _HOPELESS  # many repetitions of a part that can split its bytes differently
    total = _EMPTY
    shape = _EMPTY
    for count in range(hi + 1):
        if count >= lo:
            total = shape if count == lo else Shape(
                min(total.ways + shape.ways, _CAP), total.lo, shape.hi,
                min(total.ends + shape.ends, _CAP))
        shape = _then(shape, body)
    return Shape(total.ways, width_lo, width_hi, total.ends)


@lru_cache(maxsize=8192)
def regex_shape(src: bytes) -> Shape:
    """The shape of one segment's regex source, parsed as the matcher compiles it (many
    signatures share a source)."""
    return items_shape(_items(sre.parse(src, re.DOTALL)))


def _period(text: bytes) -> int:
    """The smallest shift at which ``text`` overlaps itself (its length when it never does)."""
    for shift in range(1, len(text)):
        if text[shift:] == text[:-shift]:
            return shift
    return max(1, len(text))


def _starts(seg: Segment, window: int, fixed: bool) -> int:
    """Positions the matcher may try ``seg`` at in one file: one when its place is fixed,
    else its range (the window when unbounded), fewer when it must start with a literal that
    cannot occur densely (``bytes.find`` and the regex engine's prefix scan skip the rest)."""
    if fixed:
        return 1
    length = (seg.max_len if seg.max_len is not None else window) - seg.min_len
    span = window if seg.gap_max is None else min(window, seg.gap_max - seg.gap_min + 1 + length)
    if seg.prefixes:
        period = min(_period(p) for p in seg.prefixes)
        span = min(span, span // period + len(seg.prefixes))
    return max(1, span)


def sequence_cost(seq: CompiledSequence, window: int) -> tuple[int, int]:
    """(the most ambiguous segment's ways, the paths the matcher may explore in one file).

    Per segment: start positions x ways x end positions, times the retries of the segments
    before it (the matcher tries up to ``MAX_CANDIDATES`` places for a segment followed by a
    bounded gap). EOF chains are matched from the end, so they are walked reversed."""
    segs = list(seq.segments)
    if seq.reference == EOF:
        segs.reverse()
    total, retries, worst = 0, 1, 1
    for i, seg in enumerate(segs):
        shape = regex_shape(seg.src)
        worst = max(worst, shape.ways)
        fixed = i == 0 and seq.reference != VARIABLE and seg.gap_max == seg.gap_min \
            and (seq.reference != EOF or seg.max_len == seg.min_len)
        paths = _mul(_mul(_starts(seg, window, fixed), shape.ways), shape.ends)
        total = min(total + _mul(retries, paths), _CAP)
        nxt = segs[i + 1] if i + 1 < len(segs) else None
        if nxt is not None and (seg.gap_max if seq.reference == EOF else nxt.gap_max) \
                is not None:
            retries = _mul(retries, MAX_CANDIDATES)
    return worst, total


def _describe(n: int) -> str:
    return "more than 2^62" if n >= _CAP else (
        f"about 2^{n.bit_length() - 1}" if n > 1 << 16 else str(n))


def sequence_problem(seq: CompiledSequence, window: int) -> str | None:
    """Why the matcher could not match ``seq`` within the bounds, or None."""
    return _problem(seq, window)[0]


def _problem(seq: CompiledSequence, window: int) -> tuple[str | None, int]:
    """(why ``seq`` is refused or None, the paths it may explore)."""
    try:
        ways, paths = sequence_cost(seq, window)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"its pattern cannot be analysed ({type(exc).__name__}: {exc})", _CAP
    return _verdict(ways, paths), paths


def _verdict(ways: int, paths: int) -> str | None:
    """The refusal for a sequence of this ambiguity and these paths, or None."""
    if ways > MAX_AMBIGUITY:
        return (f"its pattern can reach one position in {_describe(ways)} ways (the bound is "
                f"{MAX_AMBIGUITY}: alternatives that match the same bytes, or gaps and repeats "
                "next to each other, backtrack exponentially)")
    if paths > MAX_PATHS:
        return (f"matching it may explore {_describe(paths)} paths per file (the bound is "
                f"2^{MAX_PATHS.bit_length() - 1}: wide gaps at the end of alternatives, or "
                "segments retried through bounded gaps)")
    return None


def check_signatures(pairs: Iterable[tuple[InternalSignature, CompiledSignature]],
                     source: str, window: int) -> None:
    """Refuse, in one error, every signature the matcher could not match in linear time."""
    problems: list[Problem] = []
    seen: set[int] = set()
    total = 0
    costliest = (0, 0)
    for raw, compiled in pairs:
        if id(raw) in seen:
            continue
        seen.add(id(raw))
        for position, (raw_seq, seq) in enumerate(
                zip(raw.sequences, compiled.sequences, strict=True), 1):
            reason, paths = _problem(seq, window)
            if reason is None:
                total = min(total + paths, _CAP)
                costliest = max(costliest, (paths, raw.id))
            else:
                line = getattr(raw_seq, "line", None) or getattr(raw, "line", None)
                problems.append(Problem(source or None, line,
                                        f"InternalSignature {raw.id} ByteSequence {position}: "
                                        f"{reason}; refused"))
    if total > MAX_TOTAL_PATHS:
        problems.append(Problem(source or None, None, (
            f"its signatures together may explore {_describe(total)} paths per file (the bound "
            f"is 2^{MAX_TOTAL_PATHS.bit_length() - 1}; the costliest is InternalSignature "
            f"{costliest[1]}, about 2^{costliest[0].bit_length() - 1}); refused")))
    if problems:
        raise RegistryError(problems)
