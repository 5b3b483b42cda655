"""The byte-signature engine: dispatch, prefilter, verify, apply DROID priorities.

How a file is matched (details in docs/identification-engine.md):

1. *Dispatch.* Every signature with a BOF sequence at a fixed offset is filed under that
   offset and the first 1-4 bytes it must have there (big groups split again on a second
   fixed check). Per file we slice the head at each distinct offset and look the bytes up in
   a dict: a few dozen lookups instead of 2,000 signature tests. Candidates pass their other
   fixed checks (and, for small files, a required literal) before any regex runs.
2. *Search.* Signatures with no fixed anchor are filed under needles (a literal or a set of
   fixed prefixes). Needles that must lie in the first 4 KiB share one Aho-Corasick automaton
   over that window; the others one automaton per side (head, tail) over the scan window;
   runs of a single byte value are bounded ``bytes.find`` calls instead.
3. *Early stop.* When step 1 found formats, step 2 only looks at signatures of formats that
   have priority over one of them (as siegfried does). A format unrelated to the hit could
   only add a second result, which DROID would report; ``exhaustive=True`` finds those too.
4. *Priorities.* A format that another matched format has priority over is removed.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Iterable
from typing import NamedTuple

from formats.signatures.compiled import CompiledSequence, CompiledSignature, FixedCheck, Segment
from formats.signatures.match import HOP_WINDOW, Position, find_literal, match_signature, rx
from formats.signatures.needles import Needles
from formats.signatures.window import Window
from registries.pronom.references import BOF, EOF

#: DROID's default ``profile.maxBytesToScan``: unanchored and ranged searches stop here
DEFAULT_MAX_BYTES = 65536
#: literals in windows up to this size are searched with bytes.find, not the automaton
SMALL_WINDOW = 4096
#: the prefilter automata scan this much past the cap: a match may start just inside the cap
#: and end beyond it, and its needle with it
SCAN_SLACK = 4096
#: the needle pre-check runs only on files no larger than this (it scans the whole head)
NEEDLE_WINDOW = 16384


class _Entry(NamedTuple):
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


def _reaches(seq: CompiledSequence, cap: int) -> list[tuple[Segment, int]]:
    """Each segment with the furthest distance from the sequence's anchor (BOF, or EOF for
    EOF sequences) at which any of its bytes can lie, as the matcher searches."""
    out: list[tuple[Segment, int]] = []
    reach = 0
    segs = list(reversed(seq.segments)) if seq.reference == EOF else list(seq.segments)
    for seg in segs:
        start = cap if seg.gap_max is None else reach + seg.gap_max
        reach = start + (seg.max_len if seg.max_len is not None else cap)
        out.append((seg, reach))
    return out


def _needle(sig: CompiledSignature, anchor: Segment) -> bytes:
    best = b""
    for seq in sig.sequences:
        for seg in seq.segments:
            if seg is not anchor and len(seg.literal) > len(best):
                best = seg.literal
    return best if len(best) >= 2 else b""


class _Plan(NamedTuple):
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


class _SubDispatch(NamedTuple):
    """A big dispatch group split again on one more fixed check."""

    offset: int
    length: int
    table: dict[bytes, list[_Entry]]


class _Group(NamedTuple):
    entries: list[_Entry]
    sub: _SubDispatch | None


class _Slot(NamedTuple):
    """Signatures whose fixed BOF anchor is ``length`` bytes at ``offset``, by those bytes.

    A group loaded from the cache is its pickled bytes until a file first hits it.
    """

    offset: int
    length: int
    table: dict[bytes, _Group | bytes]


class _SmallNeedle(NamedTuple):
    """A signature searched with ``bytes.find`` in a small window at one end of the file."""

    sid: int
    side: int          # 0: BOF, 1: EOF
    needles: tuple[bytes, ...]
    window: int


class _WindowedSid(NamedTuple):
    """A signature whose needle must end within ``window`` bytes of the file's start."""

    sid: int
    window: int


