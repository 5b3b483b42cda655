"""PREMIS 2.2 for each bitstream, carrying the renovated format metadata.

DSpace's own PREMIS (1.0) names only a MIME type; here each bitstream's ``format`` has a
``formatDesignation`` (name, version) **and** a ``formatRegistry`` (registry name = the key's
namespace, key, role ``identification``), one more ``format`` per synonym key (role
``synonym``), and a ``format identification`` event whose outcome details hold confidence,
source, basis and warning, linked to the identifying software agent (bsf and the signature
file it was configured with). Restore reads all of it back into the bitstream's format,
confidence and source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from formats.model import Confidence
from packager.model import DEFAULT_DATE, BitstreamRec, FormatInfo, Identification, iso, parse_iso
from packager.xmlns import PREMIS, XSI, q, sub, text_of
from registries.model import FormatKey

EVENT_TYPE = "format identification"
ROLE_CANONICAL = "identification"
ROLE_SYNONYM = "synonym"


@dataclass(frozen=True)
class Agent:
    """The software that identified formats: bsf's version and the signature file's."""

    bsf_version: str
    signature_file: str | None = None

    @property
    def name(self) -> str:
        return f"bsf {self.bsf_version}"


def premis_element(bit: BitstreamRec, entry_name: str, agent: Agent) -> etree._Element:
    root = etree.Element(q(PREMIS, "premis"), nsmap={"premis": PREMIS, "xsi": XSI})
    root.set("version", "2.2")
    obj = sub(root, PREMIS, "object")
    obj.set(q(XSI, "type"), "premis:file")
    ident = sub(obj, PREMIS, "objectIdentifier")
    sub(ident, PREMIS, "objectIdentifierType", "URL")
    sub(ident, PREMIS, "objectIdentifierValue", entry_name)
    chars = sub(obj, PREMIS, "objectCharacteristics")
    sub(chars, PREMIS, "compositionLevel", "0")
    if bit.checksum:
        fixity = sub(chars, PREMIS, "fixity")
        sub(fixity, PREMIS, "messageDigestAlgorithm", bit.checksum_algorithm or "MD5")
        sub(fixity, PREMIS, "messageDigest", bit.checksum)
    sub(chars, PREMIS, "size", str(bit.size))
    _formats(chars, bit.format)
    name = bit.name or bit.source
    if name:
        sub(obj, PREMIS, "originalName", name)
    if bit.ident.confidence is not None or bit.ident.source:
        _event(root, bit, entry_name, agent)
        agent_el = sub(root, PREMIS, "agent")
        aid = sub(agent_el, PREMIS, "agentIdentifier")
        sub(aid, PREMIS, "agentIdentifierType", "software")
        sub(aid, PREMIS, "agentIdentifierValue", agent.name)
        sub(agent_el, PREMIS, "agentName", agent.name)
        sub(agent_el, PREMIS, "agentType", "software")
        if agent.signature_file:
            sub(agent_el, PREMIS, "agentNote", f"signature file: {agent.signature_file}")
    return root


def _formats(chars: etree._Element, fmt: FormatInfo | None) -> None:
    if fmt is None:
        designation = sub(sub(chars, PREMIS, "format"), PREMIS, "formatDesignation")
        sub(designation, PREMIS, "formatName", "unknown")
        return
    first = sub(chars, PREMIS, "format")
    designation = sub(first, PREMIS, "formatDesignation")
    sub(designation, PREMIS, "formatName", fmt.name or fmt.short_description or "unknown")
    if fmt.version:
        sub(designation, PREMIS, "formatVersion", fmt.version)
    for index, key in enumerate(fmt.keys):
        holder = first if index == 0 else sub(chars, PREMIS, "format")
        registry = sub(holder, PREMIS, "formatRegistry")
        sub(registry, PREMIS, "formatRegistryName", key.namespace)
        sub(registry, PREMIS, "formatRegistryKey", key.identifier)
        sub(registry, PREMIS, "formatRegistryRole",
            ROLE_CANONICAL if index == 0 else ROLE_SYNONYM)
    if fmt.mimetype:
        sub(first, PREMIS, "formatNote", f"mimetype={fmt.mimetype}")


def _event(root: etree._Element, bit: BitstreamRec, entry_name: str, agent: Agent) -> None:
    ident = bit.ident
    event = sub(root, PREMIS, "event")
    eid = sub(event, PREMIS, "eventIdentifier")
    sub(eid, PREMIS, "eventIdentifierType", "local")
    sub(eid, PREMIS, "eventIdentifierValue", f"format-identification-{bit.id}")
    sub(event, PREMIS, "eventType", EVENT_TYPE)
    sub(event, PREMIS, "eventDateTime", iso(ident.date or DEFAULT_DATE))
    if ident.source:
        sub(event, PREMIS, "eventDetail", f"identified by {ident.source}")
    outcome = sub(event, PREMIS, "eventOutcomeInformation")
    sub(outcome, PREMIS, "eventOutcome", _confidence_name(ident.confidence))
    for label, value in (("confidence", _confidence_name(ident.confidence)),
                         ("source", ident.source), ("basis", ident.basis),
                         ("warning", ident.warning)):
        if value is not None:
            detail = sub(outcome, PREMIS, "eventOutcomeDetail")
            sub(detail, PREMIS, "eventOutcomeDetailNote", f"{label}={value}")
    link = sub(event, PREMIS, "linkingAgentIdentifier")
    sub(link, PREMIS, "linkingAgentIdentifierType", "software")
    sub(link, PREMIS, "linkingAgentIdentifierValue", agent.name)
    sub(link, PREMIS, "linkingAgentRole", "identifier")
    obj = sub(event, PREMIS, "linkingObjectIdentifier")
    sub(obj, PREMIS, "linkingObjectIdentifierType", "URL")
    sub(obj, PREMIS, "linkingObjectIdentifierValue", entry_name)


def _confidence_name(value: int | None) -> str:
    if value is None:
        return "UNKNOWN"
    try:
        return Confidence(value).name
    except ValueError:
        return str(value)


@dataclass(frozen=True)
class PremisFacts:
    """What restore takes from one bitstream's PREMIS."""

    size: int | None
    checksum: str | None
    checksum_algorithm: str | None
    original_name: str | None
    name: str | None
    version: str | None
    keys: tuple[FormatKey, ...]
    ident: Identification


