"""Writers for ``bsf identify``: siegfried-compatible CSV / JSON / YAML and DROID's 18-column CSV.

They stream: ``head()`` once, ``row(record)`` per file, ``tail()`` once. A record is any object
with the attributes of :class:`ScanRow` (``formats.scan.ScanRecord`` is one); this package does
not import the identification code.

Choices, and why:

* **sf CSV** columns are exactly ``filename, filesize, modified, errors, namespace, id, format,
  version, mime, basis, warning`` so brunnhilde-style tools that load sf's CSV by position keep
  working. LF line ends (as sf writes), RFC 4180 quoting for commas, quotes and newlines.
  An unidentified file has ``id`` ``UNKNOWN`` and an empty ``namespace``; a file that could not
  be read has empty match columns and its error in ``errors``.
* **sf JSON**: ``{"bsf", "scandate", "identifiers", "files": [{filename, filesize, modified,
  errors, matches: [{ns, namespace, id, format, version, mime, basis, warning, confidence,
  source}]}]}``. ``ns`` is sf's spelling, ``namespace`` ours; ``confidence`` and ``source`` are
  additions JSON readers may ignore. Written with :mod:`json`, never by hand (sf's hand-built
  JSON has broken on control characters and backslashes).
* **YAML** (the default): one document per file in sf's layout, every string a JSON-quoted
  scalar (valid YAML, safe for any name), including confidence and source.
* **DROID CSV**: DROID's 18 columns, every field quoted as DROID does. ``PUID`` is the PRONOM
  identifier, or the full key (``DSpace:Text``) for other namespaces; ``METHOD`` is Container,
  Signature, Extension or Text from the basis; ``URI`` is ``file:`` plus the percent-encoded
  absolute path (exact, even for non-UTF-8 names); ``HASH`` is empty (none computed);
  ``PARENT_ID`` is empty (folders get no rows).
* ``modified`` is local time in RFC 3339 (sf); DROID's ``LAST_MODIFIED`` is ISO local time.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Protocol, TextIO

from reports.csv_writer import csv_rows

SF_COLUMNS = ("filename", "filesize", "modified", "errors", "namespace", "id", "format",
              "version", "mime", "basis", "warning")
DROID_COLUMNS = ("ID", "PARENT_ID", "URI", "FILE_PATH", "NAME", "METHOD", "STATUS", "SIZE",
                 "TYPE", "EXT", "LAST_MODIFIED", "EXTENSION_MISMATCH", "HASH", "FORMAT_COUNT",
                 "PUID", "MIME_TYPE", "FORMAT_NAME", "FORMAT_VERSION")


class ScanRow(Protocol):
    """What a writer reads from a record (``formats.scan.ScanRecord`` has all of it)."""

    @property
    def filename(self) -> str: ...
    @property
    def abspath(self) -> str: ...
    @property
    def uri(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def filesize(self) -> int | None: ...
    @property
    def mtime(self) -> float | None: ...
    @property
    def errors(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def mime(self) -> str: ...
    @property
    def basis(self) -> str: ...
    @property
    def warning(self) -> str: ...
    @property
    def confidence(self) -> str: ...
    @property
    def source(self) -> str: ...


def rfc3339(mtime: float | None) -> str:
    if mtime is None:
        return ""
    return datetime.fromtimestamp(mtime).astimezone().isoformat(timespec="seconds")


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _size(row: ScanRow) -> str:
    return "" if row.filesize is None else str(row.filesize)


class SfCsvWriter:
    def __init__(self, stream: TextIO) -> None:
        self._csv = csv_rows(stream, terminator="\n")
        self.rows = 0

    def head(self) -> None:
        self._csv.writerow(SF_COLUMNS)

    def row(self, row: ScanRow) -> None:
        self._csv.writerow((row.filename, _size(row), rfc3339(row.mtime), row.errors,
                            row.namespace, row.id, row.format, row.version, row.mime, row.basis,
                            row.warning))
        self.rows += 1

    def tail(self) -> None:
        pass


def _match(row: ScanRow) -> dict[str, str]:
    return {"ns": row.namespace, "namespace": row.namespace, "id": row.id, "format": row.format,
            "version": row.version, "mime": row.mime, "basis": row.basis,
            "warning": row.warning, "confidence": row.confidence, "source": row.source}


def _file(row: ScanRow) -> dict[str, object]:
    return {"filename": row.filename, "filesize": row.filesize, "modified": rfc3339(row.mtime),
            "errors": row.errors, "matches": [_match(row)] if row.id else []}


class _DocumentWriter:
    """A writer whose header names bsf's version and the identifiers that ran."""

    def __init__(self, stream: TextIO, *, version: str, identifiers: list[tuple[str, str]]
                 ) -> None:
        self._stream = stream
        self._version = version
        self._identifiers = identifiers
        self.rows = 0


