"""``benchmarks/identify.py --corpus system``: every figure of the identification issue, one run.

Steps: collect the corpus (``_corpus``), warm the page cache and bsf's compiled-signature
cache, then interleave rounds of bsf (full stack, 1 worker, in this process), bsf's DROID
identifier alone and siegfried (``identify_many(workers=1)``, in this process: both measured in
CPU seconds of this process and in wall time); then whole-process runs in children
(``bsf identify`` and a Python running pygfried, on one file and on the whole corpus; fido on
``--fido-max`` files), each child's own CPU time and peak RSS read with ``wait4``; then the
accuracy figures (``_identify_checks``).
"""

from __future__ import annotations

import gc
import importlib.metadata
import os
import sys
import time
from pathlib import Path

from _corpus import inventory, negative_samples, roots, system_corpus, text_samples
from _identify_checks import agreement, renamed_scores, stack_identify
from identify import (
    ROOT,
    Child,
    Timing,
    bench_bsf,
    bench_fido,
    bench_siegfried,
    best,
    fido_cmd,
    load,
    rate,
    run_child,
)

BSF = str(Path(sys.executable).with_name("bsf"))
SF_ONE = "import sys, pygfried; pygfried.identify(sys.argv[1])"
SF_MANY = ("import sys, pygfried; pygfried.identify_many(sys.stdin.read().split('\\n'), "
           "workers=1)")


def _best(runs: list[Child]) -> Child:
    return Child(min(r.wall for r in runs), min(r.cpu for r in runs),
                 max(r.peak_mib for r in runs))


def _best_child(cmd: list[str], rounds: int, stdin_text: str | None = None) -> Child:
    return _best([run_child(cmd, stdin_text) for _ in range(rounds)])


def _best_pair(ours: list[str], theirs: list[str], rounds: int,
               stdin_text: str | None = None) -> tuple[Child, Child]:
    """Best of ``rounds`` for two commands run turn about, as the steady state is: this
    machine's speed drifts within minutes, and back-to-back blocks would hand the drift to
    whichever tool ran in the faster minutes."""
    a: list[Child] = []
    b: list[Child] = []
    for _ in range(rounds):
        a.append(run_child(ours))
        b.append(run_child(theirs, stdin_text))
    return _best(a), _best(b)


