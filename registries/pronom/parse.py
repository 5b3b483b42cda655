"""Parse DROID binary signature files and container signature files (hostile-safe).

Both DROID 6 files (V2x..V118+, namespace ``http://www.nationalarchives.gov.uk/pronom/
SignatureFile``) and the older V13-era files are read with the same code: elements are matched
by local name, missing attributes take DROID's defaults (offset 0, no maximum), and the
``Indirect*`` references of DROID 4 files become unanchored (variable) sequences.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from bsfcore.errors import Problem, RegistryError, UnsafeInputError
from registries.pronom.model import (
    BOF,
    EOF,
    VARIABLE,
    ByteSequence,
    ContainerFile,
    ContainerFileEntry,
    ContainerSignature,
    Fragment,
    InternalSignature,
    PronomFormat,
    SignatureFile,
    SubSequence,
)

_REFERENCES = {"BOFoffset": BOF, "EOFoffset": EOF, "Variable": VARIABLE, "": VARIABLE,
               "IndirectBOFoffset": VARIABLE, "IndirectEOFoffset": VARIABLE}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, dtd_validation=False, remove_comments=True)


def parse_xml_file(path: Path) -> etree._Element:
    """Parse ``path`` refusing any DTD or entity declaration before it is even parsed."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegistryError([Problem(str(path), None, f"cannot read: {exc.strerror}")]) from None
    return parse_xml_bytes(data, str(path))


def parse_xml_bytes(data: bytes, origin: str) -> etree._Element:
    """Parse ``data`` (named ``origin`` in errors) with the same refusals."""
    path = origin
    head = data[:4096]
    first_element = _first_element_start(head)
    prolog = head[:first_element] if first_element >= 0 else head
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog or b"<!doctype" in prolog:
        raise UnsafeInputError(f"{path}: refusing an XML document with a DTD or entity "
                               "declarations (signature files never need one)")
    try:
        root = etree.fromstring(data, _parser(), base_url=path)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise RegistryError([Problem(str(path), line, f"not well-formed XML: {exc.msg}")]) \
            from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise UnsafeInputError(f"{path}: refusing an XML document with a DTD")
    return root


def _first_element_start(head: bytes) -> int:
    """Offset of the first ``<`` that opens an element (not ``<?``, ``<!``)."""
    pos = 0
    while True:
        pos = head.find(b"<", pos)
        if pos < 0 or pos + 1 >= len(head):
            return -1
        if head[pos + 1:pos + 2] not in (b"?", b"!"):
            return pos
        pos += 1


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def _int(el: etree._Element, attr: str, default: int | None, path: Path,
         problems: list[Problem]) -> int | None:
    raw = el.get(attr)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        problems.append(Problem(str(path), el.sourceline, f"{attr}={raw!r} is not an integer"))
        return default


def _text(el: etree._Element) -> str:
    return " ".join((el.text or "").split())


def _subsequence(el: etree._Element, path: Path, problems: list[Problem]) -> SubSequence:
    seq_el = _children(el, "Sequence")
    if not seq_el or not _text(seq_el[0]):
        problems.append(Problem(str(path), el.sourceline, "SubSequence without a Sequence"))
    frags: dict[str, list[Fragment]] = {"LeftFragment": [], "RightFragment": []}
    for child in el:
        kind = _local(child)
        if kind in frags:
            frags[kind].append(Fragment(
                position=_int(child, "Position", 1, path, problems) or 1,
                min_offset=_int(child, "MinOffset", 0, path, problems) or 0,
                max_offset=_int(child, "MaxOffset", None, path, problems),
                pattern=(child.text or "").strip()))
    return SubSequence(
        position=_int(el, "Position", 1, path, problems) or 1,
        min_offset=_int(el, "SubSeqMinOffset", 0, path, problems) or 0,
        max_offset=_int(el, "SubSeqMaxOffset", None, path, problems),
        sequence=(seq_el[0].text or "").strip() if seq_el else "",
        left=tuple(frags["LeftFragment"]), right=tuple(frags["RightFragment"]))


def _internal_signature(el: etree._Element, path: Path,
                        problems: list[Problem]) -> InternalSignature:
    sequences = []
    for bs in _children(el, "ByteSequence"):
        ref = (bs.get("Reference") or "").strip()
        if ref not in _REFERENCES:
            problems.append(Problem(str(path), bs.sourceline, f"unknown Reference {ref!r}"))
        subs = sorted((_subsequence(s, path, problems) for s in _children(bs, "SubSequence")),
                      key=lambda s: s.position)
        if not subs:
            problems.append(Problem(str(path), bs.sourceline, "ByteSequence without SubSequence"))
            continue
        sequences.append(ByteSequence(_REFERENCES.get(ref, VARIABLE), tuple(subs),
                                      bs.sourceline))
    sig_id = _int(el, "ID", -1, path, problems)
    return InternalSignature(id=sig_id if sig_id is not None else -1, sequences=tuple(sequences),
                             generic=(el.get("Specificity") or "").lower() == "generic",
                             line=el.sourceline)


