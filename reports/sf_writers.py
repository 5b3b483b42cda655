"""siegfried 1.11's CSV, JSON and YAML layouts, with bsf's extras trailing.

Field names, order and spelling are sf's (``pkg/writer/writer.go``): the file fields
``filename, filesize, modified, errors``, then (with ``--hash``) a field named after the
algorithm (``md5`` ... ``crc``), then the match fields ``namespace`` (``ns`` in JSON and YAML),
``id, format, version, mime, class, basis, warning``; bsf adds ``confidence`` and ``source`` after
them. The header block (JSON/YAML) has sf's keys ``siegfried, scandate, signature, created,
identifiers`` in sf's order. Folder rows are not written (sf writes them only with ``-droid``).

Deliberate differences, all in the direction of valid output: JSON is written with :mod:`json`
(sf's hand-built JSON has broken on control characters and backslashes); a YAML value that sf
would single-quote is single-quoted, but one with control or line-break characters is written
as a double-quoted, escaped scalar (valid YAML for any name). A size sf cannot know is 0, as sf.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import TextIO

from reports.csv_writer import csv_rows
from reports.scan import (
    EXTRA_FIELDS,
    FOLDER,
    SF_FILE_FIELDS,
    SF_MATCH_FIELDS,
    ScanHeader,
    ScanRow,
    rfc3339,
)


def sf_columns(hash_name: str = "") -> tuple[str, ...]:
    """The CSV header: sf's columns (hash column when hashing), then bsf's extras."""
    return SF_FILE_FIELDS + ((hash_name,) if hash_name else ()) + SF_MATCH_FIELDS + EXTRA_FIELDS


def _match_values(row: ScanRow) -> tuple[str, ...]:
    return (row.namespace, row.id, row.format, row.version, row.mime, row.format_class,
            row.basis, row.warning, row.confidence, row.source)


_MATCH_KEYS = ("ns", *SF_MATCH_FIELDS[1:], *EXTRA_FIELDS)


class SfCsvWriter:
    """sf's CSV: LF line ends, quotes only where needed (RFC 4180), one row per file."""

    def __init__(self, stream: TextIO, header: ScanHeader | None = None) -> None:
        self._csv = csv_rows(stream, terminator="\n")  # CR quoted too (bsfcore.csvtext)
        self._hash = header.hash if header is not None else ""
        self.rows = 0

    def head(self) -> None:
        self._csv.writerow(sf_columns(self._hash))

    def row(self, row: ScanRow) -> None:
        if row.kind == FOLDER:
            return
        values: list[str] = [row.filename, str(row.filesize or 0), rfc3339(row.mtime),
                             row.errors]
        if self._hash:
            values.append(row.hash if row.id else "")
        values.extend(_match_values(row) if row.id else ("",) * len(_MATCH_KEYS))
        self._csv.writerow(values)
        self.rows += 1

    def tail(self) -> None:
        pass


def _file_object(row: ScanRow, hash_name: str) -> dict[str, object]:
    out: dict[str, object] = {"filename": row.filename, "filesize": row.filesize or 0,
                              "modified": rfc3339(row.mtime), "errors": row.errors}
    if hash_name:
        out[hash_name] = row.hash if row.id else ""
    out["matches"] = [dict(zip(_MATCH_KEYS, _match_values(row), strict=True))] if row.id else []
    return out


class SfJsonWriter:
    """One JSON document, streamed: sf's header keys, then ``files`` one per line."""

    def __init__(self, stream: TextIO, header: ScanHeader) -> None:
        self._stream = stream
        self._header = header
        self.rows = 0

    def head(self) -> None:
        h = self._header
        head = {"siegfried": h.tool, "scandate": h.scandate, "signature": h.signature,
                "created": h.created,
                "identifiers": [{"name": i.name, "details": i.details} for i in h.identifiers]}
        text = json.dumps(head, ensure_ascii=False)
        self._stream.write(text[:-1] + ', "files": [')

    def row(self, row: ScanRow) -> None:
        if row.kind == FOLDER:
            return
        self._stream.write(("\n" if self.rows == 0 else ",\n")
                           + json.dumps(_file_object(row, self._header.hash), ensure_ascii=False))
        self.rows += 1

    def tail(self) -> None:
        self._stream.write("\n]}\n")


_PRINTABLE_ASCII = re.compile("[\t\x20-\x7e]*")


@cache
def _printable() -> re.Pattern[str]:
    """YAML's printable characters. Compiling this class costs about 3 ms, a tenth of
    ``bsf identify ONE_FILE``'s own work, so it is compiled for the first non-ASCII value only."""
    return re.compile("[\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
                      "\U00010000-\U0010ffff]*")
_BARE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._:+/-]*")


def quoted(value: str) -> str:
    """sf's YAML scalar: nothing for "", '...' with '' doubled, else an escaped "..." form."""
    if value == "":
        return ""
    if (_PRINTABLE_ASCII if value.isascii() else _printable()).fullmatch(value):
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=True)


def _bare(value: str) -> str:
    """A header value sf writes unquoted (version, dates, file name), quoted only if it must be."""
    return value if not value or _BARE.fullmatch(value) else quoted(value)


class YamlWriter:
    """sf's YAML: a header document, then one document per file, sf's padding and quoting."""

    def __init__(self, stream: TextIO, header: ScanHeader) -> None:
        self._stream = stream
        self._header = header
        width = max(len(k) for k in _MATCH_KEYS)
        self._keys = [k.ljust(width) for k in _MATCH_KEYS]
        self.rows = 0

    def head(self) -> None:
        h = self._header
        lines = ["---", f"siegfried   : {_bare(h.tool)}", f"scandate    : {_bare(h.scandate)}",
                 f"signature   : {_bare(h.signature)}", f"created     : {_bare(h.created)}",
                 "identifiers : "]
        for ident in h.identifiers:
            lines += [f"  - name    : {quoted(ident.name) or chr(39) * 2}",
                      f"    details : {quoted(ident.details) or chr(39) * 2}"]
        self._stream.write("\n".join(lines) + "\n")

    def row(self, row: ScanRow) -> None:
        if row.kind == FOLDER:
            return
        lines = ["---", f"filename : {quoted(row.filename) or chr(39) * 2}",
                 f"filesize : {row.filesize or 0}", f"modified : {rfc3339(row.mtime)}",
                 f"errors   : {quoted(row.errors)}"]
        if self._header.hash:
            lines.append(f"{self._header.hash:<8} : {row.hash if row.id else ''}")
        lines.append("matches  :")
        if row.id:
            for i, (key, value) in enumerate(zip(self._keys, _match_values(row), strict=True)):
                lines.append(f"  {'- ' if i == 0 else '  '}{key} : {quoted(value)}")
        self._stream.write("\n".join(lines) + "\n")
        self.rows += 1

    def tail(self) -> None:
        pass
