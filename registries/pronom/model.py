"""The parsed (not yet compiled) content of DROID signature and container signature files.

Plain frozen dataclasses so that the parsed form pickles small and fast into the user cache.
Byte patterns are kept as the DROID expression text they were written in (``Sequence``,
``LeftFragment``...); ``formats.signatures`` compiles them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: ``ByteSequence/@Reference`` values, normalised (re-exported)
from registries.pronom.references import BOF as BOF
from registries.pronom.references import EOF as EOF
from registries.pronom.references import VARIABLE as VARIABLE


@dataclass(frozen=True)
class Fragment:
    """A left or right fragment of a subsequence: alternatives share a ``position``."""

    position: int
    min_offset: int
    max_offset: int | None
    pattern: str


@dataclass(frozen=True)
class SubSequence:
    """One DROID SubSequence: an anchor ``sequence`` plus left/right fragments."""

    position: int
    min_offset: int
    max_offset: int | None
    sequence: str
    left: tuple[Fragment, ...] = ()
    right: tuple[Fragment, ...] = ()




@dataclass(frozen=True)
class ByteSequence:
    reference: str  # BOF, EOF or VAR
    subsequences: tuple[SubSequence, ...]
    line: int | None = None  # where it was written, for errors


@dataclass(frozen=True)
class InternalSignature:
    id: int
    sequences: tuple[ByteSequence, ...]
    generic: bool = False
    line: int | None = None  # where it was written, for errors


@dataclass(frozen=True)
class PronomFormat:
    """A ``FileFormat`` record of the signature file."""

    id: int
    puid: str
    name: str
    version: str | None
    mime_types: tuple[str, ...]
    extensions: tuple[str, ...]
    signature_ids: tuple[int, ...]
    priority_over: tuple[int, ...]  # FileFormat ids (not PUIDs), as written in the file


@dataclass
class SignatureFile:
    """A whole DROID binary signature file."""

    version: str  # "118"
    date: str | None
    formats: dict[str, PronomFormat]  # by PUID
    signatures: dict[int, InternalSignature]
    source: str = ""
    sha256: str = ""

    @property
    def label(self) -> str:
        """``V118`` — how the team writes the version."""
        return f"V{self.version}"

    def priorities(self) -> dict[str, frozenset[str]]:
        """PUID -> PUIDs it has priority over (DROID's HasPriorityOverFileFormatID)."""
        by_id = {f.id: f.puid for f in self.formats.values()}
        out: dict[str, frozenset[str]] = {}
        for fmt in self.formats.values():
            over = frozenset(by_id[i] for i in fmt.priority_over if i in by_id)
            if over:
                out[fmt.puid] = over
        return out


@dataclass(frozen=True)
class ContainerFileEntry:
    """A ``File`` of a container signature: a member path and optional byte signatures."""

    path: str
    signatures: tuple[InternalSignature, ...] = ()


@dataclass(frozen=True)
class ContainerSignature:
    id: int
    container_type: str  # "ZIP" or "OLE2"
    description: str
    files: tuple[ContainerFileEntry, ...]


@dataclass
class ContainerFile:
    """A whole container signature file."""

    version: str | None
    signatures: dict[int, ContainerSignature]
    mappings: dict[int, list[str]]  # container signature id -> PUIDs
    triggers: dict[str, str] = field(default_factory=dict)  # trigger PUID -> container type
    source: str = ""
    sha256: str = ""
