"""DROID byte-pattern expressions -> tokens -> Python bytes regular expressions.

One parser serves both places DROID patterns appear: the compiled ``Sequence`` /
``LeftFragment`` / ``RightFragment`` text of binary signature files (hex plus ``[..]`` sets)
and the hand-written expressions of container signature files (``10 00 'Word.Document.'
['6'-'7'] 00``, ``(22|27)``, ``??``, ``{4}``, ``{2-8}``, ``*``).

Syntax accepted: hex bytes; ``'text'`` (ASCII); ``??`` any byte; ``{n}``, ``{n-m}``, ``{n-*}``
and ``*`` gaps; ``(a|b|..)`` alternatives (each a pattern); sets ``[01:1F]`` (range),
``['a'-'z']``, ``[!00]`` / ``[!00:1F]`` (inverted), ``[&01]`` (all mask bits set), ``[~01]``
(any mask bit set), ``[!0000]`` (any two bytes but these), several items in one set
(union).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bsfcore.errors import BsfError


class PatternError(BsfError):
    """A DROID byte pattern that cannot be parsed."""


@dataclass(frozen=True)
class Lit:
    data: bytes


@dataclass(frozen=True)
class ByteSet:
    """One byte out of ``members`` (a frozenset of ints)."""

    members: frozenset[int]


@dataclass(frozen=True)
class NotSeq:
    """Any ``len(data)`` bytes except exactly ``data``."""

    data: bytes


@dataclass(frozen=True)
class Gap:
    min: int
    max: int | None  # None = unbounded


@dataclass(frozen=True)
class Alt:
    options: tuple[tuple[Token, ...], ...]


Token = Lit | ByteSet | NotSeq | Gap | Alt

_HEX = set("0123456789abcdefABCDEF")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, msg: str) -> PatternError:
        return PatternError(f"byte pattern {self.text!r} at {self.pos}: {msg}")

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def hexbyte(self) -> int:
        self.skip_ws()
        pair = self.text[self.pos:self.pos + 2]
        if len(pair) != 2 or not set(pair) <= _HEX:
            raise self.error("expected two hex digits")
        self.pos += 2
        return int(pair, 16)

    def quoted(self) -> bytes:
        end = self.text.find("'", self.pos + 1)
        if end < 0:
            raise self.error("unterminated quoted string")
        raw = self.text[self.pos + 1:end]
        self.pos = end + 1
        try:
            return raw.encode("latin-1")
        except UnicodeEncodeError:
            return raw.encode("utf-8")

    def number(self) -> int:
        self.skip_ws()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos].isdigit():
            self.pos += 1
        if start == self.pos:
            raise self.error("expected a number")
        return int(self.text[start:self.pos])

    def sequence(self, stop: str = "") -> list[Token]:
        tokens: list[Token] = []
        while True:
            ch = self.peek()
            if ch == "" or ch in stop:
                return tokens
            tokens.append(self.token())

    def token(self) -> Token:
        ch = self.peek()
        if ch == "'":
            return Lit(self.quoted())
        if ch == "?":
            if self.text[self.pos:self.pos + 2] != "??":
                raise self.error("a single '?'")
            self.pos += 2
            return Gap(1, 1)
        if ch == "*":
            self.pos += 1
            return Gap(0, None)
        if ch == "{":
            self.pos += 1
            lo = self.number()
            hi: int | None = lo
            if self.peek() == "-":
                self.pos += 1
                if self.peek() == "*":
                    self.pos += 1
                    hi = None
                else:
                    hi = self.number()
            if self.peek() != "}":
                raise self.error("expected '}'")
            self.pos += 1
            if hi is not None and hi < lo:
                raise self.error("gap maximum below minimum")
            return Gap(lo, hi)
        if ch == "(":
            self.pos += 1
            options = [tuple(self.sequence("|)"))]
            while self.peek() == "|":
                self.pos += 1
                options.append(tuple(self.sequence("|)")))
            if self.peek() != ")":
                raise self.error("expected ')'")
            self.pos += 1
            return Alt(tuple(options))
        if ch == "[":
            return self.byteset()
        if ch in _HEX:
            return Lit(bytes([self.hexbyte()]))
        raise self.error(f"unexpected {ch!r}")

    def set_value(self) -> int:
        if self.peek() == "'":
            data = self.quoted()
            if len(data) != 1:
                raise self.error("a quoted set bound must be one character")
            return data[0]
        return self.hexbyte()

    def byteset(self) -> Token:
        self.pos += 1
        negate = self.peek() == "!"
        if negate:
            self.pos += 1
        members: set[int] = set()
        seq: list[int] = []
        while self.peek() not in ("]", ""):
            ch = self.peek()
            if ch in "&~":
                self.pos += 1
                mask = self.hexbyte()
                members |= ({b for b in range(256) if b & mask == mask} if ch == "&"
                            else {b for b in range(256) if b & mask})
                continue
            lo = self.set_value()
            if self.peek() in (":", "-"):
                self.pos += 1
                hi = self.set_value()
                members |= set(range(min(lo, hi), max(lo, hi) + 1))
            else:
                seq.append(lo)
        if self.peek() != "]":
            raise self.error("expected ']'")
        self.pos += 1
        if len(seq) > 1 and not members:
            if negate:
                return NotSeq(bytes(seq))
            return Lit(bytes(seq))
        members |= set(seq)
        if not members:
            raise self.error("empty set")
        if negate:
            members = set(range(256)) - members
        return ByteSet(frozenset(members))


def parse(text: str) -> list[Token]:
    """Tokens of one DROID pattern, adjacent literals merged."""
    return merge(_Parser(text).sequence())


def merge(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for tok in tokens:
        if isinstance(tok, Lit) and out and isinstance(out[-1], Lit):
            out[-1] = Lit(out[-1].data + tok.data)
        elif isinstance(tok, Gap) and out and isinstance(out[-1], Gap):
            prev = out[-1]
            hi = None if prev.max is None or tok.max is None else prev.max + tok.max
            out[-1] = Gap(prev.min + tok.min, hi)
        elif isinstance(tok, Gap) and tok.min == 0 and tok.max == 0:
            continue
        else:
            out.append(tok)
    return out


def length_bounds(tokens: tuple[Token, ...] | list[Token]) -> tuple[int, int | None]:
    """Shortest and longest number of bytes the tokens can match (None = unbounded)."""
    lo = 0
    hi: int | None = 0
    for tok in tokens:
        tlo: int
        thi: int | None
        if isinstance(tok, Lit | NotSeq):
            tlo, thi = len(tok.data), len(tok.data)
        elif isinstance(tok, ByteSet):
            tlo, thi = 1, 1
        elif isinstance(tok, Gap):
            tlo, thi = tok.min, tok.max
        else:
            bounds = [length_bounds(o) for o in tok.options]
            tlo = min(b[0] for b in bounds)
            his = [b[1] for b in bounds]
            thi = None if None in his else max(h for h in his if h is not None)
        lo += tlo
        hi = None if hi is None or thi is None else hi + thi
    return lo, hi


def _class(members: frozenset[int]) -> bytes:
    if len(members) == 256:
        return b"."
    runs: list[bytes] = []
    items = sorted(members)
    start = prev = items[0]
    for b in [*items[1:], -2]:
        if b == prev + 1:
            prev = b
            continue
        lo, hi = re.escape(bytes([start])), re.escape(bytes([prev]))
        runs.append(lo if start == prev else lo + b"-" + hi)
        start = prev = b
    return b"[" + b"".join(runs) + b"]"


def to_regex(tokens: tuple[Token, ...] | list[Token]) -> bytes:
    """The regex source (for ``re.compile(src, re.DOTALL)``) of the tokens.

    A ranged gap and the token after it become one atomic, lazy group ``(?>.{m,n}?X)``: the
    nearest ``X`` in range is taken and never revisited, which is how DROID walks fragments
    and keeps chains such as "seven MPEG frames 46-1439 bytes apart" linear instead of
    exponential on real audio files.
    """
    parts: list[bytes] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if (isinstance(tok, Gap) and tok.max is not None and tok.max != tok.min
                and i + 1 < len(tokens)):
            parts.append(b"(?>" + _gap(tok, lazy=True) + to_regex([tokens[i + 1]]) + b")")
            i += 2
            continue
        if isinstance(tok, Lit):
            parts.append(re.escape(tok.data))
        elif isinstance(tok, ByteSet):
            parts.append(_class(tok.members))
        elif isinstance(tok, NotSeq):
            parts.append(b"(?!" + re.escape(tok.data) + b")" + b"." * len(tok.data))
        elif isinstance(tok, Gap):
            parts.append(_gap(tok, lazy=False))
        else:
            single = _single_bytes(tok)
            if single is not None:   # (0A|0D|20|30|...): one class compiles and runs faster
                parts.append(_class(single))
            else:
                parts.append(b"(?:" + b"|".join(to_regex(o) for o in tok.options) + b")")
        i += 1
    return b"".join(parts)


def _single_bytes(alt: Alt) -> frozenset[int] | None:
    """The bytes of an alternation whose every option is exactly one byte, else None."""
    members: set[int] = set()
    for option in alt.options:
        if len(option) != 1:
            return None
        tok = option[0]
        if isinstance(tok, Lit) and len(tok.data) == 1:
            members.add(tok.data[0])
        elif isinstance(tok, ByteSet):
            members |= tok.members
        else:
            return None
    return frozenset(members)


def _gap(tok: Gap, lazy: bool) -> bytes:
    if tok.max is None:
        return b".*?" if tok.min == 0 else b".{%d,}?" % tok.min
    if tok.min == tok.max:
        return b"." if tok.min == 1 else b".{%d}" % tok.min
    return b".{%d,%d}%s" % (tok.min, tok.max, b"?" if lazy else b"")


def literal_prefix(tokens: tuple[Token, ...] | list[Token], want: int = 4,
                   limit: int = 16) -> list[bytes]:
    """Fixed byte strings (up to ``want`` long) one of which the tokens must start with.

    Literals extend every prefix; small sets and alternatives multiply them (at most
    ``limit``). ``[]`` when the tokens start with something unpredictable.
    """
    prefixes, _ = _prefixes(tokens, want, limit)
    return prefixes if all(prefixes) else []


def _prefixes(tokens: tuple[Token, ...] | list[Token], want: int,
              limit: int) -> tuple[list[bytes], bool]:
    """(prefixes, complete): complete means the prefixes spell out all of ``tokens``."""
    results = [b""]
    for tok in tokens:
        if all(len(r) >= want for r in results):
            return results, False
        if isinstance(tok, Lit):
            grown = [r + tok.data for r in results]
        elif isinstance(tok, ByteSet) and len(tok.members) <= 4:
            grown = [r + bytes([b]) for r in results for b in sorted(tok.members)]
        elif isinstance(tok, Alt):
            options: list[bytes] = []
            complete = True
            for opt in tok.options:
                sub, whole = _prefixes(opt, want, limit)
                if not all(sub):
                    return results, False
                options.extend(sub)
                complete = complete and whole
            grown = [r + o for r in results for o in options]
            if len(grown) > limit:
                return results, False
            if not complete:
                return grown, False
        else:
            return results, False
        if len(grown) > limit:
            return results, False
        results = grown
    return results, True


def longest_literal(tokens: tuple[Token, ...] | list[Token]) -> bytes:
    """The longest literal every match must contain (alternatives are not looked into)."""
    best = b""
    for tok in tokens:
        if isinstance(tok, Lit) and len(tok.data) > len(best):
            best = tok.data
    return best
