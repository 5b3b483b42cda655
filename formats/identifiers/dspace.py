"""DSpaceFormatRegistry identifier: DSpace 1.5's extension lookup, checked against the content.

DSpace 1.5 (``FormatIdentifier.guessFormat``) lower-cased the bitstream name, took the text after
the last dot -- **the whole name when there is no dot** -- and returned the first registry row
with that extension, never looking at the bytes. We keep that lookup exactly (internal formats
such as "License" are skipped, as ``findByMIMEType`` did) and ask libmagic (python-magic,
``Magic(mime=True)`` over the first :data:`MAGIC_WINDOW` bytes) whether the content agrees:

=========================  =====================================================================
libmagic says              answer
=========================  =====================================================================
the format's MIME type     the extension's format; HEURISTIC for ``text/*`` types (libmagic's
                           text detection is itself a heuristic), else POSITIVE_GENERIC (a magic
                           number agreed, but libmagic never names a version)
nothing useful             the extension's format, EXTENSION, ``match on extension only``
(octet-stream, a generic   (a zip or OLE2 container for a zip/OLE2-based format, ``text/plain``
container, plain text      for a text-based format)
for a text format)
something else             the extension's format, EXTENSION, ``extension mismatch`` naming what
                           the content looks like -- a lower confidence instead of a wrong answer
=========================  =====================================================================

With no extension match, a libmagic MIME type that a (non-internal) registry format declares
gives that format, with the same confidences and the warning ``no extension match``.
If libmagic cannot be loaded, construction fails with a BsfError saying to install libmagic1.
"""

from __future__ import annotations

import threading
from typing import Any

from bsfcore.errors import BsfError
from formats.identifiers.common import join
from formats.model import Confidence, Match, Sample
from registries.model import Format, Registry

MAGIC_WINDOW = 64 * 1024

#: MIME spellings that mean the same type (libmagic's vs the DSpace 1.5 registry's).
_ALIASES: dict[str, str] = {
    "application/xml": "text/xml", "image/bmp": "image/x-ms-bmp", "image/x-bmp": "image/x-ms-bmp",
    "audio/wav": "audio/x-wav", "audio/vnd.wave": "audio/x-wav", "audio/x-wave": "audio/x-wav",
    "audio/aiff": "audio/x-aiff", "audio/mpeg": "audio/x-mpeg", "audio/mp3": "audio/x-mpeg",
    "text/rtf": "text/richtext", "application/rtf": "text/richtext",
    "text/x-tex": "application/x-tex", "image/vnd.adobe.photoshop": "application/x-photoshop",
    "image/x-photoshop": "application/x-photoshop", "application/x-pdf": "application/pdf",
    "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg",
    "video/x-mpeg": "video/mpeg", "application/x-zip-compressed": "application/zip",
    "application/x-sgml": "application/sgml", "text/sgml": "application/sgml",
}
_ZIP_MIMES = frozenset({"application/zip", "application/java-archive"})
_OLE_MIMES = frozenset({"application/x-ole-storage", "application/cdfv2",
                        "application/vnd.ms-office", "application/cdfv2-unknown"})
_NOTHING = frozenset({"application/octet-stream", "inode/x-empty", "application/x-empty"})
_ZIP_BASED = ("openxmlformats", "opendocument", "vnd.sun.xml", "openofficeorg", "epub",
              "java-archive")
_OLE_BASED = ("msword", "ms-excel", "ms-powerpoint", "visio", "ms-project", "stardivision",
              "x-filemaker")
_TEXT_BASED = ("text/", "+xml", "application/x-tex", "application/x-latex", "application/sgml",
               "application/xml", "application/json", "application/mathematica",
               "application/javascript")


def dspace_extension(name: str | None) -> str | None:
    """DSpace 1.5's "extension": lower-cased text after the last dot, whole name if no dot."""
    if name is None:
        return None
    lowered = name.lower()
    dot = lowered.rfind(".")
    ext = lowered[dot + 1:] if dot != -1 else lowered
    return ext or None


def _norm(mime: str) -> str:
    bare = mime.split(";", 1)[0].strip().lower()
    return _ALIASES.get(bare, bare)


