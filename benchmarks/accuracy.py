"""Accuracy of bsf's DROID identifier on the PRONOM skeleton test suite.

    python benchmarks/accuracy.py [SUITE_DIR] [--signature-file F] [--container-file F]

File names encode the expected PUID (``fmt-40-signature-id-107.doc`` -> fmt/40,
``x-fmt-263-...`` -> x-fmt/263); files under ``containers/`` exercise container signatures.
A file counts as a hit when the identifier's single answer is the expected PUID. Prints the hit
rate on files whose PUID the signature file knows, the rate on container files, and every miss.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "pronom"
_NAME = re.compile(r"^(x-fmt|fmt)-(\d+)-")


def expected_puid(name: str) -> str | None:
    m = _NAME.match(name)
    return f"{m.group(1)}/{m.group(2)}" if m else None


@dataclass
class Accuracy:
    known_total: int = 0
    known_hits: int = 0
    container_total: int = 0
    container_hits: int = 0
    unknown_puid: int = 0  # expected PUID absent from the signature file
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # file, expected, got
    seconds: float = 0.0

    @property
    def known_rate(self) -> float:
        return self.known_hits / self.known_total if self.known_total else 0.0

    @property
    def container_rate(self) -> float:
        return self.container_hits / self.container_total if self.container_total else 0.0


def measure(suite: Path, signature_file: Path | None, container_file: Path | None) -> Accuracy:
    from formats.identifiers.droid import DroidIdentifier
    from formats.model import Sample

    droid = DroidIdentifier("DROID", signature_file, container_file)
    known = set(droid.tables.extensions) | droid.tables.container_signed
    result = Accuracy()
    start = time.perf_counter()
    for path in sorted(p for p in suite.rglob("*") if p.is_file()):
        want = expected_puid(path.name)
        if want is None:
            continue
        if want not in known:
            result.unknown_puid += 1
            continue
        match = droid.identify(Sample.from_path(path), None)
        got = match.key.identifier if match.key is not None else "UNKNOWN"
        ok = got == want
        result.known_total += 1
        result.known_hits += ok
        if path.parent.name == "containers":
            result.container_total += 1
            result.container_hits += ok
        if not ok:
            result.misses.append((str(path.relative_to(suite)), want, got))
    result.seconds = time.perf_counter() - start
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("suite", nargs="?", default=str(SHARED / "skeleton-suite"))
    ap.add_argument("--signature-file", default=str(SHARED / "DROID_SignatureFile_V118.xml"))
    ap.add_argument("--container-file", default=str(SHARED / "container-signature-20240501.xml"))
    args = ap.parse_args(argv)
    res = measure(Path(args.suite), Path(args.signature_file), Path(args.container_file))
    print(f"signatures: {Path(args.signature_file).name}; {Path(args.container_file).name}")
    print(f"PUIDs present in the signature file: {res.known_hits}/{res.known_total} = "
          f"{100 * res.known_rate:.2f}%")
    print(f"container files: {res.container_hits}/{res.container_total} = "
          f"{100 * res.container_rate:.2f}%")
    print(f"skipped (PUID not in the signature file): {res.unknown_puid}; "
          f"{res.seconds:.2f}s")
    for name, want, got in res.misses:
        print(f"miss: {name}: expected {want}, got {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
