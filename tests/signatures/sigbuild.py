"""Build small DROID signature files and OLE2 files inside tests (no fixtures on disk)."""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr


@dataclass
class Sub:
    sequence: str
    min: int = 0
    max: int | None = 0
    left: list[tuple[int, int, int | None, str]] = field(default_factory=list)  # pos,min,max,pat
    right: list[tuple[int, int, int | None, str]] = field(default_factory=list)


@dataclass
class Seq:
    reference: str | None  # "BOFoffset", "EOFoffset", None (variable)
    subs: list[Sub]


@dataclass
class Fmt:
    id: int
    puid: str
    name: str
    sigs: dict[int, list[Seq]] = field(default_factory=dict)
    extensions: list[str] = field(default_factory=list)
    priority_over: list[int] = field(default_factory=list)
    mime: str = ""
    generic: bool = False


def _frag(kind: str, frag: tuple[int, int, int | None, str]) -> str:
    pos, lo, hi, pat = frag
    hi_attr = f' MaxOffset="{hi}"' if hi is not None else ""
    return f'<{kind} Position="{pos}" MinOffset="{lo}"{hi_attr}>{pat}</{kind}>'


def signature_xml(formats: list[Fmt], version: int = 999) -> str:
    sigs = []
    for fmt in formats:
        for sid, seqs in fmt.sigs.items():
            spec = "Generic" if fmt.generic else "Specific"
            parts = [f'<InternalSignature ID="{sid}" Specificity="{spec}">']
            for seq in seqs:
                ref = f' Reference="{seq.reference}"' if seq.reference else ""
                parts.append(f"<ByteSequence{ref}>")
                for i, sub in enumerate(seq.subs, 1):
                    hi = f' SubSeqMaxOffset="{sub.max}"' if sub.max is not None else ""
                    parts.append(f'<SubSequence Position="{i}" SubSeqMinOffset="{sub.min}"{hi}>'
                                 f"<Sequence>{sub.sequence}</Sequence><DefaultShift>1"
                                 "</DefaultShift>")
                    parts.extend(_frag("LeftFragment", f) for f in sub.left)
                    parts.extend(_frag("RightFragment", f) for f in sub.right)
                    parts.append("</SubSequence>")
                parts.append("</ByteSequence>")
            parts.append("</InternalSignature>")
            sigs.append("".join(parts))
    fmts = []
    for fmt in formats:
        mime = f" MIMEType={quoteattr(fmt.mime)}" if fmt.mime else ""
        body = "".join(f"<InternalSignatureID>{s}</InternalSignatureID>" for s in fmt.sigs)
        body += "".join(f"<Extension>{e}</Extension>" for e in fmt.extensions)
        body += "".join(f"<HasPriorityOverFileFormatID>{p}</HasPriorityOverFileFormatID>"
                        for p in fmt.priority_over)
        fmts.append(f'<FileFormat ID="{fmt.id}" Name={quoteattr(fmt.name)} '
                    f'PUID="{fmt.puid}"{mime}>{body}</FileFormat>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<FFSignatureFile xmlns="http://www.nationalarchives.gov.uk/pronom/SignatureFile" '
            f'Version="{version}" DateCreated="2024-01-01T00:00:00">\n'
            f"<InternalSignatureCollection>{''.join(sigs)}</InternalSignatureCollection>\n"
            f"<FileFormatCollection>{''.join(fmts)}</FileFormatCollection>\n"
            "</FFSignatureFile>\n")


def write_signature_file(tmp: Path, formats: list[Fmt], name: str = "sig.xml") -> Path:
    path = tmp / name
    path.write_text(signature_xml(formats), encoding="utf-8")
    return path


# -- OLE2 ---------------------------------------------------------------------------------

