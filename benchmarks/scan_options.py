"""What ``--hash sha256`` and ``-z`` cost against a plain ``bsf identify`` of the same tree.

    python benchmarks/scan_options.py [DIR ...] [--files N] [--repeat R] [--workers W]

Without DIR a mixed tree is built in a temporary folder: text, CSV, PNG, PDF-like and random
binary files from 1 KiB to 4 MiB, plus zip and tar.gz archives of small members (about one file
in twelve). Every configuration scans the same tree through the library (walk, identify, records,
sf CSV writer to a null stream), after one untimed pass that warms the page cache and the
compiled signatures; best of ``--repeat``, configurations interleaved. Prints files/s and MB/s
for each, and its time relative to the plain scan.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import random
import struct
import sys
import tarfile
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _png(seed: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = bytes([seed % 256]) * 4096
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _member_set(rng: random.Random, n: int) -> dict[str, bytes]:
    return {f"m{i}/doc{i}.txt": (f"member {i} " * rng.randint(10, 400)).encode()
            for i in range(n)}


def build_tree(root: Path, files: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for i in range(files):
        folder = root / f"d{i % 40:02d}" / f"e{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        kind = i % 12
        if kind == 0:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in _member_set(rng, 10).items():
                    archive.writestr(name, data)
            (folder / f"f{i}.zip").write_bytes(buf.getvalue())
        elif kind == 1:
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w") as archive:
                for name, data in _member_set(rng, 10).items():
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
            (folder / f"f{i}.tar.gz").write_bytes(gzip.compress(buf.getvalue(), mtime=0))
        elif kind in (2, 3, 4):
            (folder / f"f{i}.txt").write_text(f"line {i}\n" * rng.randint(10, 20000))
        elif kind == 5:
            (folder / f"f{i}.csv").write_text("a,b,c\n" + "1,2,3\n" * rng.randint(5, 5000))
        elif kind in (6, 7):
            (folder / f"f{i}.png").write_bytes(_png(i))
        elif kind == 8:
            body = os.urandom(rng.randint(1 << 10, 1 << 20))
            (folder / f"f{i}.pdf").write_bytes(b"%PDF-1.4\n" + body + b"\n%%EOF\n")
        else:
            size = rng.choice((1 << 10, 16 << 10, 256 << 10, 4 << 20))
            (folder / f"f{i}.bin").write_bytes(os.urandom(size))


def tree_bytes(dirs: list[str]) -> int:
    total = 0
    for d in dirs:
        for base, _dirs, names in os.walk(d):
            for name in names:
                path = os.path.join(base, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    total += os.path.getsize(path)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*")
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    from bsfcore.settings import load_settings
    from formats.records import context_for, to_record
    from formats.scan import scan
    from formats.scan_model import ScanOptions, ScanStats
    from formats.stack import stack_from_settings
    from registries.pronom.classes import load_classes
    from reports.scan import ScanHeader
    from reports.sf_writers import SfCsvWriter

    tmp = None
    dirs = args.dirs
    if not dirs:
        tmp = tempfile.TemporaryDirectory(prefix="bsf-bench-")
        build_tree(Path(tmp.name), args.files)
        dirs = [tmp.name]
    stack, registries = stack_from_settings(load_settings(None, environ={}))
    records = context_for(registries, load_classes())
    configs = {"plain": ScanOptions(), "--hash sha256": ScanOptions(hash="sha256"),
               "-z": ScanOptions(archives=True),
               "--hash sha256 -z": ScanOptions(hash="sha256", archives=True)}

    def run(options: ScanOptions) -> tuple[float, ScanStats]:
        stats = ScanStats()
        with open(os.devnull, "w", encoding="utf-8") as null:
            writer = SfCsvWriter(null, ScanHeader("bench", hash=options.hash or ""))
            start = time.perf_counter()
            writer.head()
            for result in scan(dirs, stack, options, workers=args.workers, stats=stats):
                writer.row(to_record(result, records))
            writer.tail()
            return time.perf_counter() - start, stats

    for options in configs.values():          # warm the page cache and every code path
        run(options)
    best: dict[str, tuple[float, ScanStats]] = {}
    for _ in range(args.repeat):
        for label, options in configs.items():
            seconds, stats = run(options)
            if label not in best or seconds < best[label][0]:
                best[label] = (seconds, stats)
    size_mb = tree_bytes(dirs) / 1e6
    plain = best["plain"][0]
    print(f"tree: {best['plain'][1].files} files, {size_mb:.0f} MB, workers={args.workers}, "
          f"best of {args.repeat}")
    for label, (seconds, stats) in best.items():
        extra = f", {stats.members} members" if stats.members else ""
        print(f"{label:<18} {seconds:7.2f} s  {stats.files / seconds:8.0f} files/s  "
              f"{size_mb / seconds:7.0f} MB/s  x{seconds / plain:.2f} of plain{extra}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
