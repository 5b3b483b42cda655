"""MarkdownIdentifier: text with Markdown's block and inline structure (PRONOM fmt/1149).

Markdown is plain text by design, so this is the most careful of the refiners. It counts the
*kinds* of Markdown constructs in the first :data:`MD_WINDOW` bytes. Strong kinds are the ones
plain text rarely has by accident (ATX or setext headings, fenced code, inline links, link
definitions, pipe-table separator rows); weak kinds are common in any text (lists, emphasis,
inline code, block quotes). It takes two strong kinds, or one strong and two weak, and one of
the strong kinds must be a heading, link, link definition or table (setext underlines and
tilde fences alone are what banner-style plain text has). A name that
already says plain text (``.txt``) needs two strong kinds and four kinds in all; a name that
says another specific format (``.py``, ``.rst``, ``.tex``) is trusted and never claimed. Source
code is refused first, judged outside fenced blocks: more than 10 % of the lines at column 0
are code-only statements (imports, ``def``/``class``, assignments, calls, ``#include``,
shebangs ...), or more than 10 % of lines end in ``;`` or braces -- because ``# comment`` lines
look like headings. reStructuredText (directives, roles) is refused too.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from formats.identifiers.lazyre import LazyPattern
from formats.identifiers.refiner import ContentRefiner
from formats.identifiers.textclass import decode_text
from formats.model import Sample
from registries.model import FormatKey

MD_WINDOW = 16 * 1024

_STRONG: dict[str, LazyPattern[str]] = {
    "fenced code": LazyPattern(r"^ {0,3}(```|~~~)(?![`~])[ \t]*[\w+.-]*[ \t]*$", re.M),
    # bounded, possessive: a line of 30,000 "![" took 16 s with an open-ended class
    "link": LazyPattern(r"\[[^\]\n]{1,300}+\]\((?:https?://|mailto:|#|\.{0,2}/|[\w.-]+)"
                       r"[^)\n]{0,500}+\)"),
    "link definition": LazyPattern(r"^ {0,3}\[[^\]\n]{1,300}+\]:[ \t]+\S", re.M),
    "table": LazyPattern(r"^ {0,3}\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*$",
                        re.M),
}
#: Literals one of which every match of a kind's pattern contains: a C-speed ``in`` test
#: skips the regex (which tries every position of up to 64 KiB) when none is there.
_NEEDS: dict[str, tuple[str, ...]] = {
    "fenced code": ("```", "~~~"),
    "link": ("](",),
    "link definition": ("]:",),
    "table": ("---",),
    "emphasis": ("**", "__"),
    "inline code": ("`",),
    "block quote": (">",),
}
#: ... for _RST (".. " covers both directive forms, ":`" the roles)
_RST_NEEDS = (".. ", ":`", "::", ".rst:")


def _has_any(text: str, needles: tuple[str, ...]) -> bool:
    return any(needle in text for needle in needles)


def _found(text: str, kind: str, rx: LazyPattern[str]) -> bool:
    needs = _NEEDS.get(kind)
    return (needs is None or _has_any(text, needs)) and rx.search(text) is not None


#: strong kinds that plain text with banners and separators never has
_CORE = frozenset({"heading", "heading outline", "front matter", "link", "link definition",
                   "table"})
_WEAK: dict[str, LazyPattern[str]] = {
    "list": LazyPattern(r"^ {0,3}([-*+]|\d{1,9}[.)])[ \t]+\S*\w", re.M),
    "emphasis": LazyPattern(r"(\*\*|__)[^*_\n]+\1"),
    "inline code": LazyPattern(r"`[^`\n]+`"),
    "block quote": LazyPattern(r"^ {0,3}>(?!>)[ \t]?\S*\w", re.M),   # not a >>> doctest
}
#: Lines at column 0 that only source code starts with (Python, C, shell, JS, Java ...).
_CODE_LINE = LazyPattern(
    r"(#!|#include\b|#define\b|#ifn?def\b|import \w|from [\w.]+ import\b|def \w+\s*\("
    r"|class \w+\s*[(:]|@[\w.]+(\(.*\))?\s*$|return\b|raise\b|try:|except\b|elif\b|else:"
    r"|finally:|yield\b|function\b|package \w|public |private |var |const |let |using \w"
    r"|export \w|echo |[A-Za-z_][\w.]*(\[[^\]\n]*\])?\s*[-+*/|&]?=\s*\S"
    r"|[A-Za-z_][\w.]*\()")
#: reStructuredText directives, targets and roles: a sibling format, not Markdown
_RST = LazyPattern(r"^\.\. [\w-]+::|^\.\. _[^:\n]+:|:[a-z]+:`[^`\n]+`|^::[ \t]*$|\.rst:", re.M)
_CODE_LINE_END = LazyPattern(r"[;{}][ \t]*$", re.M)
_FENCED = LazyPattern(r"^ {0,3}(```|~~~).*?(?:^ {0,3}\1|\Z)", re.M | re.S)


_UNDERLINE = LazyPattern(r"^ {0,3}(?:={3,}|-{3,})[ \t]*$", re.M)


def _has_setext_heading(text: str) -> bool:
    """A ``===``/``---`` underline below a line of words (found in linear time: the
    underline first, then its previous line)."""
    if "===" not in text and "---" not in text:
        return False
    for found in _UNDERLINE.finditer(text):
        start = found.start()
        if start == 0:
            continue
        line_start = text.rfind("\n", 0, start - 1) + 1
        title = text[line_start:start - 1]
        if title and title[0] not in " \t#>|=~*-" and any(c.isalpha() for c in title):
            return True
    return False


_ATX_LINE = LazyPattern(r"^ {0,3}#{1,6}[ \t]+[^\s#]*[^\W\d_].*$", re.M)


class _Neighbours(NamedTuple):
    before: str
    after: str


def _line_around(text: str, start: int, end: int) -> _Neighbours:
    """The lines before and after ``text[start:end]`` (one line), stripped."""
    before = ""
    if start > 0:
        before = text[text.rfind("\n", 0, start - 1) + 1:start - 1].strip()
    after = ""
    if end < len(text):
        stop = text.find("\n", end + 1)
        after = text[end + 1:stop if stop >= 0 else len(text)].strip()
    return _Neighbours(before, after)


def _atx_levels(text: str, enough: int = 3) -> list[int]:
    """Levels of the ATX headings that stand alone (up to ``enough`` of them): a ``# line``
    inside a block of ``#`` lines is a comment block (scripts, config and data files), not a
    Markdown heading, and a heading has a blank line on one side at least (a comment between
    two statements has code on both). Headings are found by one multi-line search, not a
    regex per line."""
    if "# " not in text and "#\t" not in text:
        return []
    levels: list[int] = []
    for found in _ATX_LINE.finditer(text):
        before, after = _line_around(text, found.start(), found.end())
        if not before.startswith("#") and not after.startswith("#") and (
                not before or not after):
            line = found.group().lstrip(" ")
            levels.append(len(line) - len(line.lstrip("#")))
            if len(levels) >= enough:
                break
    return levels


#: YAML front matter (GitHub issue templates, static-site pages): ``---``, keys, ``---``
_FRONT_MATTER = LazyPattern(r"\A---[ \t]*\r?\n(?:[\w-]{1,40}:[^\n]{0,300}\r?\n"
                           r"|[ \t]+[^\n]{0,300}\r?\n|-[^\n]{0,300}\r?\n|[ \t]*\r?\n){1,40}"
                           r"---[ \t]*\r?$", re.M)


def _comment_heavy(text: str) -> bool:
    """A script or config file: a shebang, or more than 30 % of the lines are ``#`` lines in
    blocks (a ``#`` line next to another one). A Markdown document's headings stand apart
    with blank lines around them, however many there are in a short document."""
    if text.startswith("#!"):
        return True
    lines = [line.lstrip() for line in text.splitlines()[:400]]
    hashed = [line.startswith("#") for line in lines]
    in_blocks = sum(1 for i, h in enumerate(hashed) if h and (
        (i > 0 and hashed[i - 1]) or (i + 1 < len(hashed) and hashed[i + 1])))
    filled = sum(1 for line in lines if line)
    return in_blocks * 10 > filled * 3


def looks_like_code(text: str) -> bool:
    """Source code, judged outside fenced blocks: code-only statements at column 0, or lines
    ending in ``;`` or braces. (``# comment`` lines look like headings, so this comes first.)"""
    body = _FENCED.sub("", text) if _has_any(text, _NEEDS["fenced code"]) else text
    lines = [line for line in body.splitlines() if line.strip()]
    top = [line for line in lines if not line[0].isspace()]
    code = sum(1 for line in top if _CODE_LINE.match(line))
    if top and code * 10 > len(top):
        return True
    return len(_CODE_LINE_END.findall(body)) * 10 > max(1, len(lines))


_PLAIN_TEXT_EXTENSIONS = frozenset({"txt", "asc", "text"})


def _strong_kinds(text: str, need_core: bool = False) -> list[str] | None:
    """The strong kinds found, or None when the text looks like source or markup.

    With ``need_core`` the (costlier, line-by-line) source-code tests run only once a core
    kind was found: text without any heading, link or table is not Markdown anyway.
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped or stripped[0] in "<{[":
        return None
    strong = [kind for kind, rx in _STRONG.items() if _found(text, kind, rx)]
    if _has_setext_heading(text):
        strong.insert(0, "setext heading")
    levels = _atx_levels(text)
    if levels:
        strong.insert(0, "heading")
        if len(levels) >= 3 or len(set(levels)) >= 2:   # an outline: sections and subsections
            strong.insert(1, "heading outline")
    if _FRONT_MATTER.match(stripped):
        strong.insert(0, "front matter")
    if need_core and not any(kind in _CORE for kind in strong):
        return []
    if looks_like_code(text) or _comment_heavy(text) or (
            _has_any(text, _RST_NEEDS) and _RST.search(text)):
        return None
    return strong


def _weak_kinds(text: str) -> list[str]:
    return [kind for kind, rx in _WEAK.items() if _found(text, kind, rx)]


def markdown_kinds(text: str) -> tuple[list[str], list[str]] | None:
    """(strong kinds, weak kinds) found, or None when the text looks like source or markup."""
    strong = _strong_kinds(text)
    return None if strong is None else (strong, _weak_kinds(text))


def is_markdown(text: str, plain_text_name: bool = False) -> list[str] | None:
    """The construct kinds when ``text`` is Markdown by structure, else None."""
    strong = _strong_kinds(text, need_core=True)
    if strong is None or not any(kind in _CORE for kind in strong):
        return None  # (the weak kinds cannot change that: not looked for)
    weak = _weak_kinds(text)
    if plain_text_name:
        ok = len(strong) >= 2 and len(strong) + len(weak) >= 4
    else:
        ok = len(strong) >= 2 or (len(strong) == 1 and len(weak) >= 2)
    return strong + weak if ok else None


class MarkdownIdentifier(ContentRefiner):
    PUID = "PRONOM:fmt/1149"
    MIMES = ("text/markdown", "text/x-markdown")

    def _named_markdown(self, ext: str) -> bool:
        """The name already says Markdown (``README.md``): the TextSubtypeHelper answers it by
        the name, so the structure test would only repeat it (at 2 ms a file)."""
        if not ext or self.key is None:
            return False
        fmt = self.registries.get(self.key)
        return fmt is not None and ext in fmt.extensions

    def detect(self, sample: Sample, cls: str) -> tuple[FormatKey | None, str, str] | None:
        ext = sample.extension
        if self._named_otherwise(ext) or self._named_markdown(ext):
            return None
        text = decode_text(sample.bof(MD_WINDOW), cls)
        kinds = is_markdown(text, sample.extension in _PLAIN_TEXT_EXTENSIONS)
        if kinds is None:
            return None
        return None, f"markdown structure: {', '.join(kinds)}", ""
