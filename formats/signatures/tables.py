"""The byte engine's tables: dispatch entries and groups, needle filings, the signature store.

Plain NamedTuples (they unpickle about twice as fast as dataclasses: loading these is most of
what a process pays to start identifying) and :class:`SignatureStore`, which keeps each
compiled signature as its own pickled blob until a file makes it a candidate. The engine
(:mod:`formats.signatures.engine`) builds and reads them.
"""

from __future__ import annotations

import pickle
from typing import NamedTuple

from formats.signatures.compiled import CompiledSequence, CompiledSignature, FixedCheck, Segment
from registries.pronom.references import EOF


class Entry(NamedTuple):
    """A dispatch-table entry: a signature and the fixed bytes still to check."""

    sid: int
    checks: tuple[FixedCheck, ...]
    trivial: bool  # the checks are the whole signature
    end: int  # for trivial entries: the end offset of the match
    length: int
    #: a literal found elsewhere in the signature: when the whole file is in the head and
    #: the needle is not, the signature cannot match
    needle: bytes = b""
    generic: bool = False


class Reach(NamedTuple):
    """A segment and the furthest distance from its sequence's anchor its bytes can lie."""

    segment: Segment
    distance: int


def reaches(seq: CompiledSequence, cap: int) -> list[Reach]:
    """Each segment with the furthest distance from the sequence's anchor (BOF, or EOF for
    EOF sequences) at which any of its bytes can lie, as the matcher searches."""
    out: list[Reach] = []
    reach = 0
    segs = list(reversed(seq.segments)) if seq.reference == EOF else list(seq.segments)
    for seg in segs:
        start = cap if seg.gap_max is None else reach + seg.gap_max
        reach = start + (seg.max_len if seg.max_len is not None else cap)
        out.append(Reach(seg, reach))
    return out


def needle_of(sig: CompiledSignature, anchor: Segment) -> bytes:
    best = b""
    for seq in sig.sequences:
        for seg in seq.segments:
            if seg is not anchor and len(seg.literal) > len(best):
                best = seg.literal
    return best if len(best) >= 2 else b""


class Plan(NamedTuple):
    """How one signature is verified (see :meth:`SignatureEngine._plan`)."""

    #: one BOF sequence of one bounded segment: its regex source, compiled only when a file
    #: gets that far (b"": the general matcher)
    src: bytes
    lo: int            # lowest start
    hi: int            # highest start
    end: int           # end bound of the match
    min_size: int      # shortest file that can match
    generic: bool
    #: a literal every match contains, checked first when the regex would crawl a wide window
    need: bytes


class SubDispatch(NamedTuple):
    """A big dispatch group split again on one more fixed check."""

    offset: int
    length: int
    table: dict[bytes, list[Entry]]


class Group(NamedTuple):
    entries: list[Entry]
    sub: SubDispatch | None


class Slot(NamedTuple):
    """Signatures whose fixed BOF anchor is ``length`` bytes at ``offset``, by those bytes.

    A group loaded from the cache is its pickled bytes until a file first hits it.
    """

    offset: int
    length: int
    table: dict[bytes, Group | bytes]


class SmallNeedle(NamedTuple):
    """A signature searched with ``bytes.find`` in a small window at one end of the file."""

    sid: int
    side: int          # 0: BOF, 1: EOF
    needles: tuple[bytes, ...]
    window: int


class WindowedSid(NamedTuple):
    """A signature whose needle must end within ``window`` bytes of the file's start."""

    sid: int
    window: int


def decode_group(blob: bytes) -> Group:
    group = pickle.loads(blob)
    assert isinstance(group, Group)
    return group


def split_group(entries: list[Entry]) -> Group:
    """Sub-dispatch a big group on the fixed check most of its members share."""
    if len(entries) <= 6:
        return Group(entries, None)
    shapes: dict[tuple[int, int], int] = {}
    for e in entries:
        for o, lit in e.checks:
            shape = (o, min(len(lit), 4))
            shapes[shape] = shapes.get(shape, 0) + 1
    if not shapes:
        return Group(entries, None)
    (off, n), count = max(shapes.items(), key=lambda kv: (kv[1], kv[0][1], -kv[0][0]))
    if count < 3:
        return Group(entries, None)
    rest: list[Entry] = []
    sub: dict[bytes, list[Entry]] = {}
    for e in entries:
        for o, lit in e.checks:
            if o == off and len(lit) >= n:
                sub.setdefault(lit[:n], []).append(e)
                break
        else:
            rest.append(e)
    return Group(rest, SubDispatch(off, n, sub))


class NeedleChoice(NamedTuple):
    score: int
    needles: tuple[bytes, ...]
    window: int
    eof: bool


class Words(NamedTuple):
    """Needle -> what it files: unanchored BOF and EOF signatures, and small-window ones."""

    head: dict[str, list[int]]
    tail: dict[str, list[int]]
    small: dict[str, list[WindowedSid]]       # must END within ``window`` bytes of BOF
    tail_small: dict[str, list[WindowedSid]]  # must START within ``window`` bytes of EOF


class SignatureStore:
    """Compiled signatures by id, each pickled on its own and decoded on first use.

    A process that loads the engine from the cache decodes only the signatures its files make
    candidates (a few hundred of 2,166 for a typical scan, a handful for one file).
    """

    __slots__ = ("_blobs", "_decoded")

    def __init__(self, signatures: dict[int, CompiledSignature]) -> None:
        self._blobs = {sid: pickle.dumps(sig, protocol=pickle.HIGHEST_PROTOCOL)
                       for sid, sig in signatures.items()}
        self._decoded: dict[int, CompiledSignature] = dict(signatures)

    def __getitem__(self, sid: int) -> CompiledSignature:
        got = self._decoded.get(sid)
        if got is None:
            got = self._decoded[sid] = pickle.loads(self._blobs[sid])
        return got

    def __contains__(self, sid: object) -> bool:
        return sid in self._blobs

    def __len__(self) -> int:
        return len(self._blobs)

    def ids(self) -> list[int]:
        return list(self._blobs)

    def __getstate__(self) -> dict[int, bytes]:
        return self._blobs

    def __setstate__(self, state: dict[int, bytes]) -> None:
        self._blobs = state
        self._decoded = {}
