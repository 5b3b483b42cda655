"""Hand-built registries and a fake byte-signature identifier for the identification tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from formats.model import Confidence, Match, Sample
from registries.model import Format, FormatKey, Registry, RegistrySet


def key(text: str) -> FormatKey:
    return FormatKey.parse(text)


def fmt(keys: str, name: str, mime: str | None = None, exts: str = "",
        internal: bool = False) -> Format:
    return Format(tuple(key(k) for k in keys.split()), name, mime_type=mime,
                  extensions=tuple(exts.split()), internal=internal)


def pronom_registry(*, htm: bool = True) -> Registry:
    """A PRONOM subset; ``htm=False`` mimics the old DROID file whose fmt/96 lacked ``.htm``."""
    return Registry("PRONOM", [
        fmt("PRONOM:x-fmt/111", "Plain Text File", "text/plain", "txt"),
        fmt("PRONOM:x-fmt/16", "Unicode Text File", "text/plain"),
        fmt("PRONOM:x-fmt/22", "7-bit ASCII Text", "text/plain", "asc"),
        fmt("PRONOM:fmt/96", "Hypertext Markup Language", "text/html",
            "htm html" if htm else "html"),
        fmt("PRONOM:fmt/100", "Hypertext Markup Language 4.01", "text/html",
            "htm html" if htm else "html"),
        fmt("PRONOM:fmt/101", "Extensible Markup Language", "application/xml", "xml"),
        fmt("PRONOM:x-fmt/224", "Cascading Style Sheet", "text/css", "css"),
        fmt("PRONOM:fmt/817", "JSON Data Interchange Format", "application/json", "json"),
        fmt("PRONOM:x-fmt/18", "Comma Separated Values", "text/csv", "csv"),
        fmt("PRONOM:x-fmt/13", "Tab-separated Values", "text/tab-separated-values", "tab tsv"),
        fmt("PRONOM:fmt/1149", "Markdown", "text/markdown", "md markdown"),
        fmt("PRONOM:x-fmt/265", "Tape Archive Format", "application/x-tar", "tar"),
        fmt("PRONOM:fmt/18", "Acrobat PDF 1.4", "application/pdf", "pdf"),
        fmt("PRONOM:fmt/43", "JPEG File Interchange Format", "image/jpeg", "jpg jpeg"),
        fmt("PRONOM:x-fmt/92", "Adobe Photoshop", "image/vnd.adobe.photoshop", "psd"),
    ])


def dspace_registry() -> Registry:
    """A slice of the DSpace 1.5 default registry (keys as registries.dsr spells them)."""
    return Registry("DSpace", [
        fmt("DSpace:Unknown", "Unknown", "application/octet-stream"),
        fmt("DSpace:License", "License", "text/plain", internal=True),
        fmt("DSpace:Adobe_PDF", "Adobe PDF", "application/pdf", "pdf"),
        fmt("DSpace:XML", "XML", "text/xml", "xml"),
        fmt("DSpace:Text", "Text", "text/plain", "txt asc"),
        fmt("DSpace:HTML", "HTML", "text/html", "htm html"),
        fmt("DSpace:CSS", "CSS", "text/css", "css"),
        fmt("DSpace:Microsoft_Word_XML", "Microsoft Word XML",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        fmt("DSpace:Microsoft_Word", "Microsoft Word", "application/msword", "doc"),
        fmt("DSpace:JPEG", "JPEG", "image/jpeg", "jpeg jpg"),
        fmt("DSpace:image_png", "image/png", "image/png", "png"),
        fmt("DSpace:TeX", "TeX", "application/x-tex", "tex"),
        fmt("DSpace:README", "Readme", "text/plain", "readme"),
    ])


def provisional_registry(*, htm: bool = True) -> Registry:
    formats = [fmt("Provisional:Local_Data", "Local data", "application/x-local", "dat")]
    if htm:
        formats.append(fmt("Provisional:HTM PRONOM:fmt/96", "HTM", "text/html", "htm"))
    return Registry("Provisional", formats)


def pronom_set(*, htm_in_pronom: bool = True, htm_entry: bool = True) -> RegistrySet:
    return RegistrySet([pronom_registry(htm=htm_in_pronom), provisional_registry(htm=htm_entry)])


def dspace_set() -> RegistrySet:
    return RegistrySet([dspace_registry(), provisional_registry(htm=False)])


@dataclass
class FakeDroid:
    """A byte-signature identifier: literal prefixes -> POSITIVE_SPECIFIC, like DROID would."""

    name: str = "org.dspace.content.format.DROIDIdentifier"
    prefixes: dict[bytes, str] = field(default_factory=lambda: {
        b"%PDF-1.4": "PRONOM:fmt/18", b"\xff\xd8\xff": "PRONOM:fmt/43"})
    refines = False

    def identify(self, sample: Sample, previous: Match | None) -> Match | None:
        head = sample.bof(16)
        for prefix, puid in self.prefixes.items():
            if head.startswith(prefix):
                return Match(key(puid), Confidence.POSITIVE_SPECIFIC, self.name,
                             f"byte match at [[0 {len(prefix)}]]")
        return Match(None, Confidence.UNIDENTIFIED, self.name, "", "no match")


@dataclass
class Fixed:
    """An identifier that always answers the same thing (for precedence tests)."""

    name: str
    answer: Match | None
    refines: bool = False

    def identify(self, sample: Sample, previous: Match | None) -> Match | None:
        return self.answer


@dataclass
class FakeConfig:
    """Duck-typed stand-in for registries.config.FormatConfig."""

    identifiers: list
    css_identifiers: list = field(default_factory=list)
    tar_format: FormatKey | None = None
    subtypes: list = field(default_factory=list)
    droid_signature_file: object = None
    droid_container_file: object = None
    options: dict = field(default_factory=dict)
    is_default: bool = False

    def where(self, key_: str) -> str:
        return key_


@dataclass(frozen=True)
class Spec:
    kind: str
    configured_name: str