def system_mode(repeat: int, fido_max: int, with_fido: bool) -> int:
    import pygfried

    from bsfcore.settings import load_settings
    from formats.stack import stack_from_settings
    from registries.pronom.datafiles import default_pair

    print(f"load average at start: {load()}")
    started = time.perf_counter()
    inv = inventory(str(ROOT))
    corpus = system_corpus(inv)
    files = [p for paths in corpus.values() for p in paths]
    texts, negatives = text_samples(inv), negative_samples(inv)
    del inv   # 100,000+ paths: the cyclic GC would walk them during every timed bsf round
    print(f"corpus: {len(files)} real files from {', '.join(roots())} "
          f"(collected in {time.perf_counter() - started:.1f} s): "
          + ", ".join(f"{k} {len(v)}" for k, v in corpus.items()))
    for path in files:
        with open(path, "rb") as fh:
            fh.read(1 << 17)
    pair = default_pair()
    sf_head = pygfried.identify_many(files[:1])
    sf_data = "; ".join(i.get("details", "") for i in sf_head.get("identifiers", []))
    print(f"bsf {importlib.metadata.version('bsf')}: {pair.signature.name}; "
          f"{pair.container.name} ({pair.signature_origin})")
    print(f"siegfried {pygfried.version()} (pygfried "
          f"{importlib.metadata.version('pygfried')}): {sf_data}")
    if with_fido:
        print(f"fido {importlib.metadata.version('opf-fido')} (its bundled PRONOM v109)")
    run_child([BSF, "identify", files[0]])          # builds the caches if needed
    gc.collect()
    gc.freeze()   # what setup left behind is not the measured code's garbage

    # -- steady state ----------------------------------------------------------------------
    rounds: dict[str, list[Timing]] = {"bsf full stack": [], "bsf DroidIdentifier": [],
                                       "siegfried": []}
    for _ in range(repeat):
        rounds["bsf full stack"].append(bench_bsf("stack", files, 1))
        rounds["siegfried"].append(bench_siegfried(files, 1))
        rounds["bsf DroidIdentifier"].append(bench_bsf("droid", files, 1))
    print(f"\nsteady state, 1 worker, {len(files)} files (best of {repeat} interleaved "
          f"rounds; load {load()}):")
    sf = best(rounds["siegfried"])
    for name, runs in rounds.items():
        t = best(runs)
        line = f"  {name:22} {rate(len(files), t)}"
        if name != "siegfried" and t.cpu and sf.cpu:
            line += f"   {sf.cpu / t.cpu:.2f}x siegfried cpu, {sf.wall / t.wall:.2f}x wall"
        print(line)
    few = files[:fido_max]
    if with_fido:
        fido = bench_fido(few, 1)
        print(f"  {'fido':22} {len(few) / fido.wall:8.0f} files/s wall (whole process, "
              f"{len(few)} files)")

    # -- whole process ---------------------------------------------------------------------
    print(f"\nwhole process, warm caches (best of {max(3, repeat)} interleaved rounds; "
          f"load {load()}):")
    one = files[0]
    bsf_one, sf_one = _best_pair([BSF, "identify", one], [sys.executable, "-c", SF_ONE, one],
                                 max(5, repeat))
    print(f"  start-up, one file:   bsf identify {bsf_one.wall:.3f} s wall "
          f"{bsf_one.cpu:.3f} s CPU; siegfried {sf_one.wall:.3f} s wall {sf_one.cpu:.3f} s CPU")
    if with_fido:
        fido_one = _best_child([sys.executable, "-m", "fido.fido", "-q", one], 3)
        print(f"                        fido {fido_one.wall:.3f} s wall "
              f"{fido_one.cpu:.3f} s CPU")
    bsf_all, sf_all = _best_pair([BSF, "identify", *files], [sys.executable, "-c", SF_MANY],
                                 max(3, repeat), "\n".join(files))
    print(f"  {len(files)} files:          bsf identify {bsf_all.wall:.2f} s wall "
          f"{bsf_all.cpu:.2f} s CPU ({len(files) / bsf_all.cpu:.0f} files/CPU-s); "
          f"siegfried {sf_all.wall:.2f} s wall {sf_all.cpu:.2f} s CPU")
    print(f"  ratio whole process:  {sf_all.cpu / bsf_all.cpu:.2f}x siegfried CPU, "
          f"{sf_all.wall / bsf_all.wall:.2f}x wall")
    if with_fido:
        list_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"bsf-fido-{os.getpid()}.txt"
        list_file.write_text("\n".join(few) + "\n")
        fido_all = run_child(fido_cmd(str(list_file)))
        list_file.unlink()
        print(f"  fido, {len(few)} files:     {fido_all.wall:.2f} s wall "
              f"({len(few) / fido_all.wall:.0f} files/s)")
    print(f"  peak memory:          bsf identify over the corpus {bsf_all.peak_mib:.0f} MiB, "
          f"one file {bsf_one.peak_mib:.0f} MiB; siegfried {sf_all.peak_mib:.0f} MiB")

    # -- accuracy ----------------------------------------------------------------------------
    stack, registries = stack_from_settings(load_settings(None, environ={}))
    identify = stack_identify(stack)
    sf_ids = {f["filename"]: f["matches"][0]["id"] if f.get("matches") else "UNKNOWN"
              for f in pygfried.identify_many(files, workers=1)["files"]}
    pronom = registries.registry("PRONOM")
    known = frozenset(f.key.identifier for f in pronom) if pronom is not None else frozenset()
    agree = agreement(files, identify, sf_ids, known)
    print(f"\nagreement with siegfried where both name a format: {agree.same}/{agree.both} = "
          f"{100 * agree.same / max(1, agree.both):.1f} %")
    print(f"  ... where siegfried's format is in bsf's signature file: "
          f"{agree.same_known}/{agree.both_known} = "
          f"{100 * agree.same_known / max(1, agree.both_known):.1f} %")
    for (ext, ours, theirs), count in agree.differences.most_common(6):
        note = "" if theirs in known else "  (not in bsf's signature file)"
        print(f"  {count:4} .{ext}: bsf {ours}, siegfried {theirs}{note}")
    score = renamed_scores(texts, negatives, identify, registries)
    right, total = sum(score.right.values()), sum(score.total.values())
    print(f"renamed to .dat, identified by content: {right}/{total} = "
          f"{100 * right / max(1, total):.1f} % ("
          + ", ".join(f"{k} {score.right[k]}/{n}" for k, n in score.total.items()) + ")")
    for kind, path, got in score.misses[:8]:
        print(f"  miss {kind}: {path} -> {got}")
    negatives = sum(score.negatives.values())
    print(f"false positives on prose, code, logs, config renamed .dat: "
          f"{len(score.false_positives)}/{negatives} ("
          + ", ".join(f"{k} {n}" for k, n in score.negatives.items()) + ")")
    for kind, path, got in score.false_positives[:8]:
        print(f"  false positive {kind}: {path} -> {got}")
    print(f"load average at end: {load()}; {time.perf_counter() - started:.0f} s in all")
    return 0
