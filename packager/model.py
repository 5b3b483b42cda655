"""The in-memory picture of one archival object, shared by export and ingest.

Export reads the archive into these records (:mod:`packager.reading`) and writes them as METS
(:mod:`packager.mets_write`); ingest parses METS back into the same records
(:mod:`packager.mets_read`) and writes them into the archive (:mod:`packager.writing`). Because
both directions go through one model, a round trip can only lose what the model cannot hold.
Nothing here holds a database id of the *target* archive: ids are the source archive's, kept
so that a restore into an empty archive can reuse them and a re-export is byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from registries.model import FormatKey

SITE_T, COMMUNITY_T, COLLECTION_T, ITEM_T = "SITE", "COMMUNITY", "COLLECTION", "ITEM"

#: DSpace 1.5's ``Constants.actionText``: resourcepolicy.action_id -> name.
ACTIONS: tuple[str, ...] = (
    "READ", "WRITE", "DELETE", "ADD", "REMOVE", "WORKFLOW_STEP_1", "WORKFLOW_STEP_2",
    "WORKFLOW_STEP_3", "WORKFLOW_ABORT", "DEFAULT_BITSTREAM_READ", "DEFAULT_ITEM_READ", "ADMIN",
)

#: The fixed time DSpace gives zip entries and events it has no date for (2002-11-04T00:00Z).
DEFAULT_DATE = datetime(2002, 11, 4, tzinfo=UTC)

#: Collection columns naming a group, and the role name DSPACE-ROLES uses for each.
COLLECTION_ROLES: tuple[tuple[str, str], ...] = (
    ("admin", "ADMIN"), ("submitter", "SUBMIT"), ("workflow_step_1", "WORKFLOW_STEP_1"),
    ("workflow_step_2", "WORKFLOW_STEP_2"), ("workflow_step_3", "WORKFLOW_STEP_3"),
)


def utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetime; a naive value (SQLite) is taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    """xsd:dateTime in UTC with a ``Z``; microseconds only when present (exact round trip)."""
    text = utc(value).isoformat()  # type: ignore[union-attr]
    return text.replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return utc(value)  # type: ignore[return-value]


@dataclass(frozen=True)
class MetadataValue:
    schema: str
    element: str
    qualifier: str | None
    value: str
    lang: str | None = None

    @property
    def field_name(self) -> str:
        return ".".join(p for p in (self.schema, self.element, self.qualifier) if p)


@dataclass(frozen=True)
class SchemaDef:
    """A metadata schema (prefix + namespace) so a custom schema can travel with the AIP."""

    prefix: str
    namespace: str


@dataclass(frozen=True)
class FieldDef:
    schema: str
    element: str
    qualifier: str | None
    scope_note: str | None = None


@dataclass(frozen=True)
class FormatInfo:
    """The bitstream's format as the archive caches it, plus its external keys."""

    short_description: str
    mimetype: str | None = None
    description: str | None = None
    support_level: int = 0
    internal: bool = False
    extensions: tuple[str, ...] = ()
    keys: tuple[FormatKey, ...] = ()
    name: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class Identification:
    """How the renovated model came to its format: the bitstream's format_* columns."""

    confidence: int | None = None
    source: str | None = None
    basis: str | None = None
    warning: str | None = None
    date: datetime | None = None


@dataclass(frozen=True)
class Policy:
    """One resourcepolicy row, by group name or eperson email (never ids)."""

    action: str
    group: str | None = None
    eperson: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def sort_key(self) -> tuple[str, ...]:
        return (self.action, self.group or "", self.eperson or "",
                iso(self.start) if self.start else "", iso(self.end) if self.end else "")


@dataclass
class BitstreamRec:
    id: int
    name: str | None
    size: int
    checksum: str | None
    checksum_algorithm: str | None = "MD5"
    sequence_id: int | None = None
    source: str | None = None
    description: str | None = None
    user_format_description: str | None = None
    format: FormatInfo | None = None
    ident: Identification = field(default_factory=Identification)
    policies: list[Policy] = field(default_factory=list)
    # export side: where the bytes are; ingest side: the zip entry
    internal_id: str | None = None
    store_number: int | None = None
    entry_name: str | None = None

    @property
    def file_id(self) -> str:
        return f"bitstream_{self.id}"


@dataclass
class BundleRec:
    name: str
    bitstreams: list[BitstreamRec] = field(default_factory=list)
    primary_bitstream_id: int | None = None
    policies: list[Policy] = field(default_factory=list)
    id: int | None = None


@dataclass(frozen=True)
class PersonRec:
    email: str
    firstname: str | None = None
    lastname: str | None = None
    netid: str | None = None
    phone: str | None = None
    language: str | None = None
    can_log_in: bool | None = None
    require_certificate: bool | None = None
    self_registered: bool | None = None
    password: str | None = None


@dataclass
class GroupRec:
    name: str
    members: list[str] = field(default_factory=list)  # emails
    role: str | None = None  # for a collection's own groups: ADMIN, SUBMIT, WORKFLOW_STEP_n


@dataclass
class Roles:
    """DSPACE-ROLES content: groups with their members, and the people they name."""

    groups: list[GroupRec] = field(default_factory=list)
    people: list[PersonRec] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.groups or self.people)


@dataclass(frozen=True)
class ChildRef:
    type_name: str
    handle: str | None
    object_id: int
    package_name: str


@dataclass
class ArchiveObject:
    """Everything one AIP says about one SITE / COMMUNITY / COLLECTION / ITEM."""

    type_name: str
    id: int
    handle: str | None
    site_handle: str
    parent_handle: str | None = None
    other_parents: list[str] = field(default_factory=list)
    metadata: list[MetadataValue] = field(default_factory=list)
    schemas: list[SchemaDef] = field(default_factory=list)
    fields: list[FieldDef] = field(default_factory=list)
    bundles: list[BundleRec] = field(default_factory=list)
    logo: BitstreamRec | None = None
    children: list[ChildRef] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    roles: Roles = field(default_factory=Roles)
    submitter: str | None = None
    withdrawn: bool = False
    last_modified: datetime | None = None
    #: a collection's item template: its metadata (None: the collection has no template)
    template: list[MetadataValue] | None = None
    #: ingest only: crosswalks whose sections the configuration said to skip (NIL)
    ignored: set[str] = field(default_factory=set)

    def bitstreams(self) -> list[BitstreamRec]:
        found = [b for bundle in self.bundles for b in bundle.bitstreams]
        if self.logo is not None:
            found.append(self.logo)
        return found
