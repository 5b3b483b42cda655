"""The plain values the scanner passes around: options, archive caps, one result per row.

They sit in their own module so the walk, the archive expander, the scanner and the record
builder share them without importing each other in a circle, and so results pickle small on
their way back from worker processes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from formats.model import Match
from formats.walk import FILE

#: result kinds beyond the walk's FILE and FOLDER: an archive whose members follow it
CONTAINER = "container"

#: ``error_kind`` of trouble inside an archive: reported per row, but not an unreadable real
#: file, so it does not change the exit status
ARCHIVE_ERROR = "archive"


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps against hostile archives, per file named or found on disk (nested levels included).

    ``max_ratio`` is checked once a member has expanded past ``ratio_floor`` bytes, so a tiny
    member with a large header overhead is never refused.
    """

    max_members: int = 100_000
    max_expanded: int = 8 << 30
    max_ratio: float = 200.0
    max_depth: int = 16
    ratio_floor: int = 1 << 20
    #: members up to this size are identified from memory; larger ones spill to a private
    #: temporary file (never named after the member)
    in_memory: int = 8 << 20


@dataclass(frozen=True)
class ScanOptions:
    recursive: bool = True
    follow_symlinks: bool = False
    hash: str | None = None
    archives: bool = False
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    names: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class ScanResult:
    """One output row's facts: a file, a folder, an archive (CONTAINER) or an archive member.

    ``uri``/``droid_path`` are set for archive members (DROID's ``zip:file:/a.zip!/x``); for
    files on disk the record builder derives them from the absolute path.
    """

    filename: str
    name: str
    size: int | None
    mtime: float | None
    error: str = ""
    match: Match | None = None
    kind: str = FILE
    parent: str = ""
    error_kind: str = ""
    hash: str = ""
    uri: str = ""
    droid_path: str = ""


@dataclass
class ScanStats:
    """What the summary line on stderr counts; filled as the scan goes."""

    files: int = 0
    folders: int = 0
    members: int = 0
    unreadable: int = 0
    archive_errors: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, kind: str) -> None:
        self.skipped[kind] = self.skipped.get(kind, 0) + 1