_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def build_ole2(streams: dict[str, bytes], storages: dict[str, dict[str, bytes]] | None = None
               ) -> bytes:
    """A version-3 compound file (512-byte sectors). Streams under 4096 bytes go to the mini
    stream, larger ones to regular sectors, as the specification requires."""
    storages = storages or {}
    sectors: list[bytes] = []
    fat: list[int] = []

    def add_chain(data: bytes, size: int = 512) -> int:
        if not data:
            return _END
        chunks = [data[i:i + size].ljust(size, b"\0") for i in range(0, len(data), size)]
        start = len(sectors)
        for i, chunk in enumerate(chunks):
            sectors.append(chunk)
            fat.append(start + i + 1 if i + 1 < len(chunks) else _END)
        return start

    # entries: (name, type, data, children names)
    entries: list[dict[str, object]] = [{"name": "Root Entry", "type": 5, "data": b""}]
    def add_entries(items: dict[str, bytes], parent: int) -> None:
        kids = []
        for name, data in items.items():
            entries.append({"name": name, "type": 2, "data": data})
            kids.append(len(entries) - 1)
        entries[parent]["kids"] = entries[parent].get("kids", []) + kids  # type: ignore

    add_entries(streams, 0)
    for sname, inner in storages.items():
        entries.append({"name": sname, "type": 1, "data": b""})
        idx = len(entries) - 1
        entries[0]["kids"] = [*entries[0].get("kids", []), idx]  # type: ignore
        add_entries(inner, idx)

    mini = bytearray()
    minifat: list[int] = []
    for e in entries[1:]:
        data = e["data"]
        assert isinstance(data, bytes)
        if e["type"] != 2:
            e["start"], e["size"] = 0, 0
        elif len(data) < 4096:
            start = len(mini) // 64
            n = max(1, (len(data) + 63) // 64)
            mini += data.ljust(n * 64, b"\0")
            minifat.extend(start + i + 1 if i + 1 < n else _END for i in range(n))
            e["start"], e["size"] = start, len(data)
        else:
            e["start"], e["size"] = add_chain(data), len(data)
    root_start = add_chain(bytes(mini))
    entries[0]["start"], entries[0]["size"] = root_start, len(mini)
    minifat_start = add_chain(b"".join(struct.pack("<I", x) for x in minifat))

    def siblings(kids: list[int]) -> int:
        """Chain the children as a degenerate tree through right-sibling links."""
        for a, b in itertools.pairwise(kids):
            entries[a]["right"] = b
        return kids[0] if kids else _FREE

    for e in entries:
        e["child"] = siblings(e.get("kids", []))  # type: ignore[arg-type]
    dir_bytes = b""
    for e in entries:
        name = str(e["name"]).encode("utf-16-le") + b"\0\0"
        rec = name.ljust(64, b"\0") + struct.pack("<HBB", len(name), int(e["type"]), 1)  # type: ignore[call-overload]
        rec += struct.pack("<III", _FREE, int(e.get("right", _FREE)), int(e["child"]))  # type: ignore[call-overload]
        rec += b"\0" * 16 + b"\0" * 4 + b"\0" * 16
        rec += struct.pack("<II", int(e["start"]), int(e["size"])) + b"\0" * 4  # type: ignore[call-overload]
        dir_bytes += rec
    dir_start = add_chain(dir_bytes)
    # the FAT itself: one sector covers 128 entries
    n_fat = 1
    while len(fat) + n_fat > n_fat * 128:
        n_fat += 1
    fat_start = len(sectors)
    fat.extend([_FATSECT] * n_fat)
    table = fat + [_FREE] * (n_fat * 128 - len(fat))
    for i in range(n_fat):
        sectors.append(b"".join(struct.pack("<I", x) for x in table[i * 128:(i + 1) * 128]))
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, n_fat)
    struct.pack_into("<I", header, 48, dir_start)
    struct.pack_into("<I", header, 56, 4096)
    struct.pack_into("<III", header, 60, minifat_start if minifat else _END, 1 if minifat else 0,
                     _END)
    struct.pack_into("<I", header, 72, 0)
    difat = [fat_start + i for i in range(n_fat)] + [_FREE] * (109 - n_fat)
    struct.pack_into("<109I", header, 76, *difat)
    return bytes(header) + b"".join(sectors)
