"""TextHeuristicIdentifier: "this is text" (and which encoding), plus the seed's tar hook.

DROID has no byte signatures for plain text, so without this identifier every ``.dat`` log or
extension-less README stays Unknown. The answer is the configured registry's text format
(PRONOM ``x-fmt/111`` plain text, ``x-fmt/16`` for Unicode; DSpace ``Text``) at HEURISTIC, with
siegfried's basis ``text match <class>``.

Which format each text class maps to can be configured with
``formatIdentifier.TextHeuristicIdentifier.formats.<slot>`` where slot is ``text`` (all classes),
``unicode`` (UTF-8/UTF-16) or one of ``ascii, utf8, utf16, iso8859, extended, ebcdic``; e.g.
``...formats.ascii = PRONOM:x-fmt/22`` gives the seed report's "7-bit ASCII Text". Unconfigured,
UTF-8 without a byte-order mark is plain text (``x-fmt/111``, as siegfried answers it: UTF-8 is
how plain text is written today) and only UTF-16 or a UTF-8 BOM make a "Unicode Text File".
``...formats.tar = KEY`` turns on tar recognition (``ustar`` at offset 257 and a valid header
checksum), the hook the conversion instructions describe.
"""

from __future__ import annotations

from collections.abc import Mapping

from bsfcore.errors import ConfigError
from formats.identifiers.common import GENERIC_TEXT_KEYS, extensions_of, first_known
from formats.identifiers.textclass import (
    CLASS_SLOTS,
    UNICODE_CLASSES,
    UTF8_BOM,
    sample_text_class,
)
from formats.model import Confidence, Match, Sample
from registries.model import FormatKey, RegistrySet

#: Candidate defaults per slot, first known one wins (PRONOM first, then DSpace).
DEFAULT_SLOTS: dict[str, tuple[str, ...]] = {
    "text": ("PRONOM:x-fmt/111", "DSpace:Text"),
    "unicode": ("PRONOM:x-fmt/16", "PRONOM:x-fmt/111", "DSpace:Text"),
}
SLOTS = ("text", "unicode", "ascii", "utf8", "utf16", "iso8859", "extended", "ebcdic")
#: internal slot of UTF-8 with a byte-order mark (configured through ``utf8`` or ``unicode``)
BOM_SLOT = "utf8-bom"


def resolve_class_formats(registries: RegistrySet,
                          configured: Mapping[str, FormatKey] | None = None,
                          where: str = "formatIdentifier.TextHeuristicIdentifier.formats"
                          ) -> dict[str, FormatKey]:
    """Slot -> FormatKey for every text class, from configuration then defaults.

    Raises ConfigError when a configured key is unknown or no registry has a text format.
    """
    configured = dict(configured or {})
    for slot, key in configured.items():
        if slot not in SLOTS:
            raise ConfigError.at(None, None, f"{where}.{slot}: unknown text class; use one of "
                                 f"{', '.join(SLOTS)}")
        if registries.get(key) is None:
            raise ConfigError.at(None, None, f"{where}.{slot} = {key}: no configured registry "
                                 "knows this format")
    text = configured.get("text") or first_known(
        (FormatKey.parse(k) for k in DEFAULT_SLOTS["text"]), registries)
    if text is None:
        plain = [f.key for f in registries.by_mime("text/plain") if not f.internal]
        text = plain[0] if plain else None
    if text is None:
        raise ConfigError.at(None, None, "TextHeuristicIdentifier is configured but no registry "
                             f"has a plain-text format; set {where}.text = NAMESPACE:id")
    unicode = configured.get("unicode") or (
        text if "text" in configured else
        first_known((FormatKey.parse(k) for k in DEFAULT_SLOTS["unicode"]), registries) or text)
    out = {"text": text, "unicode": unicode}
    for slot in SLOTS[2:]:
        fallback = unicode if slot == "utf16" or (slot == "utf8" and "unicode" in configured) \
            else text
        out[slot] = configured.get(slot, fallback)
    # a UTF-8 byte-order mark says "Unicode text" unless utf8 is configured explicitly
    out[BOM_SLOT] = configured.get("utf8", unicode)
    return out


def _is_tar_header(head: bytes) -> bool:
    """ustar magic at 257 and a header checksum that adds up (POSIX and old GNU tar)."""
    if len(head) < 512 or head[257:262] != b"ustar":
        return False
    field = head[148:156].replace(b"\x00", b" ").strip()
    try:
        stored = int(field, 8)
    except ValueError:
        return False
    total = sum(head[:148]) + 8 * 0x20 + sum(head[156:512])
    return stored == total


class TextHeuristicIdentifier:
    """Classifies the first KBs as text of some encoding, or abstains on binary."""

    refines = False

    def __init__(self, name: str, registries: RegistrySet, *,
                 class_formats: Mapping[str, FormatKey] | None = None,
                 tar_format: FormatKey | None = None) -> None:
        self.name = name
        self.formats = resolve_class_formats(registries, class_formats)
        self.tar_format = tar_format
        self.max_confidence = (Confidence.POSITIVE_GENERIC if tar_format is not None
                               else Confidence.HEURISTIC)
        generic = set(GENERIC_TEXT_KEYS) | set(self.formats.values())
        self._text_exts: set[str] = set()
        for key in generic:
            self._text_exts |= extensions_of(key, registries)

    def key_for(self, cls: str) -> FormatKey:
        slot = BOM_SLOT if cls == UTF8_BOM else CLASS_SLOTS.get(cls, "text")
        return self.formats.get(slot) or self.formats[
            "unicode" if cls in UNICODE_CLASSES else "text"]

    def identify(self, sample: Sample, previous: Match | None) -> Match | None:
        if self.tar_format is not None and sample.size >= 512 and _is_tar_header(sample.bof(512)):
            return Match(self.tar_format, Confidence.POSITIVE_GENERIC, self.name,
                         "byte match at [[257 5]] (ustar header, checksum ok)")
        cls = sample_text_class(sample)
        if cls is None:
            return None
        warning = "" if sample.extension in self._text_exts else "match on text only"
        return Match(self.key_for(cls), Confidence.HEURISTIC, self.name, f"text match {cls}",
                     warning)

    @property
    def generic_keys(self) -> frozenset[FormatKey]:
        """Every key this identifier may answer for text (refiners treat them as generic)."""
        return frozenset(self.formats.values())
