"""CSVIdentifier: text whose records all have the same number of fields is CSV (PRONOM x-fmt/18).

PRONOM cannot sign CSV, and ``csv.Sniffer`` guesses a dialect for almost anything. We ask for
real tabular evidence instead, on the first :data:`CSV_WINDOW` bytes:

* one delimiter (``,`` ``;`` ``|`` or tab) that appears on the first line;
* at least 2 fields and 2 records when the name ends ``.csv``/``.tsv``; otherwise at least 3
  records and either 3 fields or 5 records (tiny files are weak evidence);
* every record parses (RFC 4180 quoting, embedded newlines allowed) with the *same* field count;
* it does not read like prose (most fields after a delimiter start with a space and a word)
  or like code (fields with unbalanced brackets: argument lists split at their commas).

Tab-separated data answers PRONOM x-fmt/13 (TSV) when a registry has it; otherwise nothing.
"""

from __future__ import annotations

import csv
import io

from formats.identifiers.refiner import ContentRefiner, resolve_format
from formats.identifiers.textclass import decode_text
from formats.model import Sample
from registries.model import FormatKey, RegistrySet

CSV_WINDOW = 16 * 1024
TABULAR_NAME_WINDOW = 2048
MAX_RECORDS = 2000
#: records the prose/code tests look at (enough to judge, cheap on wide files)
_JUDGED_ROWS = 100
_DELIMITERS = (",", ";", "\t", "|")
_TABULAR_EXTENSIONS = frozenset({"csv", "tsv", "tab"})
_BRACKETS = (("(", ")"), ("[", "]"), ("{", "}"))


def _records(text: str, delimiter: str, truncated: bool) -> list[list[str]] | None:
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= MAX_RECORDS:
                return rows
    except csv.Error:
        if not truncated:
            return None
    if truncated and rows:
        rows.pop()          # the window cut the last record
    while rows and not rows[-1]:
        rows.pop()          # trailing blank lines
    return rows


def _ragged_without_quotes(body: str, delimiter: str, truncated: bool) -> bool:
    """True when ``body`` has no quote character and its lines do not all have the same number
    of ``delimiter``s: then no parse can make the records equally wide, and ``str.count`` per
    line (C speed) says so without building a row list (source code with commas on its first
    line is the usual case)."""
    if '"' in body:
        return False
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n", MAX_RECORDS + 1)
    lines = lines[:MAX_RECORDS]
    if truncated and len(lines) > 1:
        lines.pop()
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        return False
    width = lines[0].count(delimiter)
    return any(line.count(delimiter) != width for line in lines)


def _looks_like_prose(rows: list[list[str]]) -> bool:
    """Most fields after a delimiter start with a space and a word: commas in sentences."""
    later = [f for row in rows for f in row[1:] if f]
    spaced = sum(1 for f in later if f[0] == " " and any(c.isalpha() for c in f))
    return bool(later) and spaced * 5 > len(later) * 3


def _looks_like_code(rows: list[list[str]]) -> bool:
    """Unquoted fields with unbalanced brackets: argument lists split at their commas."""
    fields = [f for row in rows for f in row]
    unbalanced = sum(1 for f in fields if any(f.count(a) != f.count(b) for a, b in _BRACKETS))
    return unbalanced * 5 > len(fields)


def _enough(width: int, records: int, tabular_name: bool) -> bool:
    """Small files need more evidence unless their name already says CSV/TSV."""
    if width < 2 or records < 2:
        return False
    return tabular_name or (records >= 3 and (width >= 3 or records >= 5))


def csv_shape(text: str, *, truncated: bool = False, tabular_name: bool = False
              ) -> tuple[str, int, int] | None:
    """(delimiter, fields, records) when ``text`` is consistent delimited data, else None."""
    body = text.lstrip("\ufeff")
    if not body.strip() or body.lstrip()[:1] in ("<", "{", "["):
        return None
    first_line = body.split("\n", 1)[0]
    for delimiter in _DELIMITERS:
        if delimiter not in first_line or _ragged_without_quotes(body, delimiter, truncated):
            continue
        rows = _records(body, delimiter, truncated)
        if not rows:
            continue
        width = len(rows[0])
        if not _enough(width, len(rows), tabular_name):
            continue
        if any(len(row) != width for row in rows):
            continue
        head = rows[:_JUDGED_ROWS]
        if _looks_like_prose(head) or _looks_like_code(head):
            continue
        return delimiter, width, len(rows)
    return None


class CSVIdentifier(ContentRefiner):
    PUID = "PRONOM:x-fmt/18"
    MIMES = ("text/csv", "text/comma-separated-values")

    def __init__(self, name: str, registries: RegistrySet, **kwargs: object) -> None:
        super().__init__(name, registries, **kwargs)  # type: ignore[arg-type]
        self.tsv_key = resolve_format(registries, "PRONOM:x-fmt/13",
                                      ("text/tab-separated-values",))

    @property
    def answer_keys(self) -> tuple[FormatKey | None, ...]:
        return (self.key, self.tsv_key)

    def detect(self, sample: Sample, cls: str) -> tuple[FormatKey | None, str, str] | None:
        tabular = sample.extension in _TABULAR_EXTENSIONS
        if not tabular and self._named_otherwise(sample.extension):
            return None
        # a name that says CSV needs less evidence, so less is read (the delimiter, a few rows)
        data = sample.bof(TABULAR_NAME_WINDOW if tabular else CSV_WINDOW)
        truncated = sample.size > len(data)
        text = decode_text(data, cls)
        if truncated:
            text = text[: text.rfind("\n") + 1]
        shape = csv_shape(text, truncated=truncated,
                          tabular_name=tabular)
        if shape is None:
            return None
        delimiter, width, records = shape
        key = None
        if delimiter == "\t":
            if self.tsv_key is None:
                return None
            key = self.tsv_key
        more = "+" if truncated or records >= MAX_RECORDS else ""
        shown = "tab" if delimiter == "\t" else repr(delimiter)
        return key, f"consistent columns: {width} fields in {records}{more} records ({shown})", ""
