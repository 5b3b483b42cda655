"""From a scan result to the plain record the writers print (``reports`` never sees a Match).

What is decided here, to match siegfried 1.11:

* ``namespace`` is written as sf writes its identifier names, lower case (``pronom``); an
  unidentified file keeps the namespace of the identifier that answered (``pronom``, as sf), with
  ``id`` ``UNKNOWN``. Folders and unreadable files have no match at all.
* ``basis`` in sf's words and order: when the file name's extension is one the format lists and
  the engine's basis does not already say so, ``extension match png; `` goes first (sf reports
  the extension evidence before the byte, container or text evidence).
* ``format_class`` is the PRONOM format type (sf's ``class``), from PRONOM's records.
* ``alternatives``: for an unknown answer whose warning lists ``possibilities based on extension
  are fmt/1, fmt/2``, those formats (DROID reports such extension-only candidates as
  identifications, one row each).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from formats.identifiers.common import join
from formats.locations import display_path, file_uri
from formats.scan_model import ScanResult
from formats.walk import FOLDER
from registries.model import FormatKey, RegistrySet

NOT_UTF8 = "file name is not valid UTF-8 (bytes written as \\xNN)"
_POSSIBLE = re.compile(r"possibilities based on extension are ([^;]+)")


@dataclass(frozen=True, slots=True)
class AltFormat:
    """A further candidate format (DROID's extra rows)."""

    id: str
    format: str
    version: str
    mime: str


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """Everything a writer prints for one row (plain values; reports/ formats them)."""

    filename: str            # sf's filename: as given, archive members as ``a.zip#x``
    abspath: str             # DROID's FILE_PATH ("" unless the context asks for it)
    uri: str                 # DROID's URI (exact bytes, percent-encoded; likewise)
    name: str                # the name that drove extension matching (DROID's NAME)
    kind: str                # file, folder or container
    parent: str              # filename of the row that holds this one ("" at the top)
    filesize: int | None
    mtime: float | None
    errors: str
    error_kind: str          # "", not found, access denied, error, archive
    hash: str
    namespace: str           # sf's spelling: pronom, dspace, provisional
    key: str                 # the full key, PRONOM:fmt/96 ("" when none)
    id: str
    format: str
    version: str
    mime: str
    format_class: str
    basis: str
    warning: str
    confidence: str
    source: str
    alternatives: tuple[AltFormat, ...] = ()


@dataclass(frozen=True)
class RecordContext:
    """What turning results into records needs, built once per scan."""

    registries: RegistrySet | None
    classes: Mapping[str, str] = field(default_factory=dict)
    #: the namespace an UNKNOWN row is written with (sf: the identifier that said so)
    unknown_namespace: str = "pronom"
    #: work out DROID's FILE_PATH and URI (an absolute path and a per-segment percent-encoding
    #: per row: a tenth of a whole sf-layout scan, for columns only the DROID writer prints)
    droid_locations: bool = True


def context_for(registries: RegistrySet | None, classes: Mapping[str, str] | None = None,
                *, droid_locations: bool = True) -> RecordContext:
    namespaces = list(registries.namespaces) if registries is not None else []
    unknown = "PRONOM" if "PRONOM" in namespaces else (namespaces[0] if namespaces else "")
    return RecordContext(registries, classes or {}, unknown.lower(), droid_locations)


def sf_basis(basis: str, extension: str, extensions: tuple[str, ...]) -> str:
    """sf's order: the extension evidence first, when the format lists the name's extension."""
    if not extension or "extension match" in basis:
        return basis
    if extension not in (e.lower() for e in extensions):
        return basis
    return f"extension match {extension}; {basis}" if basis else f"extension match {extension}"


def _extension(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[dot + 1:].lower() if dot > 0 else ""


def to_record(result: ScanResult, context: RecordContext | RegistrySet | None) -> ScanRecord:
    """The printable record of one result."""
    if not isinstance(context, RecordContext):
        context = context_for(context)
    registries = context.registries
    shown, clean = display_path(result.filename)
    if not context.droid_locations:
        abspath = uri = ""
    elif result.droid_path:
        abspath, uri = display_path(result.droid_path)[0], result.uri
    else:
        raw_abspath = os.path.abspath(result.filename)
        abspath = display_path(raw_abspath)[0]
        uri = file_uri(raw_abspath, folder=result.kind == FOLDER)
    name, _ = display_path(result.name)
    match = result.match
    namespace = key = ident = fmt_name = version = mime = klass = ""
    basis = warning = confidence = source = ""
    alternatives: tuple[AltFormat, ...] = ()
    if match is not None:
        basis, warning = match.basis, match.warning
        confidence, source = match.confidence.name, match.source
        if match.key is not None and match.identified:
            namespace, key, ident = match.key.namespace.lower(), str(match.key), \
                match.key.identifier
            fmt = registries.get(match.key) if registries is not None else None
            if fmt is not None:
                fmt_name, version, mime = fmt.name, fmt.version or "", fmt.mime_type or ""
                basis = sf_basis(basis, _extension(result.name), fmt.extensions)
            if match.key.namespace == "PRONOM":
                klass = context.classes.get(ident, "")
        else:
            namespace, ident = context.unknown_namespace, "UNKNOWN"
            alternatives = _alternatives(warning, registries)
    if not clean:
        warning = join(warning, NOT_UTF8)
    return ScanRecord(shown, abspath, uri, name, result.kind, display_path(result.parent)[0],
                      result.size, result.mtime, result.error, result.error_kind, result.hash,
                      namespace, key, ident, fmt_name, version, mime, klass, basis, warning,
                      confidence, source, alternatives)


def _alternatives(warning: str, registries: RegistrySet | None) -> tuple[AltFormat, ...]:
    found = _POSSIBLE.search(warning)
    if found is None:
        return ()
    out: list[AltFormat] = []
    for puid in (p.strip() for p in found.group(1).split(",")):
        if not puid:
            continue
        fmt = registries.get(FormatKey("PRONOM", puid)) if registries is not None else None
        out.append(AltFormat(puid, fmt.name if fmt else "", (fmt.version or "") if fmt else "",
                             (fmt.mime_type or "") if fmt else ""))
    return tuple(out)
