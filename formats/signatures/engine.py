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

from formats.signatures.compiled import CompiledSignature, FixedCheck
from formats.signatures.match import HOP_WINDOW, Position, find_literal, match_signature, rx
from formats.signatures.needles import Needles
from formats.signatures.tables import (
    Entry,
    NeedleChoice,
    Plan,
    SignatureStore,
    Slot,
    SmallNeedle,
    WindowedSid,
    Words,
    decode_group,
    needle_of,
    reaches,
    split_group,
)
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
        self._plans: dict[int, Plan] = {}

    # -- building -------------------------------------------------------------------------

    def _build_tables(self) -> None:
        table: dict[tuple[int, int], dict[bytes, list[Entry]]] = {}
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
                entry = Entry(sid, checks, trivial and len(first.prefixes) == 1, end,
                               first.max_len or 0, needle_of(sig, first), sig.generic)
                table.setdefault((off, len(key)), {}).setdefault(key, []).append(entry)
                head_need = max(head_need, off + len(key), end,
                                *(o + len(lit) for o, lit in checks))
        self.dispatch = sorted(Slot(off, n, {k: split_group(v) for k, v in d.items()})
                               for (off, n), d in table.items())
        self.head_need = max(head_need, 1)
        self.searched = frozenset(searched)
        self._build_search(searched)

    def _build_search(self, searched: list[int]) -> None:
        """File each unanchored signature under needles (one of which must occur) and the
        window they must lie in."""
        small: list[SmallNeedle] = []
        head_words: dict[str, list[int]] = {}
        tail_words: dict[str, list[int]] = {}
        always: list[int] = []
        for sid in searched:
            best: NeedleChoice | None = None
            for seq in self.signatures[sid].sequences:
                is_eof = seq.reference == EOF
                for seg, window in reaches(seq, self.max_bytes):
                    if window > self.max_bytes + SCAN_SLACK:
                        continue  # could lie beyond the scanned window: not a sound filter
                    for needles in ((seg.literal,), seg.prefixes):
                        shortest = min((len(n) for n in needles), default=0)
                        if shortest < 2:
                            continue
                        score = min(shortest, 8) * 4 - (2 if window > SMALL_WINDOW else 0) \
                            - (1 if len(needles) > 1 else 0)
                        if best is None or score > best.score:
                            best = NeedleChoice(score, tuple(needles), window, is_eof)
            if best is None:
                always.append(sid)
                continue
            needles, window, is_eof = best.needles, best.window, best.eof
            if window <= SMALL_WINDOW:
                small.append(SmallNeedle(sid, 1 if is_eof else 0, needles, window))
            else:
                words = tail_words if is_eof else head_words
                for needle in needles:
                    words.setdefault(needle.decode("latin-1"), []).append(sid)
        # BOF needles in small windows share one automaton run over the first 4 KiB
        # ... except runs of one byte value (zero padding is everywhere: an automaton would
        # report hundreds of useless hits per file); those are a bounded bytes.find each
        # (EOF needles in small windows likewise share one over the last 4 KiB)
        small_words: dict[str, list[WindowedSid]] = {}
        tail_small_words: dict[str, list[WindowedSid]] = {}
        for entry in small:
            if not any(len(set(n)) == 1 for n in entry.needles):
                windowed = small_words if entry.side == 0 else tail_small_words
                for needle in entry.needles:
                    windowed.setdefault(needle.decode("latin-1"), []).append(
                        WindowedSid(entry.sid, entry.window))
        self.small = [e for e in small if any(len(set(n)) == 1 for n in e.needles)]
        self.always = always
        self._words = Words(head_words, tail_words, small_words, tail_small_words)
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
            Slot(slot.offset, slot.length,
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

    def _plan(self, sid: int) -> Plan:
        """How to verify ``sid`` (see :class:`Plan`)."""
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
                return Plan(seg.src, seg.gap_min, hi, hi + length, min_size, sig.generic,
                             need)
        return Plan(b"", 0, 0, 0, min_size, sig.generic, b"")

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
        cands: list[Entry] = []
        for off, n, table in self.dispatch:
            if off >= hlen:
                break
            key = head[off:off + n]
            got = table.get(key)
            if got is not None:
                if isinstance(got, bytes):   # first hit in this process: decode the group
                    got = table[key] = decode_group(got)
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
