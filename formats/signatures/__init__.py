"""The compiled byte-signature engine (DROID semantics), independent of any registry model.

``load_engine(path)`` parses (cached) and compiles (cached) a DROID signature file once per
process; ``SignatureEngine.match(window)`` returns the formats a file matches after priorities.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from formats.signatures.compile import compile_signature
from formats.signatures.engine import DEFAULT_MAX_BYTES, Hit, SignatureEngine
from formats.signatures.safety import check_signatures
from formats.signatures.window import Window
from registries.pronom import load_signature_file
from registries.pronom.cache import cached
from registries.pronom.model import SignatureFile

__all__ = ["DEFAULT_MAX_BYTES", "Hit", "SignatureEngine", "Window", "build_engine",
           "code_version", "load_engine"]


def build_engine(sigfile: SignatureFile, max_bytes: int = DEFAULT_MAX_BYTES) -> SignatureEngine:
    compiled = {sid: compile_signature(sig) for sid, sig in sigfile.signatures.items()}
    check_signatures(((sigfile.signatures[sid], c) for sid, c in compiled.items()),
                     sigfile.source, max_bytes)
    formats_of: dict[int, list[str]] = {}
    for fmt in sigfile.formats.values():
        for sid in fmt.signature_ids:
            formats_of.setdefault(sid, []).append(fmt.puid)
    return SignatureEngine(compiled, formats_of, sigfile.priorities(), max_bytes)


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the modules that shape the compiled form: editing them invalidates the
    cache without anyone remembering to bump a number."""
    digest = hashlib.sha256()
    for name in ("pattern.py", "compile.py", "engine.py", "container.py", "safety.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:12]


@lru_cache(maxsize=8)
def _engine(path: Path | None, max_bytes: int) -> SignatureEngine:
    sigfile = load_signature_file(path)
    return cached(f"engine-{max_bytes}-{code_version()}", sigfile.sha256,
                  lambda: build_engine(sigfile, max_bytes))


def load_engine(path: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> SignatureEngine:
    """The compiled engine of a DROID signature file (default opf-fido's V109), cached."""
    return _engine(Path(path).resolve() if path else None, max_bytes)