def read_premis(root: etree._Element) -> PremisFacts:
    obj = root.find(q(PREMIS, "object"))
    chars = obj.find(q(PREMIS, "objectCharacteristics")) if obj is not None else None
    size = checksum = algorithm = name = version = None
    keys: list[FormatKey] = []
    if chars is not None:
        size_text = text_of(chars.find(q(PREMIS, "size")))
        size = int(size_text) if size_text and size_text.strip().isdigit() else None
        fixity = chars.find(q(PREMIS, "fixity"))
        if fixity is not None:
            algorithm = text_of(fixity.find(q(PREMIS, "messageDigestAlgorithm")))
            checksum = text_of(fixity.find(q(PREMIS, "messageDigest")))
        for fmt in chars.findall(q(PREMIS, "format")):
            designation = fmt.find(q(PREMIS, "formatDesignation"))
            if designation is not None and name is None:
                name = text_of(designation.find(q(PREMIS, "formatName")))
                version = text_of(designation.find(q(PREMIS, "formatVersion")))
            registry = fmt.find(q(PREMIS, "formatRegistry"))
            if registry is not None:
                ns = text_of(registry.find(q(PREMIS, "formatRegistryName")))
                key = text_of(registry.find(q(PREMIS, "formatRegistryKey")))
                if ns and key:
                    keys.append(FormatKey(ns.strip(), key.strip()))
    original = text_of(obj.find(q(PREMIS, "originalName"))) if obj is not None else None
    ident = Identification()
    for event in root.findall(q(PREMIS, "event")):
        if (text_of(event.find(q(PREMIS, "eventType"))) or "").strip() != EVENT_TYPE:
            continue
        notes: dict[str, str] = {}
        for note in event.iter(q(PREMIS, "eventOutcomeDetailNote")):
            label, sep, value = (note.text or "").partition("=")
            if sep:
                notes[label.strip()] = value
        confidence = None
        if "confidence" in notes:
            try:
                confidence = int(Confidence.parse(notes["confidence"]))
            except ValueError:
                confidence = int(notes["confidence"]) if notes["confidence"].isdigit() else None
        date_text = text_of(event.find(q(PREMIS, "eventDateTime")))
        date: datetime | None = None
        if date_text:
            try:
                date = parse_iso(date_text)
            except ValueError:
                date = None
        ident = Identification(confidence, notes.get("source"), notes.get("basis"),
                               notes.get("warning"), date)
        break
    return PremisFacts(size, checksum, algorithm, original, name, version, tuple(keys), ident)
