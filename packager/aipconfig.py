"""The AIP keys of ``dspace.cfg``, read and checked once per run.

* ``aip.disseminate.<section> = [<mdType>:]<crosswalk>, ...`` — which crosswalks fill the
  manifest's ``dmdSec`` (``dmd``), ``techMD``, ``sourceMD``, ``digiprovMD`` and ``rightsMD``
  sections. The optional ``<mdType>`` labels the section (``MDTYPE`` when METS knows the name,
  else ``OTHER`` + ``OTHERMDTYPE``). Defaults are DSpace's.
* ``mets.dspaceAIP.ingest.crosswalk.<mdType> = <crosswalk>`` — which crosswalk an ingest reads a
  section of that ``MDTYPE``/``OTHERMDTYPE`` with; ``NIL`` or ``NULLSTREAM`` skips such
  sections (DSpace's way of not restoring, say, groups and people: ``DSPACE-ROLES = NIL``).
  Without a key a section is read by the crosswalk named like its type, as in DSpace.
* ``mets.dspaceAIP.ingest.createSubmitter`` (default ``false``) — on restore, create an e-person
  for an item's submitter that the archive does not have.

A key under these prefixes that bsf does not know, or a crosswalk it does not implement, is a
configuration error naming the file and line: a documented key must never be silently ignored.
The metadata-registry section (``DSPACE-METADATA-REGISTRY``, bsf's own) is always written when
an item uses metadata fields: it is what lets ``createMetadataFields`` recreate custom schemas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from bsfcore.errors import ConfigError
from bsfcore.settings import Settings

DISSEMINATE = "aip.disseminate."
INGEST = "mets.dspaceAIP.ingest."
CROSSWALK = INGEST + "crosswalk."
IGNORE = {"NIL", "NULLSTREAM", "NULL"}

#: crosswalks bsf writes, per manifest section
WRITERS = {
    "dmd": ("MODS", "DIM"),
    "techmd": ("PREMIS", "DSPACE-ROLES"),
    "sourcemd": ("AIP-TECHMD",),
    "digiprovmd": (),
    "rightsmd": ("METSRIGHTS", "DSPACE_DEPLICENSE", "DSPACE_CCRDF", "DSPACE_CCTEXT"),
}
SECTION_NAMES = {"dmd": "dmd", "techmd": "techMD", "sourcemd": "sourceMD",
                 "digiprovmd": "digiprovMD", "rightsmd": "rightsMD"}
DEFAULTS = {
    "dmd": "MODS, DIM",
    "techmd": "PREMIS, DSPACE-ROLES",
    "sourcemd": "AIP-TECHMD",
    "digiprovmd": "",
    "rightsmd": "DSpaceDepositLicense:DSPACE_DEPLICENSE, CreativeCommonsRDF:DSPACE_CCRDF, "
                "CreativeCommonsText:DSPACE_CCTEXT, METSRights",
}
#: the section label DSpace gives each crosswalk when the setting names none
DEFAULT_LABELS = {"METSRIGHTS": "METSRIGHTS", "DSPACE_DEPLICENSE": "DSpaceDepositLicense",
                  "DSPACE_CCRDF": "CreativeCommonsRDF", "DSPACE_CCTEXT": "CreativeCommonsText"}
#: crosswalks an ingest can read sections with (bsf's own registry block included)
READERS = {"MODS", "DIM", "PREMIS", "DSPACE-ROLES", "METSRIGHTS", "AIP-TECHMD",
           "DSPACE-METADATA-REGISTRY"}
#: license sections are references to the LICENSE / CC-LICENSE bundles, which restore the
#: licenses themselves: they can only be skipped
LICENSE_TYPES = {"DSPACEDEPOSITLICENSE", "CREATIVECOMMONSRDF", "CREATIVECOMMONSTEXT"}
#: METS 1.12's MDTYPE values: a label among them is written as MDTYPE, others as OTHERMDTYPE
METS_MDTYPES = {"MARC", "MODS", "EAD", "DC", "NISOIMG", "LC-AV", "VRA", "TEIHDR", "DDI", "FGDC",
                "LOM", "PREMIS", "PREMIS:OBJECT", "PREMIS:AGENT", "PREMIS:RIGHTS",
                "PREMIS:EVENT", "TEXTMD", "METSRIGHTS", "ISO 19115:2003 NAP", "EAC-CPF",
                "LIDO"}


class MdSection(NamedTuple):
    """One crosswalk of an ``aip.disseminate`` setting and the label its section carries."""

    label: str
    crosswalk: str

    @property
    def standard(self) -> bool:
        """True when the label is one of METS's MDTYPE values."""
        return self.label.upper() in METS_MDTYPES