class SfJsonWriter(_DocumentWriter):
    """One JSON document, streamed: the header object, then each file as it comes."""

    def head(self) -> None:
        head = {"bsf": self._version, "scandate": _now(),
                "identifiers": [{"name": n, "details": d} for n, d in self._identifiers]}
        text = json.dumps(head, ensure_ascii=False)
        self._stream.write(text[:-1] + ', "files": [')

    def row(self, row: ScanRow) -> None:
        self._stream.write(("\n" if self.rows == 0 else ",\n")
                           + json.dumps(_file(row), ensure_ascii=False))
        self.rows += 1

    def tail(self) -> None:
        self._stream.write("\n]}\n")


def _y(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else (
        "null" if value is None else str(value))


class YamlWriter(_DocumentWriter):
    """sf's YAML layout; every scalar JSON-quoted (JSON strings are valid YAML)."""

    def head(self) -> None:
        lines = ["---", f"bsf         : {_y(self._version)}", f"scandate    : {_y(_now())}",
                 "identifiers :"]
        for name, details in self._identifiers:
            lines += [f"  - name    : {_y(name)}", f"    details : {_y(details)}"]
        self._stream.write("\n".join(lines) + "\n")

    def row(self, row: ScanRow) -> None:
        lines = ["---", f"filename : {_y(row.filename)}", f"filesize : {_y(row.filesize)}",
                 f"modified : {_y(rfc3339(row.mtime))}", f"errors   : {_y(row.errors)}"]
        if row.id:
            match = _match(row)
            del match["namespace"]
            lines.append("matches  :")
            for i, (k, v) in enumerate(match.items()):
                lines.append(f"  {'- ' if i == 0 else '  '}{k:<10} : {_y(v)}")
        else:
            lines.append("matches  : []")
        self._stream.write("\n".join(lines) + "\n")
        self.rows += 1

    def tail(self) -> None:
        pass


def _method(row: ScanRow) -> str:
    basis = row.basis
    if not row.id or row.id == "UNKNOWN":
        return ""
    if basis.startswith("container"):
        return "Container"
    if row.confidence == "EXTENSION":
        return "Extension"
    if "byte match" in basis or "mime match" in basis:
        return "Signature"
    return "Text"


class DroidCsvWriter:
    """DROID's CSV export: 18 columns, one row per file, every field quoted."""

    def __init__(self, stream: TextIO) -> None:
        self._csv = csv_rows(stream, terminator="\n", quote_all=True)
        self.rows = 0

    def head(self) -> None:
        self._csv.writerow(DROID_COLUMNS)

    def row(self, row: ScanRow) -> None:
        self.rows += 1
        identified = bool(row.id) and row.id != "UNKNOWN"
        puid = (row.id if row.namespace == "PRONOM" else f"{row.namespace}:{row.id}") \
            if identified else ""
        name = row.name
        dot = name.rfind(".")
        ext = name[dot + 1:].lower() if dot > 0 else ""
        modified = (datetime.fromtimestamp(row.mtime).isoformat(timespec="seconds")
                    if row.mtime is not None else "")
        self._csv.writerow((
            self.rows, "", row.uri, row.abspath, name, _method(row),
            row.errors or "Done", _size(row), "File", ext, modified,
            "TRUE" if "extension mismatch" in row.warning else "FALSE", "",
            1 if identified else 0, puid, row.mime if identified else "",
            row.format if identified else "", row.version if identified else ""))

    def tail(self) -> None:
        pass
