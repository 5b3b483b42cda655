"""Compile parsed DROID signatures into matchable segments.

A DROID ByteSequence is a chain of subsequences, each an anchor ``Sequence`` flanked by left
and right fragments, separated by bounded or unbounded gaps. We flatten the chain into tokens
and cut it at every unbounded gap: each piece (a *segment*) has bounded length and becomes one
bytes regex, searched inside a window whose bounds come from the gap before it (BOF, variable)
or after it (EOF). Regex backtracking then gives full DROID semantics for bounded gaps,
fragment alternatives and sets; unbounded gaps are chained searches.

Everything here is plain data (regex *sources*, not compiled patterns) so the compiled form
pickles into the cache and loads in milliseconds; patterns are compiled on first use.
"""

from __future__ import annotations

from typing import NamedTuple

from formats.signatures import pattern as P
from formats.signatures.compiled import (
    CompiledSequence,
    CompiledSignature,
    FixedCheck,
    Segment,
)
from registries.pronom.model import (
    BOF,
    EOF,
    ByteSequence,
    Fragment,
    InternalSignature,
    SubSequence,
)

__all__ = ["CompiledSequence", "CompiledSignature", "FixedCheck", "Segment",
           "compile_sequence", "compile_signature"]


#: bounded gaps wider than this also cut a segment: a chained ``search`` finds the next
#: literal at C speed where a ``.{0,999999}`` inside one regex would backtrack byte by byte
SPLIT_GAP = 4096


def _max(lo: int, hi: int | None) -> int | None:
    """DROID reads a maximum below the minimum (``SubSeqMaxOffset="0"`` with a minimum of 5,
    common in container files) as "exactly the minimum"."""
    return lo if hi is not None and hi < lo else hi


def _fragment_group(frags: tuple[Fragment, ...], left: bool) -> list[list[list[P.Token]]]:
    """Fragments grouped by position (nearest first), each group a list of alternatives."""
    by_pos: dict[int, list[list[P.Token]]] = {}
    for frag in frags:
        body = P.parse(frag.pattern)
        gap = P.Gap(frag.min_offset, _max(frag.min_offset, frag.max_offset))
        option = [*body, gap] if left else [gap, *body]
        by_pos.setdefault(frag.position, []).append(P.merge(option))
    return [options for _, options in sorted(by_pos.items())]


def _alt(options: list[list[P.Token]]) -> list[P.Token]:
    if len(options) == 1:
        return options[0]
    return [P.Alt(tuple(tuple(o) for o in options))]


def subsequence_tokens(sub: SubSequence) -> list[P.Token]:
    tokens: list[P.Token] = []
    for options in reversed(_fragment_group(sub.left, left=True)):
        tokens.extend(_alt(options))
    tokens.extend(P.parse(sub.sequence))
    for options in _fragment_group(sub.right, left=False):
        tokens.extend(_alt(options))
    return tokens


class _Piece(NamedTuple):
    """A body of tokens and the gap before it (after it, for EOF sequences)."""

    gap: P.Gap
    body: list[P.Token]


def _split(tokens: list[P.Token], trailing: bool) -> list[_Piece]:
    """Cut at unbounded and wide gaps; the gap precedes the body, or follows it when
    ``trailing`` (EOF sequences)."""
    pieces: list[_Piece] = []
    body: list[P.Token] = []
    gap = P.Gap(0, 0)
    seq = tokens if not trailing else list(reversed(tokens))
    # for EOF we walk right to left so that each body's gap is the one to its right
    for tok in seq:
        if isinstance(tok, P.Gap) and (tok.max is None or not body
                                       or tok.max - tok.min > SPLIT_GAP):
            if body:
                pieces.append(_Piece(gap, body))
                body = []
                gap = tok
            else:
                hi = None if gap.max is None or tok.max is None else gap.max + tok.max
                gap = P.Gap(gap.min + tok.min, hi)
        else:
            body.append(tok)
    if body:
        pieces.append(_Piece(gap, body))
    if trailing:
        pieces = [_Piece(p.gap, list(reversed(p.body))) for p in reversed(pieces)]
    return pieces


def _segment(gap: P.Gap, body: list[P.Token]) -> Segment:
    body = P.merge(body)
    # trailing gaps inside a BOF body (or leading for EOF) stay in the regex: harmless
    lo, hi = P.length_bounds(body)
    checks, exact = _fixed_checks(body)
    pure = body[0].data if len(body) == 1 and isinstance(body[0], P.Lit) else b""
    return Segment(src=P.to_regex(body), gap_min=gap.min, gap_max=gap.max, min_len=lo,
                   max_len=hi, prefixes=tuple(P.literal_prefix(body)),
                   literal=P.longest_literal(body), checks=checks, exact=exact, pure=pure)


def _fixed_checks(body: list[P.Token]) -> tuple[tuple[FixedCheck, ...], bool]:
    checks: list[FixedCheck] = []
    pos = 0
    for tok in body:
        if isinstance(tok, P.Lit):
            checks.append(FixedCheck(pos, tok.data))
            pos += len(tok.data)
        elif isinstance(tok, P.Gap) and tok.max == tok.min:
            pos += tok.min
        else:
            return tuple(checks), False
    return tuple(checks), True


def compile_sequence(seq: ByteSequence) -> CompiledSequence:
    subs = list(seq.subsequences)
    tokens: list[P.Token] = []
    if seq.reference == EOF:
        # As DROID matches them: subsequences are in file order, the last one (highest
        # Position) is anchored to EOF, and each one's offsets are its distance to the next
        # subsequence on its right (or to EOF for the last).
        for sub in subs:
            tokens.extend(subsequence_tokens(sub))
            tokens.append(P.Gap(sub.min_offset, _max(sub.min_offset, sub.max_offset)))
        pieces = _split(tokens, trailing=True)
    else:
        for i, sub in enumerate(subs):
            max_offset = _max(sub.min_offset, sub.max_offset)
            if i == 0 and seq.reference != BOF:
                max_offset = None  # variable: the first subsequence may be anywhere
            tokens.append(P.Gap(sub.min_offset, max_offset))
            tokens.extend(subsequence_tokens(sub))
        pieces = _split(tokens, trailing=False)
    segments = tuple(_segment(p.gap, p.body) for p in pieces)
    extent: int | None = 0
    for s in segments:
        if extent is None or s.gap_max is None or s.max_len is None:
            extent = None
            break
        extent += s.gap_max + s.max_len
    return CompiledSequence(seq.reference, segments, extent)


def compile_signature(sig: InternalSignature) -> CompiledSignature:
    return CompiledSignature(sig.id, tuple(compile_sequence(s) for s in sig.sequences),
                             sig.generic)
