"""What the ``bsf identify`` writers read: one row's attributes and the run's header block.

The writers themselves are in :mod:`reports.sf_writers` (siegfried 1.11's CSV, JSON and YAML)
and :mod:`reports.droid_writer` (DROID 6's CSV). They stream: ``head()`` once, ``row(record)``
per row, ``tail()`` once. A record is any object with the attributes of :class:`ScanRow`
(``formats.records.ScanRecord`` is one); this package does not import the identification code.

Times: sf writes ``modified`` as RFC 3339 in local time (``Z`` for UTC, as Go does); DROID's
``LAST_MODIFIED`` is ISO local time without a zone (``yyyy-MM-ddTHH:mm:ss``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol

FILE, FOLDER, CONTAINER = "file", "folder", "container"

#: siegfried 1.11's per-file fields, before the optional hash column and the match fields
SF_FILE_FIELDS = ("filename", "filesize", "modified", "errors")
#: siegfried 1.11's match fields (with a PRONOM signature file built with classes)
SF_MATCH_FIELDS = ("namespace", "id", "format", "version", "mime", "class", "basis", "warning")
#: bsf's additions, trailing so a reader of sf's layout is not disturbed
EXTRA_FIELDS = ("confidence", "source")
SF_COLUMNS = SF_FILE_FIELDS + SF_MATCH_FIELDS + EXTRA_FIELDS


class AltRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def mime(self) -> str: ...


class ScanRow(Protocol):
    """What a writer reads from a record (``formats.records.ScanRecord`` has all of it)."""

    @property
    def filename(self) -> str: ...
    @property
    def abspath(self) -> str: ...
    @property
    def uri(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def parent(self) -> str: ...
    @property
    def filesize(self) -> int | None: ...
    @property
    def mtime(self) -> float | None: ...
    @property
    def errors(self) -> str: ...
    @property
    def error_kind(self) -> str: ...
    @property
    def hash(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def mime(self) -> str: ...
    @property
    def format_class(self) -> str: ...
    @property
    def basis(self) -> str: ...
    @property
    def warning(self) -> str: ...
    @property
    def confidence(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def alternatives(self) -> Sequence[AltRow]: ...


class IdentifierInfo(NamedTuple):
    """One entry of sf's ``identifiers`` header list."""

    name: str
    details: str


@dataclass(frozen=True)
class ScanHeader:
    """sf's header block: who scanned (``siegfried`` key), when, and with which signature data.

    ``tool`` names bsf (``bsf 0.1.0``) in sf's ``siegfried`` slot; ``signature`` is the
    signature file's name and ``created`` its date; ``hash`` the ``--hash`` algorithm or "".
    """

    tool: str
    signature: str = ""
    created: str = ""
    identifiers: tuple[IdentifierInfo, ...] = ()
    hash: str = ""
    scandate: str = field(default_factory=lambda: rfc3339(datetime.now().timestamp()))


def rfc3339(mtime: float | None) -> str:
    """Local time in RFC 3339 as Go formats it (``Z`` for UTC)."""
    if mtime is None:
        return ""
    text = datetime.fromtimestamp(mtime).astimezone().isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def droid_time(mtime: float | None) -> str:
    return "" if mtime is None else datetime.fromtimestamp(mtime).isoformat(timespec="seconds")

