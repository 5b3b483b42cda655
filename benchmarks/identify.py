"""Identification speed and accuracy: bsf (full stack and DROID alone) vs siegfried vs fido.

    python benchmarks/identify.py --corpus system [--repeat R] [--fido-max M]
    python benchmarks/identify.py DIR [DIR...] [--workers N] [--repeat R] [--fido-max M]

``--corpus system`` collects a deterministic corpus of real files from this machine's system
folders (recipe in ``benchmarks/_corpus.py`` and docs/identification-engine.md; nothing is
copied into the project) and prints, in one run: steady-state files/s of the bsf full stack
and of siegfried (pygfried ``identify_many(workers=1)``) and fido, their ratios, the start-up
of one-file runs, the whole process over the corpus, peak memory, the agreement with
siegfried, the renamed-``.dat`` text score and the false positives on prose, code, logs and
config. Ratios are measured in the same run, in interleaved rounds (best of each): on a
shared machine the load changes by the second, and the load average is printed with them.

With folders instead, the older comparison runs on their files with 1 and N workers.
Child processes run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` unset), as an
installed bsf would.
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
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

_worker_identify: Callable[[str], object] | None = None


class Timing(NamedTuple):
    wall: float
    cpu: float | None   # CPU seconds of this process (threads included), None for children


class Child(NamedTuple):
    wall: float
    cpu: float
    peak_mib: float


def collect(dirs: Sequence[str]) -> list[str]:
    files: list[str] = []
    for d in dirs:
        for root, _dirs, names in os.walk(d):
            for name in names:
                path = os.path.join(root, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    files.append(path)
    return sorted(files)


def make_droid() -> Callable[[str], object]:
    from formats.identifiers.droid import DroidIdentifier
    from formats.model import Sample

    ident = DroidIdentifier("DROID")
    return lambda path: ident.identify(Sample.from_path(path), None)


def make_stack() -> Callable[[str], object]:
    from bsfcore.settings import load_settings
    from formats.model import Sample
    from formats.stack import stack_from_settings

    stack, _ = stack_from_settings(load_settings(None, environ={}))
    return lambda path: stack.identify(Sample.from_path(path))


def _init(kind: str) -> None:
    global _worker_identify
    _worker_identify = (make_droid if kind == "droid" else make_stack)()


def _run_chunk(paths: list[str]) -> int:
    assert _worker_identify is not None
    for p in paths:
        _worker_identify(p)
    return len(paths)


def _timed(fn: Callable[[], object], cpu: bool = True) -> Timing:
    wall, proc = time.perf_counter(), time.process_time()
    fn()
    return Timing(time.perf_counter() - wall, (time.process_time() - proc) if cpu else None)


def bench_bsf(kind: str, files: list[str], workers: int) -> Timing:
    if workers == 1:
        ident = (make_droid if kind == "droid" else make_stack)()
        for p in files:  # warm: patterns compile on first use, once per process
            ident(p)
        return _timed(lambda: [ident(p) for p in files])
    chunk = max(1, min(256, len(files) // (workers * 8) or 1))
    chunks = [files[i:i + chunk] for i in range(0, len(files), chunk)]
    ctx = mp.get_context("fork")
    with ctx.Pool(workers, initializer=_init, initargs=(kind,)) as pool:
        sum(pool.imap_unordered(_run_chunk, chunks))  # start and warm every worker
        return _timed(lambda: sum(pool.imap_unordered(_run_chunk, chunks)), cpu=False)


def bench_siegfried(files: list[str], workers: int) -> Timing:
    import pygfried

    pygfried.identify_many(files, workers=workers)  # warm, as for bsf
    return _timed(lambda: pygfried.identify_many(files, workers=workers))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(cmd: list[str], stdin_text: str | None = None) -> Child:
    """Run ``cmd`` to the end: its wall time, CPU time (``wait4``) and peak RSS.

    For the peak the child is started through ``/usr/bin/time`` when it exists: a child forked
    straight from this (large) process reports this process's memory as its own peak (Linux
    keeps the high-water mark across ``exec``); ``time`` is small.
    """
    timer = "/usr/bin/time"
    report = None
    if os.path.exists(timer):
        fd, report = tempfile.mkstemp(prefix="bsf-time-", suffix=".txt")
        os.close(fd)
        cmd = [timer, "-f", "%M", "-o", report, *cmd]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.PIPE if stdin_text is not None else None,
                            env=_env(), cwd=tempfile.gettempdir())
    if stdin_text is not None and proc.stdin is not None:
        proc.stdin.write(stdin_text.encode())
        proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime   # (includes the reaped grandchild: microseconds)
    if report is not None:
        try:
            return Child(wall, cpu, int(Path(report).read_text().split()[-1]) / 1024)
        finally:
            os.unlink(report)
    return Child(wall, cpu, usage.ru_maxrss / 1024)


def fido_cmd(list_file: str) -> list[str]:
    return [sys.executable, "-m", "fido.fido", "-q", "-matchprintf", "", "-nomatchprintf", "",
            "-input", list_file]


def bench_fido(files: list[str], workers: int) -> Timing:
    parts = [files[i::workers] for i in range(workers)]
    lists = []
    for part in parts:
        fd, name = tempfile.mkstemp(suffix=".txt", prefix="bsf-fido-")
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(part) + "\n")
        lists.append(name)
    start = time.perf_counter()
    procs = [subprocess.Popen(fido_cmd(name), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for name in lists]
    for proc in procs:
        proc.wait()
    elapsed = time.perf_counter() - start
    for name in lists:
        os.unlink(name)
    return Timing(elapsed, None)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (5 min {five:.2f})"


def best(runs: list[Timing]) -> Timing:
    cpus = [r.cpu for r in runs if r.cpu is not None]
    return Timing(min(r.wall for r in runs), min(cpus) if cpus else None)


def rate(count: int, t: Timing) -> str:
    cpu = f"{count / t.cpu:8.0f}" if t.cpu else f"{'-':>8}"
    return f"{count / t.wall:8.0f} files/s wall {cpu} files/CPU-s"


def dirs_mode(args: argparse.Namespace) -> int:
    files = collect(args.dirs)
    if not files:
        print("no files", file=sys.stderr)
        return 2
    for p in files:  # warm the page cache for everyone
        with open(p, "rb") as fh:
            fh.read(1 << 16)
    print(f"files: {len(files)} in {', '.join(args.dirs)}; load {load()}")
    counts = sorted({1, args.workers})
    for n in counts:
        runners: dict[str, Callable[[], Timing]] = {
            "bsf DroidIdentifier": lambda n=n: bench_bsf("droid", files, n),
            "bsf full stack": lambda n=n: bench_bsf("stack", files, n),
            "siegfried": lambda n=n: bench_siegfried(files, n)}
        results: dict[str, list[Timing]] = {name: [] for name in runners}
        for _ in range(args.repeat):
            for name, run in runners.items():
                results[name].append(run())
        sf = best(results["siegfried"])
        for name, runs in results.items():
            t = best(runs)
            line = f"{name:22} {n} worker(s) {rate(len(files), t)}"
            if name != "siegfried":
                line += f"   {sf.wall / t.wall:.2f}x siegfried wall"
                if t.cpu and sf.cpu:
                    line += f", {sf.cpu / t.cpu:.2f}x cpu"
            print(line)
        if not args.no_fido:
            few = files[:args.fido_max]
            print(f"{'fido':22} {n} worker(s) {rate(len(few), bench_fido(few, n))}"
                  f"   ({len(few)} files)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="*")
    ap.add_argument("--corpus", choices=["system"], help="collect real files from this "
                    "machine's system folders instead of naming folders")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fido-max", type=int, default=300)
    ap.add_argument("--no-fido", action="store_true")
    args = ap.parse_args(argv)
    if args.corpus == "system":
        from _system_bench import system_mode

        return system_mode(args.repeat, args.fido_max, not args.no_fido)
    if not args.dirs:
        ap.error("name folders, or use --corpus system")
    return dirs_mode(args)


if __name__ == "__main__":
    raise SystemExit(main())
