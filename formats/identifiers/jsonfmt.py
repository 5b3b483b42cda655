"""JSONIdentifier: text that parses as a JSON object or array is JSON (PRONOM fmt/817).

PRONOM has no byte signature for JSON, so DROID can only guess it from ``.json``. We parse the
text with the standard library. A bare scalar (``42``, ``"x"``, ``true``) is valid JSON but says
nothing about the file, so only objects and arrays count. Files up to :data:`JSON_MAX_BYTES`
are parsed whole; a larger file counts only when its name says JSON and its first and last
non-blank bytes are matching brackets (with a warning saying so).
"""

from __future__ import annotations

import json

from formats.identifiers.refiner import ContentRefiner
from formats.identifiers.textclass import ASCII, UTF8, UTF8_BOM, UTF16_BE, UTF16_LE, decode_text
from formats.model import Sample
from registries.model import FormatKey

JSON_MAX_BYTES = 8 * 1024 * 1024
#: RFC 8259: JSON text is UTF-8 (we also accept a BOM and UTF-16 with a BOM).
_JSON_CLASSES = frozenset({ASCII, UTF8, UTF8_BOM, UTF16_LE, UTF16_BE})
_JSON_EXTENSIONS = frozenset({"json", "geojson", "jsonld", "topojson", "har", "webmanifest"})
_PAIRS = {b"{": b"}", b"[": b"]"}


def json_shape(text: str) -> str | None:
    """'object' or 'array' when ``text`` is one JSON document of that kind, else None."""
    stripped = text.lstrip()
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, dict):
        return f"object with {len(value)} members"
    if isinstance(value, list):
        return f"array of {len(value)} values"
    return None


class JSONIdentifier(ContentRefiner):
    PUID = "PRONOM:fmt/817"
    MIMES = ("application/json",)

    @property
    def answer_keys(self) -> tuple[FormatKey | None, ...]:
        """None: a failed JSON parse is definitive, so a ``.json`` name alone must not promote
        text to JSON (unlike CSV/Markdown, whose checks are deliberately conservative)."""
        return ()

    def detect(self, sample: Sample, cls: str) -> tuple[FormatKey | None, str, str] | None:
        if cls not in _JSON_CLASSES:
            return None
        if sample.size <= JSON_MAX_BYTES:
            shape = json_shape(decode_text(sample.read_all(), cls))
            return (None, f"json parse: {shape}", "") if shape else None
        if sample.extension not in _JSON_EXTENSIONS or cls not in (ASCII, UTF8):
            return None
        head = sample.bof(64).lstrip()
        tail = sample.eof(64).rstrip()
        if head[:1] in _PAIRS and tail.endswith(_PAIRS[head[:1]]):
            return (None, "json brackets at both ends",
                    f"not fully parsed (larger than {JSON_MAX_BYTES // (1024 * 1024)} MiB)")
        return None