@dataclass(frozen=True)
class Dissemination:
    """What export writes (``aip.disseminate.*``)."""

    dmd: tuple[MdSection, ...]
    techmd: tuple[MdSection, ...]
    sourcemd: tuple[MdSection, ...]
    digiprovmd: tuple[MdSection, ...]
    rightsmd: tuple[MdSection, ...]

    def label(self, section: str, crosswalk: str) -> MdSection | None:
        """The configured entry of ``crosswalk`` in ``section``, or None when not written."""
        return next((s for s in getattr(self, section) if s.crosswalk == crosswalk), None)


@dataclass(frozen=True)
class IngestCrosswalks:
    """How ingest reads each metadata section (``mets.dspaceAIP.ingest.*``)."""

    mapping: dict[str, str | None] = field(default_factory=dict)
    create_submitter: bool = False

    def crosswalk(self, mdtype: str) -> str | None:
        """The crosswalk for a section of ``mdtype``; None = skip it."""
        key = mdtype.upper()
        if key in self.mapping:
            return self.mapping[key]
        return key


def _where(settings: Settings, key: str) -> tuple[str | None, int | None]:
    path, line = settings.properties.where(key)
    return path, line


def _parse_section(settings: Settings | None, section: str) -> tuple[MdSection, ...]:
    key = None
    value = DEFAULTS[section]
    if settings is not None:
        for candidate in settings.properties:
            if candidate.lower() == DISSEMINATE + section:
                key, value = candidate, settings.properties[candidate]
    entries: list[MdSection] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        label, sep, name = part.rpartition(":") if ":" in part else ("", "", part)
        crosswalk = name.strip().upper()
        if crosswalk not in WRITERS[section]:
            path, line = _where(settings, key) if settings is not None and key else (None, None)
            known = ", ".join(WRITERS[section]) or "none"
            raise ConfigError.at(path or "aip.disseminate", line,
                                 f"aip.disseminate.{SECTION_NAMES[section]}: bsf has no "
                                 f"crosswalk {name.strip()!r} for this section (known: {known})")
        label = label.strip() if sep else DEFAULT_LABELS.get(crosswalk, crosswalk)
        entries.append(MdSection(label, crosswalk))
    return tuple(entries)


def dissemination(settings: Settings | None) -> Dissemination:
    """The ``aip.disseminate.*`` settings (DSpace's defaults where unset), checked."""
    if settings is not None:
        for key in settings.properties:
            if key.lower().startswith(DISSEMINATE) and \
                    key.lower()[len(DISSEMINATE):] not in WRITERS:
                path, line = _where(settings, key)
                raise ConfigError.at(path, line, f"unknown AIP setting {key!r} (known: "
                                     + ", ".join(DISSEMINATE + n for n in SECTION_NAMES.values())
                                     + ")")
    return Dissemination(*(_parse_section(settings, s) for s in
                           ("dmd", "techmd", "sourcemd", "digiprovmd", "rightsmd")))


def ingest_crosswalks(settings: Settings | None) -> IngestCrosswalks:
    """The ``mets.dspaceAIP.ingest.*`` settings, checked."""
    mapping: dict[str, str | None] = dict.fromkeys(LICENSE_TYPES)  # DSpace's NULLSTREAM defaults
    create = False
    if settings is None:
        return IngestCrosswalks(mapping)
    for key in settings.properties:
        lowered = key.lower()
        if not lowered.startswith(INGEST.lower()):
            continue
        path, line = _where(settings, key)
        value = settings.properties[key].strip()
        if lowered == (INGEST + "createSubmitter").lower():
            if value.lower() not in ("true", "false"):
                raise ConfigError.at(path, line, f"{key}: expected true or false")
            create = value.lower() == "true"
            continue
        if not lowered.startswith(CROSSWALK.lower()):
            raise ConfigError.at(path, line, f"unknown AIP ingest setting {key!r} (known: "
                                 f"{CROSSWALK}<mdType>, {INGEST}createSubmitter)")
        mdtype = key[len(CROSSWALK):].strip().upper()
        crosswalk = value.upper()
        if crosswalk in IGNORE:
            mapping[mdtype] = None
        elif mdtype in LICENSE_TYPES:
            raise ConfigError.at(path, line, f"{key}: license sections can only be skipped "
                                 "(NULLSTREAM or NIL); the LICENSE and CC-LICENSE bundles "
                                 "restore the licenses")
        elif crosswalk not in READERS:
            raise ConfigError.at(path, line, f"{key}: bsf has no ingest crosswalk {value!r} "
                                 f"(known: {', '.join(sorted(READERS))}, NIL, NULLSTREAM)")
        else:
            mapping[mdtype] = crosswalk
    return IngestCrosswalks(mapping, create)


__all__ = ["Dissemination", "IngestCrosswalks", "MdSection", "dissemination",
           "ingest_crosswalks"]