def parse_signature_file(path: Path) -> SignatureFile:
    """Parse a DROID binary signature file; every problem is reported at once."""
    path = Path(path)
    root = parse_xml_file(path)
    problems: list[Problem] = []
    if _local(root) != "FFSignatureFile":
        raise RegistryError([Problem(str(path), root.sourceline,
                                     f"not a DROID signature file (root <{_local(root)}>)")])
    signatures: dict[int, InternalSignature] = {}
    formats: dict[str, PronomFormat] = {}
    for coll in root:
        name = _local(coll)
        if name == "InternalSignatureCollection":
            for el in _children(coll, "InternalSignature"):
                sig = _internal_signature(el, path, problems)
                signatures[sig.id] = sig
        elif name == "FileFormatCollection":
            for el in _children(coll, "FileFormat"):
                puid = (el.get("PUID") or "").strip()
                if not puid:
                    problems.append(Problem(str(path), el.sourceline, "FileFormat without PUID"))
                    continue
                mimes = tuple(m.strip() for m in (el.get("MIMEType") or "").split(",")
                              if m.strip())
                formats[puid] = PronomFormat(
                    id=_int(el, "ID", -1, path, problems) or -1, puid=puid,
                    name=(el.get("Name") or "").strip(),
                    version=(el.get("Version") or "").strip() or None,
                    mime_types=mimes,
                    extensions=tuple(_text(c).lower() for c in _children(el, "Extension")
                                     if _text(c)),
                    signature_ids=tuple(int(_text(c)) for c in
                                        _children(el, "InternalSignatureID")
                                        if _text(c).isdigit()),
                    priority_over=tuple(int(_text(c)) for c in
                                        _children(el, "HasPriorityOverFileFormatID")
                                        if _text(c).isdigit()))
    for fmt in formats.values():
        for sid in fmt.signature_ids:
            if sid not in signatures:
                problems.append(Problem(str(path), None,
                                        f"{fmt.puid} names missing InternalSignature {sid}"))
    if problems:
        raise RegistryError(problems)
    return SignatureFile(version=(root.get("Version") or "").strip() or "?",
                         date=root.get("DateCreated"), formats=formats, signatures=signatures,
                         source=str(path))


def parse_container_file(path: Path) -> ContainerFile:
    """Parse a DROID container signature file (ZIP and OLE2 signatures, mappings, triggers)."""
    path = Path(path)
    root = parse_xml_file(path)
    problems: list[Problem] = []
    if _local(root) != "ContainerSignatureMapping":
        raise RegistryError([Problem(str(path), root.sourceline,
                                     f"not a container signature file (root <{_local(root)}>)")])
    signatures: dict[int, ContainerSignature] = {}
    mappings: dict[int, list[str]] = {}
    triggers: dict[str, str] = {}
    for el in root.iter("{*}ContainerSignature", "ContainerSignature"):
        files = []
        for f in el.iter("{*}File", "File"):
            path_el = _children(f, "Path")
            if not path_el or not _text(path_el[0]):
                problems.append(Problem(str(path), f.sourceline, "File without Path"))
                continue
            sigs = tuple(_internal_signature(s, path, problems)
                         for s in f.iter("{*}InternalSignature", "InternalSignature"))
            files.append(ContainerFileEntry((path_el[0].text or "").strip(), sigs))
        desc = _children(el, "Description")
        sid = _int(el, "Id", -1, path, problems)
        signatures[sid if sid is not None else -1] = ContainerSignature(
            id=sid if sid is not None else -1,
            container_type=(el.get("ContainerType") or "").strip().upper(),
            description=_text(desc[0]) if desc else "", files=tuple(files))
    for el in root.iter("{*}FileFormatMapping", "FileFormatMapping"):
        sid = _int(el, "signatureId", None, path, problems)
        puid = (el.get("Puid") or "").strip()
        if sid is None or not puid:
            problems.append(Problem(str(path), el.sourceline, "incomplete FileFormatMapping"))
            continue
        mappings.setdefault(sid, []).append(puid)
    for el in root.iter("{*}TriggerPuid", "TriggerPuid"):
        puid = (el.get("Puid") or "").strip()
        if puid:
            triggers[puid] = (el.get("ContainerType") or "").strip().upper()
    if problems:
        raise RegistryError(problems)
    return ContainerFile(version=root.get("signatureVersion"), signatures=signatures,
                         mappings=mappings, triggers=triggers, source=str(path))
