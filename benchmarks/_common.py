"""Helpers shared by the benchmark scripts: peak memory and running a measurement in a child.

Peak RSS is a per-process high-water mark, so each measured configuration runs in its own
child process (:func:`run_child`) and reports its own figures as one JSON line on stdout.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def emit(result: dict[str, Any]) -> None:
    """Print a child's result as the last line of its stdout (read by :func:`run_child`)."""
    result.setdefault("peak_rss_mb", round(peak_rss_mb(), 1))
    print(json.dumps(result), flush=True)


def run_child(script: Path, args: list[str], timeout: float = 1800) -> dict[str, Any]:
    """Run ``script`` with ``args`` in a fresh interpreter and return the JSON it emitted."""
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{script.name} {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
