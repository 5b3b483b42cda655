"""Match one compiled signature against a file's windows.

A sequence is a chain of segments (see ``compile``). BOF and variable chains are matched left
to right: a segment at a fixed distance is one ``re.match``; one within a range or beyond an
unbounded gap is searched (``bytes.find`` for pure literals). EOF chains are matched right to
left from the end of the file. When a segment has several candidate positions and the next
gap is bounded, the candidates are tried in turn (nearest the anchor first), so a chain such
as "seven MPEG frames 46-1439 bytes apart, the last 47-1795 bytes before EOF" is found even
when the first frame tried is the wrong one. Candidates per segment are capped
(``MAX_CANDIDATES``) so a hostile file cannot make matching quadratic.

Patterns compile on first use and are shared by every signature with the same source.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from formats.signatures.compiled import CompiledSequence, CompiledSignature, Segment
from formats.signatures.window import Window
from registries.pronom.references import EOF

_DOTALL = re.DOTALL
#: positions tried per segment before giving up on a chain
MAX_CANDIDATES = 64
#: prefix occurrences tried one by one before handing the rest of the window to the regex
PREFIX_HOPS = 256
#: below this window size the regex engine's own prefix scan is cheaper than hopping
HOP_WINDOW = 8192
#: occurrences of a needle's anchor byte checked before trusting bytes.find instead
ANCHOR_HOPS = 16


class Span(NamedTuple):
    """Where a segment matched in a buffer: ``buf[start:end]``."""

    start: int
    end: int


class Position(NamedTuple):
    """Where a whole sequence matched in the file: ``length`` bytes from ``offset``."""

    offset: int
    length: int


class _Bounds(NamedTuple):
    """Where to look for a segment: the buffer, the lowest and highest start, the end bound."""

    buf: bytes
    lo: int
    hi: int
    end: int


@cache
def rx(src: bytes) -> re.Pattern[bytes]:
    return re.compile(src, _DOTALL)


@cache
def rx_eof(src: bytes, gap_min: int, gap_max: int) -> re.Pattern[bytes]:
    """The segment followed by ``gap_min..gap_max`` bytes and the end of the buffer (an
    ``endpos`` moves that end)."""
    if gap_min == gap_max:
        tail = b"\\Z" if gap_min == 0 else b"(?=.{%d}\\Z)" % gap_min
    else:
        tail = b"(?=.{%d,%d}\\Z)" % (gap_min, gap_max)
    return re.compile(b"(?:" + src + b")" + tail, _DOTALL)


def match_sequence(seq: CompiledSequence, win: Window, cap: int) -> Position | None:
    """Where the whole sequence matched in the file, or None."""
    if seq.reference == EOF:
        return _match_eof(seq, win, cap)
    return _bof_chain(seq.segments, 0, 0, win, cap)


def _window(seg: Segment, pos: int, win: Window, cap: int) -> _Bounds:
    """Where to look for ``seg`` after offset ``pos``."""
    lo = pos + seg.gap_min
    if seg.max_len is None:
        buf = win.head(cap)
        return _Bounds(buf, lo, len(buf), len(buf))
    if seg.gap_max is None:
        # the start must lie within the scan cap; a bounded body may run past it
        hi = max(cap, lo)
        buf = win.head(hi + seg.max_len)
        return _Bounds(buf, lo, hi, len(buf))
    hi = pos + seg.gap_max
    end = hi + seg.max_len
    return _Bounds(win.head(end), lo, hi, end)


def _bof_chain(segs: tuple[Segment, ...], i: int, pos: int, win: Window,
               cap: int) -> Position | None:
    seg = segs[i]
    buf, lo, hi, end = _window(seg, pos, win, cap)
    if lo > len(buf):
        return None
    last = i + 1 == len(segs)
    retry = not last and segs[i + 1].gap_max is not None
    tries = 0
    while lo <= hi and tries < MAX_CANDIDATES:
        tries += 1
        found = _at(seg, buf, lo, end) if lo == hi else _search(seg, buf, lo, end)
        if found is None or found.start > hi:
            return None
        if last:
            return Position(found.start, found.end - found.start)
        rest = _bof_chain(segs, i + 1, found.end, win, cap)
        if rest is not None:
            return Position(found.start, rest.offset + rest.length - found.start)
        if not retry:
            return None
        lo = found.start + 1
    return None


def _at(seg: Segment, buf: bytes, pos: int, end: int) -> Span | None:
    """``seg`` matched exactly at ``pos`` (ending by ``end``). A segment of fixed literals at
    fixed distances is compared directly: no regex to compile or run."""
    if seg.exact and seg.max_len is not None:
        stop = pos + seg.max_len
        if stop > end or stop > len(buf):
            return None
        for offset, data in seg.checks:
            if not buf.startswith(data, pos + offset):
                return None
        return Span(pos, stop)
    m = rx(seg.src).match(buf, pos, end)
    return None if m is None else Span(m.start(), m.end())


def _byte_score(b: int) -> int:
    """How common a byte value tends to be in files (higher = more common)."""
    if b in (0x00, 0xFF):
        return 9
    if b == 0x20 or 0x61 <= b <= 0x7A or 0x30 <= b <= 0x39:
        return 5
    if 0x21 <= b <= 0x7E:
        return 3
    return 1


class _Anchor(NamedTuple):
    """Where to look first for a needle: its rarest-looking byte, and whether to bother."""

    position: int
    byte: bytes
    #: the needle holds a 00 byte: ``bytes.find`` would crawl through zero padding
    hop: bool


@cache
def _anchor(needle: bytes) -> _Anchor:
    k = min(range(len(needle)), key=lambda i: (_byte_score(needle[i]), -i))
    return _Anchor(k, needle[k:k + 1], 0 in needle)


def find_literal(buf: bytes, needle: bytes, lo: int = 0, end: int | None = None) -> int:
    """``buf.find(needle, lo, end)``, fast where ``bytes.find`` is slow.

    CPython's multi-byte search crawls through zero padding (hundreds of µs per 64 KiB
    when the needle holds a 00 byte); a one-byte search is ``memchr``. So for a needle with a
    00 byte we look for its rarest-looking byte and compare the whole needle only there,
    falling back to ``bytes.find`` if that byte turns out to be common in this buffer. Any
    other needle goes straight to ``bytes.find`` (hopping between the ``<`` or spaces of a
    text file measured 2-3x slower than it on real web files).
    """
    if end is None:
        end = len(buf)
    if len(needle) < 2:
        return buf.find(needle, lo, end)
    k, byte, hop = _anchor(needle)
    if not hop:
        return buf.find(needle, lo, end)
    stop = end - len(needle) + k + 1
    pos = lo + k
    if stop <= pos:
        return -1
    for _ in range(ANCHOR_HOPS):
        at = buf.find(byte, pos, stop)
        if at < 0:
            return -1
        if buf.startswith(needle, at - k):
            return at - k
        pos = at + 1
        if pos >= stop:
            return -1
    return buf.find(needle, pos - k, end)


def _search(seg: Segment, buf: bytes, lo: int, end: int) -> Span | None:
    """Leftmost match of ``seg`` starting at or after ``lo`` and ending by ``end``.

    A pure literal is a ``bytes.find`` (tens of times faster than the regex engine's own
    prefix scan); a segment with one fixed prefix jumps to its first occurrence first.
    """
    if seg.pure:
        at = find_literal(buf, seg.pure, lo, end)
        return None if at < 0 else Span(at, at + len(seg.pure))
    pattern = rx(seg.src)
    if end - lo > HOP_WINDOW and len(seg.prefixes) == 1 and len(seg.prefixes[0]) >= 3:
        # jump from one occurrence of the fixed prefix to the next (C speed) and try the
        # pattern only there; a prefix that occurs too often falls back to the regex scan
        prefix = seg.prefixes[0]
        for _ in range(PREFIX_HOPS):
            lo = find_literal(buf, prefix, lo, end)
            if lo < 0:
                return None
            m = pattern.match(buf, lo, end)
            if m is not None:
                return Span(m.start(), m.end())
            lo += 1
    m = pattern.search(buf, lo, end)
    return None if m is None else Span(m.start(), m.end())


def _candidates(seg: Segment, buf: bytes, lo: int, end: int) -> list[Span]:
    """Matches of ``seg`` that end ``gap_min..gap_max`` bytes before ``end``, nearest the
    end first (EOF chains grow leftwards)."""
    assert seg.gap_max is not None
    pattern = rx_eof(seg.src, seg.gap_min, seg.gap_max)
    found: list[Span] = []
    pos = lo
    while len(found) < MAX_CANDIDATES:
        m = pattern.search(buf, pos, end)
        if m is None:
            break
        found.append(Span(m.start(), m.end()))
        pos = m.start() + 1
    found.reverse()
    return found


def _rightmost(seg: Segment, buf: bytes, stop: int) -> Span | None:
    """The match of ``seg`` ending by ``stop`` that starts furthest right."""
    if seg.pure:
        at = buf.rfind(seg.pure, 0, stop)
        return None if at < 0 else Span(at, at + len(seg.pure))
    pattern = rx(seg.src)
    if seg.prefixes and len(seg.prefixes) == 1:
        prefix = seg.prefixes[0]
        limit = stop
        for _ in range(4096):
            at = buf.rfind(prefix, 0, limit)
            if at < 0:
                return None
            m = pattern.match(buf, at, stop)
            if m is not None:
                return Span(at, m.end())
            limit = at + len(prefix) - 1
        return None
    best = None
    pos = 0
    for _ in range(4096):
        hit = _search(seg, buf, pos, stop)
        if hit is None:
            break
        best = hit
        pos = hit.start + 1
    return best


def _match_eof(seq: CompiledSequence, win: Window, cap: int) -> Position | None:
    need = seq.extent if seq.extent is not None else cap
    buf = win.tail(need)
    base = win.size - len(buf)  # file offset of buf[0]
    found = _eof_chain(seq.segments, len(seq.segments) - 1, len(buf), buf)
    if found is None:
        return None
    return Position(base + found.offset, found.length)


def _eof_chain(segs: tuple[Segment, ...], i: int, end: int, buf: bytes) -> Position | None:
    """Segment ``i`` must end ``gap_min..gap_max`` bytes before ``end``; then segment i-1."""
    seg = segs[i]
    stop = end - seg.gap_min  # the latest the segment may end
    if stop < 0:
        return None
    lo = 0
    if seg.gap_max is not None and seg.max_len is not None:
        lo = max(0, end - seg.gap_max - seg.max_len)
    options: list[Span]
    if seg.gap_max == seg.gap_min and seg.max_len == seg.min_len and seg.max_len is not None:
        start = stop - seg.max_len
        at = _at(seg, buf, start, stop) if start >= 0 else None
        options = [at] if at is not None and at.end == stop else []
    elif seg.gap_max is None or seg.max_len is None:
        hit = _rightmost(seg, buf, stop)
        options = [hit] if hit is not None else []
    else:
        options = _candidates(seg, buf, lo, end)
    for start, stop_at in options:
        if i == 0:
            return Position(start, stop_at - start)
        rest = _eof_chain(segs, i - 1, start, buf)
        if rest is not None:
            return Position(rest.offset, stop_at - rest.offset)
        if segs[i - 1].gap_max is None:
            return None  # an unbounded gap: later candidates only leave less room
    return None


def match_signature(sig: CompiledSignature, win: Window, cap: int) -> list[Position] | None:
    """Every sequence must match; returns where each did, or None."""
    found = []
    for seq in sig.sequences:
        hit = match_sequence(seq, win, cap)
        if hit is None:
            return None
        found.append(hit)
    return found