def _decode_group(blob: bytes) -> _Group:
    group = pickle.loads(blob)
    assert isinstance(group, _Group)
    return group


def _split_group(entries: list[_Entry]) -> _Group:
    """Sub-dispatch a big group on the fixed check most of its members share."""
    if len(entries) <= 6:
        return _Group(entries, None)
    shapes: dict[tuple[int, int], int] = {}
    for e in entries:
        for o, lit in e.checks:
            shape = (o, min(len(lit), 4))
            shapes[shape] = shapes.get(shape, 0) + 1
    if not shapes:
        return _Group(entries, None)
    (off, n), count = max(shapes.items(), key=lambda kv: (kv[1], kv[0][1], -kv[0][0]))
    if count < 3:
        return _Group(entries, None)
    rest: list[_Entry] = []
    sub: dict[bytes, list[_Entry]] = {}
    for e in entries:
        for o, lit in e.checks:
            if o == off and len(lit) >= n:
                sub.setdefault(lit[:n], []).append(e)
                break
        else:
            rest.append(e)
    return _Group(rest, _SubDispatch(off, n, sub))


class _NeedleChoice(NamedTuple):
    score: int
    needles: tuple[bytes, ...]
    window: int
    eof: bool


class _Words(NamedTuple):
    """Needle -> what it files: unanchored BOF and EOF signatures, and small-window ones."""

    head: dict[str, list[int]]
    tail: dict[str, list[int]]
    small: dict[str, list[_WindowedSid]]       # must END within ``window`` bytes of BOF
    tail_small: dict[str, list[_WindowedSid]]  # must START within ``window`` bytes of EOF


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


class Hit(NamedTuple):
    """One format a file matched: which signature, where (offset, length per sequence)."""

    puid: str
    signature: int
    positions: tuple[Position, ...]
    generic: bool