def _mimes(fmt: Format) -> set[str]:
    return {_norm(m) for m in (fmt.mime_type or "").split(",") if m.strip()}


def _verdict(fmt: Format, seen: str) -> str:
    """'agree', 'unsure' or 'disagree' for libmagic's MIME ``seen`` against ``fmt``."""
    declared = _mimes(fmt)
    if seen in declared:
        return "agree"
    if seen in _NOTHING:
        return "unsure"
    joined = " ".join(declared)
    if seen in _ZIP_MIMES and any(t in joined for t in _ZIP_BASED):
        return "unsure"
    if seen in _OLE_MIMES and any(t in joined for t in _OLE_BASED):
        return "unsure"
    if seen == "text/plain" and any(t in m for m in declared for t in _TEXT_BASED):
        return "unsure"
    return "disagree"


def _positive(mime: str) -> Confidence:
    return Confidence.HEURISTIC if mime.startswith("text/") else Confidence.POSITIVE_GENERIC


def open_magic() -> Any:
    """A ``magic.Magic(mime=True)``, or a BsfError telling the operator what to install."""
    try:
        import magic

        return magic.Magic(mime=True)
    except (ImportError, OSError, AttributeError) as exc:
        raise BsfError("libmagic could not be loaded for the DSpace identifier's content check "
                       f"({exc}); install the system library (Debian/Ubuntu: apt-get install "
                       "libmagic1; macOS: brew install libmagic) and the python-magic package"
                       ) from exc
    except Exception as exc:  # python-magic raises MagicException when the database is missing
        raise BsfError(f"libmagic failed to start ({exc}); install or repair libmagic1 and its "
                       "magic database (libmagic-mgc)") from exc


class DSpaceIdentifier:
    """Extension lookup over the DSpace registry, confirmed or doubted by libmagic."""

    refines = False
    max_confidence = Confidence.POSITIVE_GENERIC

    def __init__(self, name: str, registry: Registry, *, magic_window: int = MAGIC_WINDOW) -> None:
        self.name = name
        self.registry = registry
        self.magic_window = magic_window
        self._magic: Any = open_magic()   # fail at construction, not on the 10,000th file
        self._by_mime: dict[str, Format] = {}
        for fmt in registry:
            if not fmt.internal:
                for mime in sorted(_mimes(fmt)):
                    self._by_mime.setdefault(mime, fmt)
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_magic"] = None            # a libmagic cookie cannot cross processes
        state["_lock"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def content_mime(self, sample: Sample) -> str:
        """libmagic's MIME type for the first bytes (normalised, aliases resolved)."""
        with self._lock:
            if self._magic is None:
                self._magic = open_magic()
            raw = self._magic.from_buffer(sample.bof(self.magic_window))
        return _norm(str(raw))

    def identify(self, sample: Sample, previous: Match | None) -> Match | None:
        ext = dspace_extension(sample.name)
        by_ext = [f for f in self.registry.by_extension(ext) if not f.internal] if ext else []
        seen = self.content_mime(sample)
        if not by_ext:
            return self._by_content(seen)
        others = [str(f.key) for f in by_ext[1:]]
        also = f"possibilities based on extension are {', '.join(others)}" if others else ""
        verdicts = [(_verdict(f, seen), f) for f in by_ext]
        for verdict, fmt in verdicts:
            if verdict == "agree":
                return Match(fmt.key, _positive(seen), self.name,
                             f"extension match {ext}; mime match {seen} (libmagic)")
        fmt = by_ext[0]
        basis = f"extension match {ext}"
        if any(v == "unsure" for v, _ in verdicts):
            return Match(fmt.key, Confidence.EXTENSION, self.name, basis,
                         join("match on extension only", also))
        looks = self._by_content(seen)
        what = f"{seen} ({looks.key})" if looks is not None else seen
        return Match(fmt.key, Confidence.EXTENSION, self.name, basis,
                     join(f"extension mismatch: content looks like {what}", also))

    def _by_content(self, seen: str) -> Match | None:
        fmt = None if seen in _NOTHING else self._by_mime.get(seen)
        if fmt is None:
            return None
        return Match(fmt.key, _positive(seen), self.name, f"mime match {seen} (libmagic)",
                     "no extension match")
