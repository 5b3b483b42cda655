"""Hostile inputs against their honest peers: time and peak memory per file (issue 16).

Each case runs twice in a fresh child process — the crafted input, then a normal input of the
same kind — so the peak RSS figures belong to that input alone. Printed per case: seconds and
peak RSS for both, and the ratios. The bounds hold when a crafted file costs about what its
honest peer costs (the 2 GiB sparse ``.doc`` once took 94 s and 8.4 GiB).

    .venv/bin/python benchmarks/hostile.py            # every case
    .venv/bin/python benchmarks/hostile.py sparse-doc # one case
"""

from __future__ import annotations

import argparse
import io
import os
import struct
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import emit, run_child

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
COMPOBJ = b"\x01\x00\xfe\xff\x03\x0a\x00\x00" + b"Word.Document.8\x00"


def _stack():  # type: ignore[no-untyped-def]
    from bsfcore.settings import load_settings
    from formats.stack import stack_from_settings

    return stack_from_settings(load_settings(None, environ={}))[0]


def _identify(path: Path) -> dict[str, object]:
    from formats.model import Sample

    stack = _stack()
    start = time.perf_counter()
    match = stack.identify(Sample.from_path(path))
    return {"seconds": time.perf_counter() - start, "answer": str(match.key),
            "warning": match.warning[:80]}


def _normal_doc(folder: Path, size: int = 4 << 20) -> Path:
    from tests.signatures.sigbuild import build_ole2

    path = folder / "normal.doc"
    path.write_bytes(build_ole2({"WordDocument": b"\xec\xa5" + b"w" * size,
                                 "\x01CompObj": COMPOBJ}))
    return path


def _sparse_doc(folder: Path) -> Path:
    """The issue's file: 2 GiB, all zeros past a header whose DIFAT chain starts at sector 0
    and whose counts are as large as the header can hold."""
    header = bytearray(512)
    header[0:8] = OLE2_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<II", header, 44, 0xFFFFFFF0, (2 << 30) // 512 - 8)
    struct.pack_into("<IIIII", header, 56, 4096, 0xFFFFFFFE, 0, 0, 0xFFFFFFF0)
    path = folder / "sparse.doc"
    with path.open("wb") as fh:
        fh.write(header)
        fh.truncate(2 << 30)
    return path


def _fat_loop_doc(folder: Path) -> Path:
    """A normal document whose WordDocument chain loops onto its first sector."""
    data = bytearray(_normal_doc(folder).read_bytes())
    fat = struct.unpack_from("<I", data, 76)[0]
    struct.pack_into("<I", data, (fat + 1) * 512, 0)
    path = folder / "loop.doc"
    path.write_bytes(bytes(data))
    return path


def _docx(folder: Path, name: str = "normal.docx") -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types><Override ContentType='
                    '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
                    'main+xml"/></Types>')
        for i in range(2000):
            zf.writestr(f"word/media/image{i}.bin", b"x" * 100)
    path = folder / name
    path.write_bytes(buf.getvalue())
    return path


def _lying_zip(folder: Path) -> Path:
    """A docx whose end record claims 65,535 entries in a 4 GiB directory past the end."""
    data = bytearray(_docx(folder, "src.docx").read_bytes())
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HHII", data, at + 8, 0xFFFF, 0xFFFF, 0xFFFFFFF0, 0x10)
    path = folder / "lying.docx"
    path.write_bytes(bytes(data))
    return path


def _sigfile(folder: Path, pattern: str) -> Path:
    from tests.signatures.sigbuild import Fmt, Seq, Sub, write_signature_file

    return write_signature_file(folder, [Fmt(1, "h/1", "h", {1: [Seq(None, [
        Sub(pattern, 0, None)])]})], name="sig.xml")


def _match_zeros(folder: Path, pattern: str) -> dict[str, object]:
    """Identify 64 KiB of NULs plus ``02 01`` against one variable signature."""
    from formats.signatures import Window, build_engine
    from registries.pronom.parse import parse_signature_file

    engine = build_engine(parse_signature_file(_sigfile(folder, pattern)))
    data = b"\0" * 65536 + b"\x02\x01"
    start = time.perf_counter()
    hits = engine.match(Window.of_bytes(data))
    return {"seconds": time.perf_counter() - start, "answer": [h.puid for h in hits]}


def _refused_sigfile(folder: Path) -> dict[str, object]:
    from bsfcore.errors import RegistryError
    from formats.signatures import build_engine
    from registries.pronom.parse import parse_signature_file

    start = time.perf_counter()
    try:
        build_engine(parse_signature_file(_sigfile(folder, "(00|0000)" * 40 + "01")))
        answer = "accepted"
    except RegistryError as exc:
        answer = str(exc)[-60:]
    return {"seconds": time.perf_counter() - start, "answer": answer}