class SignatureEngine:
    """Compiled signatures plus the tables that make matching fast. Picklable, stateless."""

    def __init__(self, signatures: dict[int, CompiledSignature],
                 formats_of: dict[int, list[str]], priorities: dict[str, frozenset[str]],
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.signatures = SignatureStore(signatures)
        self.formats_of = {s: tuple(p) for s, p in formats_of.items() if s in signatures}
        #: (tuples, not frozensets: a handful of PUIDs each, and tuples unpickle faster)
        self.priorities = {k: tuple(sorted(v)) for k, v in priorities.items()}
        self.max_bytes = max_bytes
        beaten_by: dict[str, set[str]] = {}
        for winner, losers in priorities.items():
            for loser in losers:
                beaten_by.setdefault(loser, set()).add(winner)
        sigs_of: dict[str, list[int]] = {}
        for sid, puids in self.formats_of.items():
            for puid in puids:
                sigs_of.setdefault(puid, []).append(sid)
        self._build_tables()
        self.want_of = {
            puid: tuple(sorted({s for w in winners for s in sigs_of.get(w, ())
                                if s in self.searched}))
            for puid, winners in beaten_by.items()}
        self._plans: dict[int, _Plan] = {}

    # -- building -------------------------------------------------------------------------

    def _build_tables(self) -> None:
        table: dict[tuple[int, int], dict[bytes, list[_Entry]]] = {}
        searched: list[int] = []
        head_need = 0
        for sid in sorted(self.formats_of):
            sig = self.signatures[sid]
            anchor = None
            for seq in sig.sequences:
                off = seq.fixed_offset
                if off is not None and seq.segments[0].prefixes:
                    anchor = (off, seq)
                    break
            if anchor is None:
                searched.append(sid)
                continue
            off, seq = anchor
            first = seq.segments[0]
            trivial = (len(sig.sequences) == 1 and len(seq.segments) == 1 and first.exact
                       and first.max_len is not None)
            for prefix in first.prefixes:
                key = prefix[:4]
                checks = tuple(FixedCheck(off + o, lit) for o, lit in first.checks
                               if not (o == 0 and lit == key))
                lead = first.checks[0] if first.checks else None
                if lead is not None and lead.offset == 0 and len(lead.data) > 4 \
                        and lead.data[:4] == key:
                    checks = (FixedCheck(off + 4, lead.data[4:]), *checks)
                end = off + (first.max_len or 0) if trivial else 0
                entry = _Entry(sid, checks, trivial and len(first.prefixes) == 1, end,
                               first.max_len or 0, _needle(sig, first), sig.generic)
                table.setdefault((off, len(key)), {}).setdefault(key, []).append(entry)
                head_need = max(head_need, off + len(key), end,
                                *(o + len(lit) for o, lit in checks))
        self.dispatch = sorted(_Slot(off, n, {k: _split_group(v) for k, v in d.items()})
                               for (off, n), d in table.items())
        self.head_need = max(head_need, 1)
        self.searched = frozenset(searched)
        self._build_search(searched)

    def _build_search(self, searched: list[int]) -> None:
        """File each unanchored signature under needles (one of which must occur) and the
        window they must lie in."""
        small: list[_SmallNeedle] = []
        head_words: dict[str, list[int]] = {}
        tail_words: dict[str, list[int]] = {}
        always: list[int] = []
        for sid in searched:
            best: _NeedleChoice | None = None
            for seq in self.signatures[sid].sequences:
                is_eof = seq.reference == EOF
                for seg, window in _reaches(seq, self.max_bytes):
                    if window > self.max_bytes + SCAN_SLACK:
                        continue  # could lie beyond the scanned window: not a sound filter
                    for needles in ((seg.literal,), seg.prefixes):
                        shortest = min((len(n) for n in needles), default=0)
                        if shortest < 2:
                            continue
                        score = min(shortest, 8) * 4 - (2 if window > SMALL_WINDOW else 0) \
                            - (1 if len(needles) > 1 else 0)
                        if best is None or score > best.score:
                            best = _NeedleChoice(score, tuple(needles), window, is_eof)
            if best is None:
                always.append(sid)
                continue
            needles, window, is_eof = best.needles, best.window, best.eof
            if window <= SMALL_WINDOW:
                small.append(_SmallNeedle(sid, 1 if is_eof else 0, needles, window))
            else:
                words = tail_words if is_eof else head_words
                for needle in needles:
                    words.setdefault(needle.decode("latin-1"), []).append(sid)
        # BOF needles in small windows share one automaton run over the first 4 KiB
        # ... except runs of one byte value (zero padding is everywhere: an automaton would
        # report hundreds of useless hits per file); those are a bounded bytes.find each
        # (EOF needles in small windows likewise share one over the last 4 KiB)
        small_words: dict[str, list[_WindowedSid]] = {}
        tail_small_words: dict[str, list[_WindowedSid]] = {}
        for entry in small:
            if not any(len(set(n)) == 1 for n in entry.needles):
                windowed = small_words if entry.side == 0 else tail_small_words
                for needle in entry.needles:
                    windowed.setdefault(needle.decode("latin-1"), []).append(
                        _WindowedSid(entry.sid, entry.window))
        self.small = [e for e in small if any(len(set(n)) == 1 for n in e.needles)]
        self.always = always
        self._words = _Words(head_words, tail_words, small_words, tail_small_words)
        self._make_automata()

    def _make_automata(self) -> None:
        words = self._words
        self.head_ac = Needles(words.head) if words.head else None
        self.tail_ac = Needles(words.tail) if words.tail else None
        self.small_ac = Needles(words.small) if words.small else None
        self.tail_small_ac = Needles(words.tail_small) if words.tail_small else None

    def __getstate__(self) -> dict[str, object]:
        """The automata are rebuilt, not pickled; each dispatch group is pickled on its own
        and decoded when a file first hits it (see :meth:`_group`)."""
        state = dict(self.__dict__)
        state["head_ac"] = state["tail_ac"] = state["small_ac"] = None
        state["tail_small_ac"] = None
        state["_plans"] = {}
        state["dispatch"] = [
            _Slot(slot.offset, slot.length,
                  {key: group if isinstance(group, bytes)
                   else pickle.dumps(group, protocol=pickle.HIGHEST_PROTOCOL)
                   for key, group in slot.table.items()})
            for slot in self.dispatch]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._make_automata()

    # -- matching -------------------------------------------------------------------------

    def window(self, source: object) -> Window:
        return Window(source, max(self.head_need, 4096))  # type: ignore[arg-type]

    def _verify(self, sids: Iterable[int], win: Window, found: dict[int, Hit | None]) -> None:
        cap = self.max_bytes
        plans = self._plans
        size = win.size
        for sid in sids:
            if sid in found:
                continue
            plan = plans.get(sid)
            if plan is None:
                plan = plans[sid] = self._plan(sid)
            src, lo, hi, end, min_size, generic, need = plan   # (unpacked: hot loop)
            if size < min_size:
                found[sid] = None  # the file is too short for the shortest possible match
                continue
            if src:
                # one BOF sequence, one bounded segment: a single re.match (fixed offset) or a
                # bounded re.search, as _bof_chain would run for it
                buf = win.head(end)
                if lo > len(buf) or (need and find_literal(buf, need, lo, end) < 0):
                    m = None  # (a literal every match contains is missing: memchr speed)
                elif lo == hi:
                    m = rx(src).match(buf, lo, end)
                else:
                    m = rx(src).search(buf, lo, end)
                    if m is not None and m.start() > hi:
                        m = None
                found[sid] = None if m is None else Hit(
                    "", sid, (Position(m.start(), m.end() - m.start()),), generic)
                continue
            sig = self.signatures[sid]
            pos = match_signature(sig, win, cap)
            found[sid] = None if pos is None else Hit("", sid, tuple(pos), generic)

    def _plan(self, sid: int) -> _Plan:
        """How to verify ``sid`` (see :class:`_Plan`)."""
        sig = self.signatures[sid]
        min_size = 0
        for seq in sig.sequences:
            # every segment's gap and body lie in the file, one after another (BOF, VAR) or
            # before the end (EOF): their minimal sum is a lower bound of the file size
            min_size = max(min_size, sum(g.gap_min + g.min_len for g in seq.segments))
        if len(sig.sequences) == 1:
            seq = sig.sequences[0]
            seg = seq.segments[0]
            hi, length = seg.gap_max, seg.max_len
            # (wider ranges keep match.py's search, which hops between prefix occurrences)
            if seq.reference == BOF and len(seq.segments) == 1 and hi is not None \
                    and length is not None \
                    and (seg.gap_min == hi or hi + length - seg.gap_min <= HOP_WINDOW):
                width = hi + length - seg.gap_min
                need = seg.literal if len(seg.literal) >= 3 and width > 64 \
                    and not seg.src.startswith(re.escape(seg.literal)) else b""
                return _Plan(seg.src, seg.gap_min, hi, hi + length, min_size, sig.generic,
                             need)
        return _Plan(b"", 0, 0, 0, min_size, sig.generic, b"")

    def _search_candidates(self, win: Window) -> set[int]:
        cands: set[int] = set(self.always)
        head = win.head(self.max_bytes + SCAN_SLACK) if self.head_ac is not None \
            else win.head(SMALL_WINDOW)
        tail: bytes | None = None
        if self.small_ac is not None and head:
            values = self.small_ac.values
            for i, end in self.small_ac.first_ends(head[:SMALL_WINDOW]).items():
                for sid, window in values[i]:
                    if end <= window:  # the needle's first occurrence ends inside its window
                        cands.add(sid)
        if self.tail_small_ac is not None and win.size:
            tail = win.tail(SMALL_WINDOW)
            length = len(tail)
            values = self.tail_small_ac.values
            for i, start in self.tail_small_ac.last_starts(tail).items():
                for sid, window in values[i]:
                    if start >= length - window:  # the needle lies in its window at EOF
                        cands.add(sid)
        for sid, side, needles, window in self.small:
            if side == 0:
                buf, lo, hi = head, 0, window
            else:
                if tail is None:
                    tail = win.tail(SMALL_WINDOW)
                buf, lo, hi = tail, max(0, len(tail) - window), len(tail)
            for needle in needles:
                if find_literal(buf, needle, lo, hi) >= 0:
                    cands.add(sid)
                    break
        if self.head_ac is not None and head:
            sids = self.head_ac.values
            for i in self.head_ac.found(head):
                cands.update(sids[i])
        if self.tail_ac is not None and win.size:
            sids = self.tail_ac.values
            for i in self.tail_ac.found(win.tail(self.max_bytes + SCAN_SLACK)):
                cands.update(sids[i])
        return cands

    def match(self, win: Window, exhaustive: bool = False) -> list[Hit]:
        """Every format the file matches after DROID priorities, best first (stable order)."""
        if not win.size:
            return []
        head = win.head(self.head_need)
        hlen = len(head)
        cands: list[_Entry] = []
        for off, n, table in self.dispatch:
            if off >= hlen:
                break
            key = head[off:off + n]
            got = table.get(key)
            if got is not None:
                if isinstance(got, bytes):   # first hit in this process: decode the group
                    got = table[key] = _decode_group(got)
                entries, sub = got
                cands.extend(entries)
                if sub is not None:
                    soff, sn, sdict = sub
                    more = sdict.get(head[soff:soff + sn])
                    if more:
                        cands.extend(more)
        found: dict[int, Hit | None] = {}
        verify = []
        whole = hlen >= win.size and hlen <= NEEDLE_WINDOW
        startswith = head.startswith
        for entry in cands:
            for o, lit in entry.checks:
                if not startswith(lit, o):
                    break
            else:
                if whole and entry.needle and find_literal(head, entry.needle) < 0:
                    continue
                if entry.trivial and entry.end <= hlen:
                    found[entry.sid] = Hit("", entry.sid, (Position(entry.end - entry.length,
                                                                    entry.length),),
                                           entry.generic)
                else:
                    verify.append(entry.sid)
        if verify:
            self._verify(verify, win, found)
        formats_of = self.formats_of
        matched = {p for s, h in found.items() if h is not None for p in formats_of[s]}
        if exhaustive or not matched:
            self._verify(self._search_candidates(win), win, found)
            return self._resolve(found)
        # only formats that could beat what we have are worth looking for
        want_of = self.want_of
        todo = matched
        while todo:
            want = [s for p in todo for s in want_of.get(p, ()) if s not in found]
            if not want:
                break
            self._verify(want, win, found)
            todo = {p for s in want if found[s] is not None for p in formats_of[s]} - matched
            matched |= todo
        return self._resolve(found)

    def _resolve(self, found: dict[int, Hit | None]) -> list[Hit]:
        hits = [h for h in found.values() if h is not None]
        if not hits:
            return []
        if len(hits) == 1:
            hit = hits[0]
            puids = self.formats_of[hit.signature]
            if len(puids) == 1:
                return [Hit(puids[0], hit.signature, hit.positions, hit.generic)]
        best: dict[str, Hit] = {}
        for sid in sorted(found):
            got = found[sid]
            if got is None:
                continue
            for puid in self.formats_of[sid]:
                prev = best.get(puid)
                if prev is None or (prev.generic and not got.generic):
                    best[puid] = Hit(puid, sid, got.positions, got.generic)
        # DROID drops a format when any *matched* format has priority over it, even one that
        # is itself dropped (fmt/141 beats fmt/6, fmt/6 beats fmt/1886: only fmt/141 is left).
        # Discarding while iterating made the answer depend on the set's (hash-seeded) order.
        priorities = self.priorities
        winners = [p for p in best
                    if not any(p in priorities.get(o, ()) for o in best if o != p)]
        return [best[p] for p in sorted(winners, key=_puid_order)]


def _puid_order(puid: str) -> tuple[str, int, str]:
    prefix, _, num = puid.rpartition("/")
    return prefix, int(num) if num.isdigit() else 0, puid
