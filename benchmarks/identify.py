"""Identification speed: bsf's DROID engine (and full stack) vs siegfried (pygfried) vs fido.

    python benchmarks/identify.py DIR [DIR...] [--workers N] [--repeat R] [--fido-max M]
        [--signature-file F] [--container-file F]

Every tool sees the same file list, in the same run, after one untimed pass that warms the
page cache. bsf runs with 1 and N worker processes (multiprocessing, the pool started and
warmed before timing); siegfried through pygfried's ``identify_many`` with the same worker
counts (Go-side concurrency); fido (``python -m fido.fido``, its own bundled V109 data; it
cannot load a DROID XML directly) on at most ``--fido-max`` files, N parallel processes.
Prints files/s for each and the ratio bsf/siegfried; best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "pronom"
V118 = SHARED / "DROID_SignatureFile_V118.xml"
C2024 = SHARED / "container-signature-20240501.xml"

_worker_identify: Callable[[str], object] | None = None


def collect(dirs: Sequence[str]) -> list[str]:
    files: list[str] = []
    for d in dirs:
        for root, _dirs, names in os.walk(d):
            for name in names:
                path = os.path.join(root, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    files.append(path)
    return sorted(files)


def make_droid(sig: str | None, cont: str | None) -> Callable[[str], object]:
    from formats.identifiers.droid import DroidIdentifier
    from formats.model import Sample

    ident = DroidIdentifier("DROID", Path(sig) if sig else None, Path(cont) if cont else None)
    return lambda path: ident.identify(Sample.from_path(path), None)


def make_stack(sig: str | None, cont: str | None) -> Callable[[str], object]:
    from bsfcore.settings import load_settings
    from formats.model import Sample
    from formats.stack import stack_from_settings

    config = None
    if sig:
        fd, config = tempfile.mkstemp(suffix=".cfg", prefix="bsf-bench-")
        with os.fdopen(fd, "w") as fh:
            fh.write(f"formatIdentifier.DROID.signatureFile = {sig}\n")
            if cont:
                fh.write(f"formatIdentifier.DROID.containerSignatureFile = {cont}\n")
    stack, _ = stack_from_settings(load_settings(config))
    return lambda path: stack.identify(Sample.from_path(path))


def _init(kind: str, sig: str | None, cont: str | None) -> None:
    global _worker_identify
    _worker_identify = (make_droid if kind == "droid" else make_stack)(sig, cont)


def _run_chunk(paths: list[str]) -> int:
    assert _worker_identify is not None
    for p in paths:
        _worker_identify(p)
    return len(paths)


Timing = tuple[float, float | None]  # (wall seconds, CPU seconds of this process or None)


def _timed(fn: Callable[[], object], cpu: bool = True) -> Timing:
    wall, proc = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, (time.process_time() - proc) if cpu else None


def bench_bsf(kind: str, files: list[str], workers: int, sig: str | None,
              cont: str | None) -> Timing:
    if workers == 1:
        ident = (make_droid if kind == "droid" else make_stack)(sig, cont)
        for p in files:  # warm: patterns compile on first use, once per process
            ident(p)

        def run() -> None:
            for p in files:
                ident(p)

        return _timed(run)
    chunk = max(1, min(256, len(files) // (workers * 8) or 1))
    chunks = [files[i:i + chunk] for i in range(0, len(files), chunk)]
    ctx = mp.get_context("fork")
    with ctx.Pool(workers, initializer=_init, initargs=(kind, sig, cont)) as pool:
        sum(pool.imap_unordered(_run_chunk, chunks))  # start and warm every worker
        return _timed(lambda: sum(pool.imap_unordered(_run_chunk, chunks)), cpu=False)


def bench_siegfried(files: list[str], workers: int) -> Timing:
    import pygfried

    pygfried.identify_many(files, workers=workers)  # warm, as for bsf
    return _timed(lambda: pygfried.identify_many(files, workers=workers))


def bench_fido(files: list[str], workers: int) -> Timing:
    parts = [files[i::workers] for i in range(workers)]
    lists = []
    for part in parts:
        fd, name = tempfile.mkstemp(suffix=".txt", prefix="bsf-fido-")
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(part) + "\n")
        lists.append(name)
    cmd = [sys.executable, "-m", "fido.fido", "-q", "-matchprintf", "", "-nomatchprintf", "",
           "-input"]
    start = time.perf_counter()
    procs = [subprocess.Popen([*cmd, name], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for name in lists]
    for proc in procs:
        proc.wait()
    elapsed = time.perf_counter() - start
    for name in lists:
        os.unlink(name)
    return elapsed, None


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fido-max", type=int, default=300)
    ap.add_argument("--signature-file", default=str(V118) if V118.exists() else None)
    ap.add_argument("--container-file", default=str(C2024) if C2024.exists() else None)
    ap.add_argument("--no-stack", action="store_true", help="skip the full identifier stack")
    ap.add_argument("--no-fido", action="store_true")
    args = ap.parse_args(argv)
    files = collect(args.dirs)
    if not files:
        print("no files", file=sys.stderr)
        return 2
    for p in files:  # warm the page cache for everyone
        with open(p, "rb") as fh:
            fh.read(1 << 16)
    import pygfried

    sig, cont = args.signature_file, args.container_file
    print(f"files: {len(files)} in {', '.join(args.dirs)}")
    print(f"bsf signatures: {Path(sig).name if sig else 'opf-fido V109 (default)'}; "
          f"{Path(cont).name if cont else 'default containers'}")
    sf = pygfried.identify_many(files[:1])
    details = "; ".join(i.get("details", "") for i in sf.get("identifiers", []))
    print(f"siegfried {pygfried.version()} (pygfried), embedded signatures: {details}")
    print("fido: opf-fido 1.6.1, bundled PRONOM v109 data")
    try:
        from formats.signatures.needles import fast_backend
        backend = "ahocorasick_rs" if fast_backend() else "pyahocorasick"
    except ImportError:  # an engine without the needles module
        backend = "pyahocorasick"
    print(f"bsf needle search: {backend}")
    rows: list[tuple[str, int, Timing]] = []
    counts = sorted({1, args.workers})
    for n in counts:
        # interleaved rounds, best of each: on a shared machine the load changes by the second
        runners: dict[str, Callable[[], Timing]] = {
            "bsf DroidIdentifier": lambda n=n: bench_bsf("droid", files, n, sig, cont)}
        if not args.no_stack:
            runners["bsf full stack"] = lambda n=n: bench_bsf("stack", files, n, sig, cont)
        runners["siegfried"] = lambda n=n: bench_siegfried(files, n)
        results: dict[str, list[Timing]] = {name: [] for name in runners}
        for _ in range(args.repeat):
            for name, run in list(runners.items()):
                try:
                    results[name].append(run())
                except Exception as exc:  # the stack belongs to another module; report it
                    print(f"{name} skipped: {exc}", file=sys.stderr)
                    del runners[name]
        for name, runs in results.items():
            if runs:
                cpus = [r[1] for r in runs if r[1] is not None]
                rows.append((name, n, (min(r[0] for r in runs), min(cpus) if cpus else None)))
    fido_files = files[:args.fido_max]
    if not args.no_fido:
        for n in counts:
            rows.append((f"fido ({len(fido_files)} files)", n, bench_fido(fido_files, n)))
    print("files/s by wall clock; 'cpu' = files per CPU-second of this process (1 worker,")
    print("in-process runs only), steadier than wall time on a shared machine")
    print(f"{'tool':28} {'workers':>7} {'seconds':>9} {'files/s':>10} {'cpu files/s':>12}")
    rate: dict[tuple[str, int], tuple[float, float | None]] = {}
    for name, n, (wall, cpu) in rows:
        count = len(fido_files) if name.startswith("fido") else len(files)
        rate[(name, n)] = (count / wall, count / cpu if cpu else None)
        cpu_text = f"{count / cpu:>12.0f}" if cpu else f"{'-':>12}"
        print(f"{name:28} {n:>7} {wall:>9.3f} {count / wall:>10.0f} {cpu_text}")
    for n in counts:
        for name in ("bsf DroidIdentifier", "bsf full stack"):
            if (name, n) not in rate:
                continue
            ours, theirs = rate[(name, n)], rate[("siegfried", n)]
            line = f"ratio {name} / siegfried, {n} worker(s): {ours[0] / theirs[0]:.2f}x wall"
            if ours[1] and theirs[1]:
                line += f", {ours[1] / theirs[1]:.2f}x cpu"
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
