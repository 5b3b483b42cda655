"""DROID 6's CSV export, as DROID writes it (``ItemWriterImpl``, one row per format).

* 18 columns ``ID, PARENT_ID, URI, FILE_PATH, NAME, METHOD, STATUS, SIZE, TYPE, EXT,
  LAST_MODIFIED, EXTENSION_MISMATCH, HASH, FORMAT_COUNT, PUID, MIME_TYPE, FORMAT_NAME,
  FORMAT_VERSION``; every field quoted, LF line ends. With ``--hash`` the ``HASH`` header becomes
  ``MD5_HASH``, ``SHA256_HASH`` ... as DROID's export names it after the algorithm.
* Folders have rows (``TYPE`` ``Folder``, URI ending in ``/``, empty SIZE and FORMAT_COUNT), and
  every row's ``PARENT_ID`` is the ``ID`` of the folder (or archive, or folder inside an archive)
  that holds it; rows named on the command line have an empty ``PARENT_ID``.
* ``METHOD`` is DROID's vocabulary: ``Container``, ``Signature`` (a byte signature; a libmagic
  MIME match is one too), ``Extension``, or empty. DROID has no text method: a text answer is
  ``Extension`` when the name's extension supports it, as DROID would find it, else empty (the
  PUID is still bsf's answer).
* ``STATUS`` is ``Done``, or DROID's ``Not found`` / ``Access denied`` / ``Error``.
* ``TYPE`` is ``File``, ``Folder`` or ``Container`` (an archive opened with ``-z``).
* ``EXTENSION_MISMATCH`` is ``true``/``false`` (Java's Boolean text).
* ``FORMAT_COUNT``: ``1`` for an answer, ``0`` for none; an unknown file with extension
  candidates (``possibilities based on extension are ...``) gets one ``Extension`` row per
  candidate with their count, as DROID reports tentative extension hits. Empty for folders and
  for files that could not be read.
* ``PUID`` is the PRONOM identifier, or the full key (``DSpace:Text``) for other namespaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from reports.csv_writer import csv_rows
from reports.scan import CONTAINER, FOLDER, ScanHeader, ScanRow, droid_time

DROID_COLUMNS = ("ID", "PARENT_ID", "URI", "FILE_PATH", "NAME", "METHOD", "STATUS", "SIZE",
                 "TYPE", "EXT", "LAST_MODIFIED", "EXTENSION_MISMATCH", "HASH", "FORMAT_COUNT",
                 "PUID", "MIME_TYPE", "FORMAT_NAME", "FORMAT_VERSION")
_STATUS = {"": "Done", "not found": "Not found", "access denied": "Access denied"}


def droid_columns(hash_name: str = "") -> tuple[str, ...]:
    cols = list(DROID_COLUMNS)
    if hash_name:
        cols[12] = f"{hash_name.upper()}_HASH"
    return tuple(cols)


def droid_method(basis: str) -> str:
    """DROID's METHOD from a basis (sf's order of evidence; no ``Text`` in DROID)."""
    if "container" in basis:
        return "Container"
    if "byte match" in basis or "mime match" in basis:
        return "Signature"
    if "extension match" in basis:
        return "Extension"
    return ""


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot + 1:] if dot > 0 else ""


class DroidCsvWriter:
    """DROID's CSV export; ids in row order, parents looked up by the holder's filename."""

    def __init__(self, stream: TextIO, header: ScanHeader | None = None) -> None:
        self._csv = csv_rows(stream, terminator="\n", quote_all=True)  # bsfcore.csvtext
        self._hash = header.hash if header is not None else ""
        self._ids: dict[str, int] = {}
        self._next = 0
        self.rows = 0

    def head(self) -> None:
        self._csv.writerow(droid_columns(self._hash))

    def row(self, row: ScanRow) -> None:
        self._next += 1
        ident = self._next
        if row.kind in (FOLDER, CONTAINER):
            self._ids[row.filename] = ident
        parent = self._ids.get(row.parent, "") if row.parent else ""
        status = _STATUS.get(row.error_kind, "Error") if row.errors else "Done"
        modified = droid_time(row.mtime)
        size = "" if row.filesize is None or row.kind == FOLDER else str(row.filesize)
        common: list[object] = [ident, parent, row.uri, row.abspath, row.name]
        if row.kind == FOLDER:
            self._write(common, ["", status, "", "Folder", "", modified, "false", "", "",
                                  "", "", "", ""])
            return
        kind = "Container" if row.kind == CONTAINER else "File"
        ext = _extension(row.name)
        identified = bool(row.id) and row.id != "UNKNOWN"
        if not row.id:   # could not be read: no identification was attempted
            self._write(common, ["", status, size, kind, ext, modified, "false", "", "",
                                  "", "", "", ""])
            return
        mismatch = "true" if "extension mismatch" in row.warning else "false"
        digest = row.hash
        if identified:
            puid = row.id if row.namespace == "pronom" else row.key
            self._write(common, [droid_method(row.basis), status, size, kind, ext, modified,
                                  mismatch, digest, 1, puid, row.mime, row.format, row.version])
            return
        alternatives = list(row.alternatives)
        if not alternatives:
            self._write(common, ["", status, size, kind, ext, modified, mismatch, digest, 0,
                                  "", "", "", ""])
            return
        for alt in alternatives:
            self._write(common, ["Extension", status, size, kind, ext, modified, mismatch,
                                  digest, len(alternatives), alt.id, alt.mime, alt.format,
                                  alt.version])

    def _write(self, common: Sequence[object], rest: Sequence[object]) -> None:
        self._csv.writerow([*common, *rest])
        self.rows += 1

    def tail(self) -> None:
        pass
