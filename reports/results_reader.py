"""Reading identification results back: bsf's or siegfried's CSV/JSON/YAML, or a DROID CSV.

``bsf identify --compare`` needs each run as ``path -> answer``. The layout is recognised from
the content, not the file name: ``{`` starts sf JSON, ``---`` sf YAML, a CSV header starting
``filename`` is sf's CSV, one starting ``ID, PARENT_ID`` is DROID's. Several matches of one file
(sf's extra rows or match groups, DROID's one row per format) are joined, sorted, with ``;`` as
sf's own comparison does. An answer is the PUID for PRONOM (``pronom`` in sf's files) and
``namespace:id`` otherwise, namespace in lower case so ``DSpace:Text`` (DROID) and ``dspace``
+ ``Text`` (sf layout) agree. DROID's ``METHOD`` stands in for sf's ``basis``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bsfcore.errors import InputError, Problem

SF, DROID = "sf", "droid"


@dataclass(frozen=True)
class Answer:
    """One file's answer in one run ("" id when the file could not be identified at all)."""

    filename: str
    id: str
    format: str
    basis: str


@dataclass(frozen=True)
class Results:
    layout: str                 # SF or DROID
    answers: dict[str, Answer]  # by filename (sf) or FILE_PATH (DROID)


def _fail(path: Path, message: str) -> InputError:
    return InputError([Problem(str(path), None, message)])


def _answer_id(namespace: str, ident: str) -> str:
    if not ident:
        return ""
    if ident == "UNKNOWN":
        return ident
    ns = namespace.strip().lower()
    return ident if ns in ("", "pronom") else f"{ns}:{ident}"


def _merge(out: dict[str, Answer], filename: str, ident: str, fmt: str, basis: str) -> None:
    seen = out.get(filename)
    if seen is None:
        out[filename] = Answer(filename, ident, fmt, basis)
        return
    ids = sorted({*seen.id.split(";"), ident} - {""})
    out[filename] = Answer(filename, ";".join(ids), "; ".join(
        f for f in dict.fromkeys((seen.format, fmt)) if f), seen.basis or basis)


def read_results(path: str | Path) -> Results:
    """One run's answers, whatever layout it was written in (errors: one clear line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise _fail(path, f"cannot read results: {exc.strerror or exc}") from None
    start = text.lstrip()[:3]
    if start.startswith("{"):
        return Results(SF, _sf_documents(path, _json_documents(path, text)))
    if start == "---":
        return Results(SF, _sf_documents(path, _yaml_documents(path, text)))
    return _csv(path, text)


def _json_documents(path: Path, text: str) -> Iterator[dict[str, object]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(path, f"not valid JSON: {exc}") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        raise _fail(path, "JSON without a 'files' list (not siegfried's layout)")
    yield from (f for f in files if isinstance(f, dict))


def _yaml_documents(path: Path, text: str) -> Iterator[dict[str, object]]:
    import yaml

    try:
        for doc in yaml.safe_load_all(text):
            if isinstance(doc, dict) and "filename" in doc:
                yield doc
    except yaml.YAMLError as exc:
        raise _fail(path, f"not valid YAML: {' '.join(str(exc).split())}") from None


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _sf_documents(path: Path, docs: Iterator[dict[str, object]]) -> dict[str, Answer]:
    out: dict[str, Answer] = {}
    for doc in docs:
        filename = _text(doc.get("filename"))
        matches = doc.get("matches") or []
        if not isinstance(matches, list) or not matches:
            _merge(out, filename, "", "", "")
            continue
        for m in matches:
            if isinstance(m, dict):
                _merge(out, filename, _answer_id(_text(m.get("ns")), _text(m.get("id"))),
                       _text(m.get("format")), _text(m.get("basis")))
    return out


def _csv(path: Path, text: str) -> Results:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise _fail(path, "empty results file")
    if header[0] == "filename" and "id" in header:
        return Results(SF, _sf_csv(header, reader))
    if header[:2] == ["ID", "PARENT_ID"] and "PUID" in header:
        return Results(DROID, _droid_csv(header, reader))
    raise _fail(path, "not a results file bsf knows (sf CSV/JSON/YAML or DROID CSV); header "
                      f"starts {','.join(header[:3])!r}")


def _sf_csv(header: list[str], rows: Iterator[list[str]]) -> dict[str, Answer]:
    out: dict[str, Answer] = {}
    groups = [i for i, name in enumerate(header) if name == "namespace"]
    for row in rows:
        if not row:
            continue
        cells = dict(enumerate(row))
        filename = cells.get(0, "")
        found = False
        for n, start in enumerate(groups):
            end = groups[n + 1] if n + 1 < len(groups) else len(header)
            group = {header[j]: cells.get(j, "") for j in range(start, end)}
            ident = _answer_id(group.get("namespace", ""), group.get("id", ""))
            if ident:
                found = True
                _merge(out, filename, ident, group.get("format", ""), group.get("basis", ""))
        if not found:
            _merge(out, filename, "", "", "")
    return out


def _droid_csv(header: list[str], rows: Iterator[list[str]]) -> dict[str, Answer]:
    col = {name: i for i, name in enumerate(header)}
    out: dict[str, Answer] = {}

    def cell(row: list[str], name: str) -> str:
        i = col.get(name)
        return row[i] if i is not None and i < len(row) else ""

    for row in rows:
        if not row or cell(row, "TYPE") == "Folder":
            continue
        filename = cell(row, "FILE_PATH") or cell(row, "URI")
        puid = cell(row, "PUID")
        if not puid:
            count = cell(row, "FORMAT_COUNT")
            _merge(out, filename, "UNKNOWN" if count == "0" else "", "", cell(row, "METHOD"))
            continue
        ns, colon, ident = puid.partition(":")
        answer = _answer_id(ns, ident) if colon and not puid.startswith(("fmt/", "x-fmt/")) \
            else puid
        _merge(out, filename, answer, cell(row, "FORMAT_NAME"), cell(row, "METHOD"))
    return out
