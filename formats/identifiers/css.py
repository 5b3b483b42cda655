"""CSSIdentifier: a text sample that parses as a real stylesheet is CSS.

Neither PRONOM (x-fmt/224 has no byte signature) nor libmagic (says ``text/plain``) recognise
CSS, which is why the renovation had a SAC-parser identifier. We parse with tinycss2 and demand
*real* rules: qualified rules with a selector and well-formed declarations (``name: value``),
or at-rules that CSS defines. Markup (HTML/XML start with ``<``), JSON (starts with ``{``/``[``),
CSV and prose fail: tinycss2 sees them as one parse error or as rules without declarations.

The answer is the first configured key of ``formatIdentifier.CSSIdentifier.identifiers`` that a
registry knows (the list's first entry is canonical); basis ``css parse: N rules``.

Parsing costs about 3 ms per real stylesheet, so only as much is parsed as the decision needs:
the first KiB after any leading comments, cut after its last ``}``, then :data:`CSS_WINDOW` bytes
only when those held fewer than :data:`DECISIVE_RULES` rules (a dozen rules say whether this is
a stylesheet as surely as a thousand), and only after a regex-only first look
(:func:`looks_like_css_start`) passed. A longer file's basis says so: ``css parse: 14 rules
in the first 1 KiB``. tinycss2 itself is imported on the first parse, not at start-up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bsfcore.errors import ConfigError
from formats.identifiers.common import GENERIC_TEXT_KEYS, expand_keys, first_known, may_refine
from formats.identifiers.lazyre import LazyPattern
from formats.identifiers.textclass import sample_text_class
from formats.model import Confidence, Match, Sample
from registries.model import FormatKey, RegistrySet

if TYPE_CHECKING:
    import tinycss2

#: How much of a stylesheet is parsed (cut after its last ``}``; a cut-off last rule is forgiven):
#: the first stage, then the whole window when the first held too few rules to decide.
CSS_WINDOW = 8 * 1024
CSS_STAGES = (1024, CSS_WINDOW)
DECISIVE_RULES = 8
#: Share of rules that must be well formed.
MIN_GOOD_SHARE = 0.8

_DECL_NAME = LazyPattern(r"^(--[\w-]+|-?[a-z_][a-z0-9_-]*)$")
_AT_RULES = frozenset({
    "charset", "import", "namespace", "media", "supports", "font-face", "page", "keyframes",
    "-webkit-keyframes", "-moz-keyframes", "-o-keyframes", "-ms-keyframes", "layer",
    "container", "counter-style", "property", "font-feature-values", "viewport",
    "-ms-viewport", "document", "-moz-document", "scope", "starting-style", "font-palette-values",
})
#: at-rules whose block holds rules (counted recursively)
_GROUP_AT_RULES = frozenset({"media", "supports", "layer", "container", "document",
                             "-moz-document", "scope", "starting-style"})


class _Tally:
    __slots__ = ("bad", "errors", "good", "rules")

    def __init__(self) -> None:
        self.good = self.bad = self.errors = self.rules = 0

    @property
    def judged(self) -> int:
        return self.good + self.bad + self.errors

    @property
    def is_stylesheet(self) -> bool:
        return self.good > 0 and self.good >= MIN_GOOD_SHARE * self.judged


_SELECTOR_LITERALS = frozenset({".", "*", ">", "+", "~", ",", ":", "|", "&", "%"})
_KEYFRAME_WORDS = frozenset({"from", "to"})


def _selector_ok(prelude: list[tinycss2.ast.Node]) -> bool:
    """A plausible selector list: names, classes, ids, combinators, ``[attr]``, ``:pseudo(...)``.

    Function tokens must follow ``:`` (``:not(``); numbers only as keyframe selectors. Source
    code that swallows everything before its first ``{`` into a "prelude" fails here.
    """
    previous: tinycss2.ast.Node | None = None
    for token in prelude:
        kind = token.type
        if kind in ("whitespace", "comment", "ident", "hash", "[] block"):
            pass
        elif kind == "literal":
            if token.value not in _SELECTOR_LITERALS:
                return False
        elif kind == "function":
            if previous is None or previous.type != "literal" or previous.value != ":":
                return False
        elif kind == "percentage":
            pass
        else:
            return False
        if kind not in ("whitespace", "comment"):
            previous = token
    return True


def _value_ok(name: str, value: list[tinycss2.ast.Node]) -> bool:
    """No stray ``!`` or ``=`` or ``{}`` at the top of a value (custom properties may hold any)."""
    if name.startswith("--"):
        return True
    for token in value:
        if token.type == "{} block":
            return False
        if token.type == "literal" and token.value in ("!", "=", "==", "!="):
            return False
    return True


#: nesting deeper than this is not a stylesheet a person wrote (and would exhaust the stack)
MAX_NESTING = 16


def _declarations_ok(content: list[tinycss2.ast.Node] | None, depth: int = 0) -> bool | None:
    """True: at least one good declaration and no error; False: junk; None: empty block."""
    if not content:
        return None
    if depth > MAX_NESTING:
        return False
    import tinycss2

    items = tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True)
    if not items:
        return None
    good = 0
    for item in items:
        if item.type == "declaration":
            value = [t for t in item.value if t.type not in ("whitespace", "comment")]
            if not value or not _DECL_NAME.match(item.lower_name) \
                    or not _value_ok(item.lower_name, value):
                return False
            good += 1
        elif item.type == "error":
            return False
        elif item.type == "qualified-rule":          # CSS nesting
            if not _selector_ok(item.prelude) or \
                    _declarations_ok(item.content, depth + 1) is False:
                return False
            good += 1
    return good > 0 or None


def _tally(nodes: list[tinycss2.ast.Node], tally: _Tally, depth: int = 0) -> None:
    for node in nodes:
        if node.type == "error":
            tally.errors += 1
        elif node.type == "qualified-rule":
            tally.rules += 1
            prelude = [t for t in node.prelude if t.type not in ("whitespace", "comment")]
            ok = _declarations_ok(node.content) if prelude and _selector_ok(node.prelude) \
                else False
            if ok is True:
                tally.good += 1
            elif ok is False:
                tally.bad += 1
        elif node.type == "at-rule":
            tally.rules += 1
            if node.lower_at_keyword not in _AT_RULES:
                tally.bad += 1
            elif node.lower_at_keyword in _GROUP_AT_RULES and node.content and depth < 8:
                import tinycss2

                inner = tinycss2.parse_rule_list(node.content, skip_comments=True,
                                                 skip_whitespace=True)
                _tally(inner, tally, depth + 1)
            else:
                tally.good += 1


_COMMENT = LazyPattern(rb"/\*.*?(\*/|\Z)", re.S)
_STATEMENT_AT = LazyPattern(rb"\A\s*@(charset|import|namespace|layer)\b[^;{]*;", re.I)
_BLOCK_AT = LazyPattern(rb"\A\s*@-?[a-z-]+", re.I)
_BRACKETS = LazyPattern(rb"\[[^\]{};]{0,200}+\]")       # bounded + possessive: linear
_PSEUDO_ARGS = LazyPattern(rb":[\w-]{1,60}+\([^(){};]{0,200}+"
                          rb"(?:\([^(){};]{0,200}+\)[^(){};]{0,200}+)*+\)")
_SELECTOR_CHARS = LazyPattern(rb"\A[\w\s.#*>+~,:|&%\\-]*\Z")   # linear: no nested quantifiers
_SELECTOR_CORE = LazyPattern(rb"[\w*&]")
_DECLARATION = LazyPattern(rb"\A\s*(--[\w-]+|-?[A-Za-z_][\w-]*)\s*:")
PREFILTER_WINDOW = 4096


def _leading_comments_end(data: bytes) -> int:
    """Offset after the comments and blank space a stylesheet starts with (licence headers)."""
    pos = 0
    while True:
        while pos < len(data) and data[pos] in b" \t\r\n":
            pos += 1
        if not data.startswith(b"/*", pos):
            return pos
        end = data.find(b"*/", pos + 2)
        if end == -1:
            return pos
        pos = end + 2


def looks_like_css_start(data: bytes, depth: int = 0) -> bool:
    """A regex-only first look (microseconds) so tinycss2 runs only on likely stylesheets.

    The first rule after comments and ``@charset``/``@import`` statements must be a block
    at-rule, or a selector (brackets and ``:pseudo(...)`` arguments removed, nothing but
    selector characters left) followed by ``{ name:`` or by a nested rule (CSS nesting).
    """
    text = data[_leading_comments_end(data):][:PREFILTER_WINDOW]
    if b"/*" in text:
        text = _COMMENT.sub(b" ", text)
    statements = 0
    while (statement := _STATEMENT_AT.match(text)) is not None:
        text = text[statement.end():]
        statements += 1
    if statements and not text.strip():
        return True                      # only @import/@charset lines in the window
    if _BLOCK_AT.match(text):
        return True
    brace = text.find(b"{")
    if brace <= 0:
        return False
    prelude = _PSEUDO_ARGS.sub(b":x", _BRACKETS.sub(b"[x]", text[:brace]))
    prelude = prelude.replace(b"[x]", b"x")
    if not _SELECTOR_CHARS.match(prelude) or not _SELECTOR_CORE.search(prelude):
        return False
    content = text[brace + 1:]
    return bool(_DECLARATION.match(content)) or (depth < 2 and looks_like_css_start(content,
                                                                                   depth + 1))


def css_tally(data: bytes, truncated: bool = False) -> _Tally | None:
    """The rules of ``data`` judged, or None when it cannot be a stylesheet at all."""
    start = data.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n\x00")
    if not start or start[:1] in (b"<", b"{", b"[", b"\""):
        return None
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and not looks_like_css_start(start):
        return None
    import tinycss2

    try:
        nodes, _encoding = tinycss2.parse_stylesheet_bytes(data, skip_comments=True,
                                                           skip_whitespace=True)
        if not nodes:
            return None
        tally = _Tally()
        _tally(nodes, tally)
    except RecursionError:      # absurd nesting: hostile or generated, not a stylesheet
        return None
    if truncated and nodes[-1].type == "error":
        tally.errors -= 1
    return tally


def css_rule_count(data: bytes, truncated: bool = False) -> int | None:
    """Number of rules when ``data`` is a real stylesheet, else None."""
    tally = css_tally(data, truncated)
    return tally.rules if tally is not None and tally.is_stylesheet else None


class CSSIdentifier:
    """Answers the canonical CSS key when a text sample is a real stylesheet (a refiner)."""

    refines = True
    max_confidence = Confidence.HEURISTIC

    def __init__(self, name: str, keys: Sequence[FormatKey], registries: RegistrySet, *,
                 generic: frozenset[FormatKey] = GENERIC_TEXT_KEYS) -> None:
        self.name = name
        if not keys:
            raise ConfigError.at(None, None, "CSSIdentifier is configured but "
                                 "formatIdentifier.CSSIdentifier.identifiers is empty")
        key = first_known(keys, registries)
        if key is None:
            raise ConfigError.at(None, None, "formatIdentifier.CSSIdentifier.identifiers: none of "
                                 f"{', '.join(map(str, keys))} is in a configured registry")
        self.key = key
        self.generic = expand_keys(generic, registries)

    def identify(self, sample: Sample, previous: Match | None) -> Match | None:
        if not may_refine(previous, self.generic) or sample_text_class(sample) is None:
            return None
        tally: _Tally | None = None
        # a licence header can be kilobytes of comments: the stages count from the first rule
        skip = _leading_comments_end(sample.bof(PREFILTER_WINDOW))
        for window in CSS_STAGES:
            data = sample.bof(skip + window)[skip:]
            truncated = sample.size > skip + len(data)
            if truncated:
                end = data.rfind(b"}")
                data = data[:end + 1] if end > 0 else data
            tally = css_tally(data, truncated=truncated)
            if tally is None:
                return None
            if not truncated or tally.judged >= DECISIVE_RULES or window == CSS_WINDOW:
                break
        if tally is None or not tally.is_stylesheet:
            return None
        part = f" in the first {window // 1024} KiB" if truncated else ""
        return Match(self.key, Confidence.HEURISTIC, self.name,
                     f"css parse: {tally.rules} rules{part}")
