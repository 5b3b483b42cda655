"""The byte-signature engine: dispatch, prefilter, verify, apply DROID priorities.

How a file is matched (see docs/identification-engine.md):

1. *Dispatch.* Every signature with a BOF sequence at a fixed offset is filed under that
   offset and the first 1-4 bytes it must have there. Per file we slice the head at each
   distinct offset and look the bytes up in a dict: a few dozen lookups instead of 2,000
   signature tests. Only the candidates found are verified in full.
2. *Search.* Signatures with no fixed anchor are filed by their longest literal. Those whose
   literal must lie in a small window are checked with ``bytes.find`` on that window; the
   rest go into one Aho-Corasick automaton per side (head, tail) run over the scan window.
3. *Early stop.* When step 1 found formats, step 2 only looks at signatures of formats that
   have priority over one of them (as siegfried does); the others could not change the
   answer DROID would give after applying priorities... except by adding a second result,
   which DROID would report and we drop (documented).
4. *Priorities.* A format that another matched format has priority over is removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from formats.signatures.compile import CompiledSignature
from formats.signatures.match import match_signature
from formats.signatures.window import Window
from registries.pronom.model import EOF

#: DROID's default ``profile.maxBytesToScan``: unanchored and ranged searches stop here
DEFAULT_MAX_BYTES = 65536
#: literals in windows up to this size are searched with bytes.find, not the automaton
SMALL_WINDOW = 4096


@dataclass(frozen=True)
class Hit:
    puid: str
    signature: int
    positions: tuple[tuple[int, int], ...]
    generic: bool


class SignatureEngine:
    """Compiled signatures plus the tables that make matching fast. Picklable, stateless."""

    def __init__(self, signatures: dict[int, CompiledSignature],
                 formats_of: dict[int, list[str]], priorities: dict[str, frozenset[str]],
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.signatures = signatures
        self.formats_of = {s: tuple(p) for s, p in formats_of.items() if s in signatures}
        self.priorities = priorities
        self.max_bytes = max_bytes
        beaten_by: dict[str, set[str]] = {}
        for winner, losers in priorities.items():
            for loser in losers:
                beaten_by.setdefault(loser, set()).add(winner)
        self.beaten_by = {k: frozenset(v) for k, v in beaten_by.items()}
        sigs_of: dict[str, list[int]] = {}
        for sid, puids in self.formats_of.items():
            for puid in puids:
                sigs_of.setdefault(puid, []).append(sid)
        self.sigs_of = sigs_of
        self._build_tables()

    # -- building -------------------------------------------------------------------------

    def _build_tables(self) -> None:
        table: dict[tuple[int, int], dict[bytes, list[int]]] = {}
        searched: list[int] = []
        head_need = 0
        for sid in sorted(self.formats_of):
            sig = self.signatures[sid]
            anchor = None
            for seq in sig.sequences:
                off = seq.fixed_offset
                if off is not None and seq.segments[0].prefixes:
                    anchor = (off, seq.segments[0].prefixes)
                    break
            if anchor is None:
                searched.append(sid)
                continue
            off, prefixes = anchor
            for prefix in prefixes:
                key = prefix[:4]
                table.setdefault((off, len(key)), {}).setdefault(key, []).append(sid)
                head_need = max(head_need, off + len(key))
        self.dispatch = sorted((off, n, d) for (off, n), d in table.items())
        self.head_need = max(head_need, 1)
        self.searched = frozenset(searched)
        self._build_search(searched)

    def _build_search(self, searched: list[int]) -> None:
        """File each unanchored signature under a literal and the window it must lie in."""
        small: list[tuple[int, int, bytes, int]] = []  # (sid, side, literal, window)
        head_words: dict[str, list[int]] = {}
        tail_words: dict[str, list[int]] = {}
        always: list[int] = []
        for sid in searched:
            best: tuple[int, bytes, int, bool] | None = None  # (score, literal, window, eof)
            for seq in self.signatures[sid].sequences:
                is_eof = seq.reference == EOF
                window = seq.extent if seq.extent is not None else self.max_bytes
                for seg in seq.segments:
                    lit = seg.literal
                    if len(lit) < 2:
                        continue
                    score = len(lit) * 4 - (1 if window > SMALL_WINDOW else 0)
                    if best is None or score > best[0]:
                        best = (score, lit, min(window, self.max_bytes), is_eof)
            if best is None:
                always.append(sid)
                continue
            _, lit, window, is_eof = best
            if window <= SMALL_WINDOW:
                small.append((sid, 1 if is_eof else 0, lit, window))
            else:
                words = tail_words if is_eof else head_words
                words.setdefault(lit.decode("latin-1"), []).append(sid)
        self.small = small
        self.always = always
        self._words = (head_words, tail_words)
        self._make_automata()

    def _make_automata(self) -> None:
        made: list[ahocorasick.Automaton | None] = []
        for words in self._words:
            if not words:
                made.append(None)
                continue
            ac = ahocorasick.Automaton()
            for word, sids in words.items():
                ac.add_word(word, tuple(sids))
            ac.make_automaton()
            made.append(ac)
        self.head_ac, self.tail_ac = made

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["head_ac"] = state["tail_ac"] = None
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._make_automata()

    # -- matching -------------------------------------------------------------------------

    def window(self, source: object) -> Window:
        return Window(source, max(self.head_need, 4096))  # type: ignore[arg-type]

    def _verify(self, sids: Iterable[int], win: Window, found: dict[int, Hit | None]) -> None:
        cap = self.max_bytes
        for sid in sids:
            if sid in found:
                continue
            sig = self.signatures[sid]
            pos = match_signature(sig, win, cap)
            found[sid] = None if pos is None else Hit("", sid, tuple(pos), sig.generic)

    def _search_candidates(self, win: Window) -> set[int]:
        cands: set[int] = set(self.always)
        head = win.head(self.max_bytes) if self.head_ac is not None else win.head(SMALL_WINDOW)
        tail: bytes | None = None
        for sid, side, lit, window in self.small:
            if side == 0:
                if head.find(lit, 0, window) >= 0:
                    cands.add(sid)
            else:
                if tail is None:
                    tail = win.tail(SMALL_WINDOW)
                if tail.find(lit, max(0, len(tail) - window)) >= 0:
                    cands.add(sid)
        if self.head_ac is not None and head:
            for _, sids in self.head_ac.iter(head.decode("latin-1")):
                cands.update(sids)
        if self.tail_ac is not None and win.size:
            text = win.tail(self.max_bytes).decode("latin-1")
            for _, sids in self.tail_ac.iter(text):
                cands.update(sids)
        return cands

    def match(self, win: Window, exhaustive: bool = False) -> list[Hit]:
        """Every format the file matches after DROID priorities, best first (stable order)."""
        if not win.size:
            return []
        head = win.head(self.head_need)
        cands: set[int] = set()
        for off, n, table in self.dispatch:
            got = table.get(head[off:off + n])
            if got:
                cands.update(got)
        found: dict[int, Hit | None] = {}
        self._verify(cands, win, found)
        matched = {p for s, h in found.items() if h for p in self.formats_of[s]}
        if exhaustive or not matched:
            self._verify(self._search_candidates(win), win, found)
        else:
            # only formats that could beat what we have are worth looking for
            todo = set(matched)
            while todo:
                want = {s for p in todo for w in self.beaten_by.get(p, ())
                        for s in self.sigs_of.get(w, ()) if s in self.searched}
                before = {p for s, h in found.items() if h for p in self.formats_of[s]}
                self._verify(want, win, found)
                after = {p for s, h in found.items() if h for p in self.formats_of[s]}
                todo = after - before
        return self._resolve(found)

    def _resolve(self, found: dict[int, Hit | None]) -> list[Hit]:
        best: dict[str, Hit] = {}
        for sid in sorted(found):
            hit = found[sid]
            if hit is None:
                continue
            for puid in self.formats_of[sid]:
                prev = best.get(puid)
                if prev is None or (prev.generic and not hit.generic):
                    best[puid] = Hit(puid, sid, hit.positions, hit.generic)
        winners = set(best)
        for puid in list(winners):
            if any(puid in self.priorities.get(other, ()) for other in winners if other != puid):
                winners.discard(puid)
        return [best[p] for p in sorted(winners, key=_puid_order)]


def _puid_order(puid: str) -> tuple[str, int]:
    prefix, _, num = puid.rpartition("/")
    return prefix, int(num) if num.isdigit() else 0
