"""Match one compiled signature against a file's windows.

Segments of BOF and variable sequences are matched left to right (``re.match`` at a fixed
offset, ``re.search`` inside an offset range or up to the scan cap); EOF sequences right to
left with the end anchored by ``\\Z`` at an ``endpos``. Patterns compile on first use and are
shared by every signature with the same source.
"""

from __future__ import annotations

import re
from functools import cache

from formats.signatures.compile import CompiledSequence, CompiledSignature
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
        else:
            m = rx(seg.src).search(buf, lo, end)
            if m is not None and m.start() > hi:
                return None
        if m is None:
            return None
        if start < 0:
            start = m.start()
        pos = m.end()
    return start, pos - start


def _match_eof(seq: CompiledSequence, win: Window, cap: int) -> tuple[int, int] | None:
    segs = seq.segments
    last = segs[-1]
    need = cap if (last.gap_max is None or last.max_len is None) else last.gap_max + last.max_len
    if len(segs) > 1:
        need = cap
    buf = win.tail(need)
    n = len(buf)
    base = win.size - n  # file offset of buf[0]
    end = n
    first_end = -1
    start = 0
    for i, seg in enumerate(reversed(segs)):
        if i == 0:
            lo = 0 if seg.gap_max is None or seg.max_len is None else \
                max(0, n - seg.gap_max - seg.max_len)
            m = rx_eof(seg.src, seg.gap_min, seg.gap_max).search(buf, lo, n)
            if m is not None and seg.gap_max is not None and n - m.end() < seg.gap_min:
                return None
        else:
            m = rx(seg.src).search(buf, 0, max(0, end - seg.gap_min))
        if m is None:
            return None
        if first_end < 0:
            first_end = m.end()
        start = m.start()
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
