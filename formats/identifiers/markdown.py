"""MarkdownIdentifier: text with Markdown's block and inline structure (PRONOM fmt/1149).

Markdown is plain text by design, so this is the most careful of the refiners. It counts the
*kinds* of Markdown constructs in the first :data:`MD_WINDOW` bytes. Strong kinds are the ones
plain text rarely has by accident (ATX or setext headings, fenced code, inline links, link
definitions, pipe-table separator rows); weak kinds are common in any text (lists, emphasis,
inline code, block quotes). It takes two strong kinds, or one strong and two weak. A name that
already says plain text (``.txt``) needs two strong kinds and four kinds in all. Source code is
refused first (shebangs, ``#include``, ``import``/``def``/``function`` lines, lines ending in
``;`` or braces), because ``# comment`` lines look like headings.
"""

from __future__ import annotations

import re

from formats.identifiers.refiner import ContentRefiner
from formats.identifiers.textclass import decode_text
from formats.model import Sample
from registries.model import FormatKey

MD_WINDOW = 64 * 1024

_STRONG: dict[str, re.Pattern[str]] = {
    "heading": re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.M),
    "setext heading": re.compile(r"^[^\s#>|-][^\n]*\n {0,3}(=+|-{2,})[ \t]*$", re.M),
    "fenced code": re.compile(r"^ {0,3}(```|~~~)", re.M),
    "link": re.compile(r"!?\[[^\]\n]+\]\((?:https?://|mailto:|#|\.{0,2}/|[\w.-]+)[^)\n]*\)"),
    "link definition": re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]+\S", re.M),
    "table": re.compile(r"^ {0,3}\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*$",
                        re.M),
}
_WEAK: dict[str, re.Pattern[str]] = {
    "list": re.compile(r"^ {0,3}([-*+]|\d{1,9}[.)])[ \t]+\S", re.M),
    "emphasis": re.compile(r"(\*\*|__)[^*_\n]+\1"),
    "inline code": re.compile(r"`[^`\n]+`"),
    "block quote": re.compile(r"^ {0,3}>[ \t]?\S", re.M),
}
_CODE = re.compile(
    r"^(#!|#include\b|#define\b|#ifn?def\b|import \w|from [\w.]+ import\b|def \w+\(|class \w+[(:]"
    r"|function\b|package \w|public |private |var |const |let |using \w|export \w|echo )", re.M)
_CODE_LINE_END = re.compile(r"[;{}][ \t]*$", re.M)
_PLAIN_TEXT_EXTENSIONS = frozenset({"txt", "asc", "text"})


def markdown_kinds(text: str) -> tuple[list[str], list[str]] | None:
    """(strong kinds, weak kinds) found, or None when the text looks like source or markup."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped or stripped[0] in "<{[":
        return None
    lines = max(1, text.count("\n"))
    if _CODE.search(text) or len(_CODE_LINE_END.findall(text)) * 10 > lines:
        return None
    strong = [kind for kind, rx in _STRONG.items() if rx.search(text)]
    weak = [kind for kind, rx in _WEAK.items() if rx.search(text)]
    return strong, weak


def is_markdown(text: str, plain_text_name: bool = False) -> list[str] | None:
    """The construct kinds when ``text`` is Markdown by structure, else None."""
    found = markdown_kinds(text)
    if found is None:
        return None
    strong, weak = found
    if plain_text_name:
        ok = len(strong) >= 2 and len(strong) + len(weak) >= 4
    else:
        ok = len(strong) >= 2 or (len(strong) == 1 and len(weak) >= 2)
    return strong + weak if ok else None


class MarkdownIdentifier(ContentRefiner):
    PUID = "PRONOM:fmt/1149"
    MIMES = ("text/markdown", "text/x-markdown")

    def detect(self, sample: Sample, cls: str) -> tuple[FormatKey | None, str, str] | None:
        text = decode_text(sample.bof(MD_WINDOW), cls)
        kinds = is_markdown(text, sample.extension in _PLAIN_TEXT_EXTENSIONS)
        if kinds is None:
            return None
        return None, f"markdown structure: {', '.join(kinds)}", ""