def _config(folder: Path, hostile: bool) -> dict[str, object]:
    from bsfcore.errors import ConfigError
    from bsfcore.properties import load_properties

    path = folder / "bsf.cfg"
    if hostile:
        text = "".join(f"bsf.k{i} = ${{bsf.k{i + 1}}}${{bsf.k{i + 1}}}\n" for i in range(30))
    else:
        text = "".join(f"bsf.k{i} = ${{bsf.k{i + 1}}}/x\n" for i in range(30))
    path.write_text(text + "bsf.k30 = x\n")
    start = time.perf_counter()
    try:
        answer = str(len(load_properties(path)["bsf.k0"]))
    except ConfigError as exc:
        answer = str(exc)[-50:]
    return {"seconds": time.perf_counter() - start, "answer": answer}


def _zip_entry(folder: Path, hostile: bool) -> dict[str, object]:
    from bsfcore.errors import BsfError
    from packager.safezip import Package

    payload = os.urandom(16 << 20)  # incompressible: no ratio check interferes
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mets.xml", b"<x/>")
        zf.writestr("big.bin", payload)
    data = bytearray(buf.getvalue())
    if hostile:  # declares 1 MiB with the CRC of that 1 MiB; inflates to 16 MiB
        declared = 1 << 20
        for signature, name_at, header, crc_at, size_at in ((b"PK\x01\x02", 28, 46, 16, 24),
                                                             (b"PK\x03\x04", 26, 30, 14, 22)):
            i = data.find(signature)
            while i >= 0:
                length = struct.unpack_from("<H", data, i + name_at)[0]
                if bytes(data[i + header:i + header + length]) == b"big.bin":
                    struct.pack_into("<I", data, i + size_at, declared)
                    struct.pack_into("<I", data, i + crc_at, zlib.crc32(payload[:declared]))
                i = data.find(signature, i + 4)
    path = folder / "aip.zip"
    path.write_bytes(bytes(data))
    start = time.perf_counter()
    try:
        with Package(path, None) as pkg, pkg.open_entry("big.bin") as fh:
            answer = str(sum(len(c) for c in iter(lambda: fh.read(1 << 20), b"")))
    except BsfError as exc:
        answer = str(exc)[-50:]
    return {"seconds": time.perf_counter() - start, "answer": answer}


#: case -> (hostile run, peer run); each gets a fresh temp folder
CASES: dict[str, tuple[Callable[[Path], dict[str, object]],
                       Callable[[Path], dict[str, object]]]] = {
    "sparse-doc": (lambda d: _identify(_sparse_doc(d)), lambda d: _identify(_normal_doc(d))),
    "fat-loop-doc": (lambda d: _identify(_fat_loop_doc(d)), lambda d: _identify(_normal_doc(d))),
    "lying-zip": (lambda d: _identify(_lying_zip(d)), lambda d: _identify(_docx(d))),
    "accepted-ambiguous-signature": (lambda d: _match_zeros(d, "(00|0000)" * 7 + "01"),
                                     lambda d: _match_zeros(d, "00" * 8 + "01")),
    "refused-signature": (_refused_sigfile, lambda d: _match_zeros(d, "00" * 8 + "01")),
    "doubling-config": (lambda d: _config(d, True), lambda d: _config(d, False)),
    "zip-entry-past-size": (lambda d: _zip_entry(d, True), lambda d: _zip_entry(d, False)),
}


def child(case: str, side: str) -> None:
    hostile, peer = CASES[case]
    with tempfile.TemporaryDirectory(prefix="bsf-hostile-") as tmp:
        emit((hostile if side == "hostile" else peer)(Path(tmp)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", choices=[[], *CASES], metavar="CASE",
                        help=f"cases to run (default all): {', '.join(CASES)}")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "SIDE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    print(f"{'case':30} {'hostile s':>10} {'MiB':>7} {'peer s':>9} {'MiB':>7} "
          f"{'time x':>7} {'mem x':>6}  answer (hostile | peer)")
    for case in args.cases or CASES:
        got = {side: run_child(Path(__file__), ["--child", case, side])
               for side in ("hostile", "peer")}
        h, p = got["hostile"], got["peer"]
        print(f"{case:30} {h['seconds']:10.4f} {h['peak_rss_mb']:7.1f} {p['seconds']:9.4f} "
              f"{p['peak_rss_mb']:7.1f} {h['seconds'] / max(p['seconds'], 1e-6):7.2f} "
              f"{h['peak_rss_mb'] / p['peak_rss_mb']:6.2f}  {h['answer']} "
              f"{('(' + str(h['warning']) + ')') if h.get('warning') else ''} | "
              f"{p['answer']}", flush=True)


if __name__ == "__main__":
    main()
