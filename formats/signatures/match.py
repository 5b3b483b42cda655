"""Match one compiled signature against a file's windows.

Segments of BOF and variable sequences are matched left to right (``re.match`` at a fixed
offset, ``re.search`` inside an offset range or up to the scan cap); EOF sequences right to
left with the end anchored by ``\\Z`` at an ``endpos``. Patterns compile on first use and are
shared by every signature with the same source.
"""

from __future__ import annotations

import re
from functools import cache

from formats.signatures.compile import CompiledSequence, CompiledSignature, Segment
from formats.signatures.window import Window
from registries.pronom.model import EOF

_DOTALL = re.DOTALL


@cache
def rx(src: bytes) -> re.Pattern[bytes]:
    return re.compile(src, _DOTALL)


@cache
def rx_eof(src: bytes, gap_min: int, gap_max: int | None) -> re.Pattern[bytes]:
    """The segment followed by ``gap_min..gap_max`` bytes and the end of the window."""
    if gap_max is None:
        return re.compile(src, _DOTALL)
    if gap_min == gap_max:
        tail = b"\\Z" if gap_min == 0 else b"(?=.{%d}\\Z)" % gap_min
    else:
        tail = b"(?=.{%d,%d}\\Z)" % (gap_min, gap_max)
    return re.compile(b"(?:" + src + b")" + tail, _DOTALL)


def match_sequence(seq: CompiledSequence, win: Window, cap: int) -> tuple[int, int] | None:
    """(offset, length) of the whole sequence's match in the file, or None."""
    if seq.reference == EOF:
        return _match_eof(seq, win, cap)
    pos = 0
    start = -1
    for seg in seq.segments:
        lo = pos + seg.gap_min
        if seg.max_len is None:
            buf = win.head(cap)
            end = hi = len(buf)
        elif seg.gap_max is None:
            # the start must lie within the scan cap; a bounded body may run past it
            hi = max(cap, lo)
            buf = win.head(hi + seg.max_len)
            end = len(buf)
        else:
            hi = pos + seg.gap_max
            end = hi + seg.max_len
            buf = win.head(end)
        if lo > len(buf):
            return None
        if lo == hi:
            m = rx(seg.src).match(buf, lo, end)
            if m is None:
                return None
            mstart, mend = m.start(), m.end()
        else:
            found = _search(seg, buf, lo, end)
            if found is None or found[0] > hi:
                return None
            mstart, mend = found
        if start < 0:
            start = mstart
        pos = mend
    return start, pos - start


def _search(seg: Segment, buf: bytes, lo: int, end: int) -> tuple[int, int] | None:
    """Leftmost match of ``seg`` starting at or after ``lo`` and ending by ``end``.

    A pure literal is a ``bytes.find`` (tens of times faster than the regex engine's own
    prefix scan); a segment with one fixed prefix jumps to its first occurrence first.
    """
    if seg.pure:
        at = buf.find(seg.pure, lo, end)
        return None if at < 0 else (at, at + len(seg.pure))
    if len(seg.prefixes) == 1 and len(seg.prefixes[0]) >= 3:
        lo = buf.find(seg.prefixes[0], lo, end)
        if lo < 0:
            return None
    m = rx(seg.src).search(buf, lo, end)
    return None if m is None else (m.start(), m.end())


def _match_eof(seq: CompiledSequence, win: Window, cap: int) -> tuple[int, int] | None:
    segs = seq.segments
    need = seq.extent if seq.extent is not None else cap
    buf = win.tail(need)
    n = len(buf)
    base = win.size - n  # file offset of buf[0]
    end = n
    first_end = -1
    start = 0
    for i, seg in enumerate(reversed(segs)):
        if i == 0 and (seg.gap_max is None or seg.max_len is None):
            found = _search(seg, buf, 0, max(0, n - seg.gap_min))
            if found is None:
                return None
            mstart, mend = found
        elif i == 0:
            lo = max(0, n - (seg.gap_max or 0) - (seg.max_len or 0))
            m = rx_eof(seg.src, seg.gap_min, seg.gap_max).search(buf, lo, n)
            if m is None:
                return None
            mstart, mend = m.start(), m.end()
        else:
            lo = 0
            if seg.gap_max is not None and seg.max_len is not None:
                lo = max(0, end - seg.gap_max - seg.max_len)
            found = _search(seg, buf, lo, max(0, end - seg.gap_min))
            if found is None or (seg.gap_max is not None and end - found[1] > seg.gap_max):
                return None
            mstart, mend = found
        if first_end < 0:
            first_end = mend
        start = mstart
        end = start
    return base + start, first_end - start


def match_signature(sig: CompiledSignature, win: Window, cap: int) -> list[tuple[int, int]] | None:
    """Every sequence must match; returns their (offset, length) pairs or None."""
    found = []
    for seq in sig.sequences:
        hit = match_sequence(seq, win, cap)
        if hit is None:
            return None
        found.append(hit)
    return found
