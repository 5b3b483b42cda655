"""The compiled byte-signature engine (DROID semantics), independent of any registry model.

``load_compiled(signature_file, container_file)`` gives, once per process, everything the DROID
identifier needs from a pair of PRONOM files: small tables (extensions, priorities, which
formats have signatures, container triggers) and the two matchers. The whole bundle is pickled
into the user cache under the files' digests and a digest of the engine's own source, and the
matchers inside it are kept as pickled blobs that are decoded only when first used -- so
``bsf identify ONE_FILE`` on a text file never decodes the container signatures, and the
engine decodes a signature only when a file makes it a candidate.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from formats.signatures.engine import DEFAULT_MAX_BYTES, Hit, SignatureEngine
from formats.signatures.window import Window
from registries.pronom import (
    load_container_file,
    load_signature_file,
    resolve_pair,
)
from registries.pronom.cache import cached, file_sha256

if TYPE_CHECKING:
    from formats.signatures.container import ContainerMatcher
    from registries.pronom.model import ContainerFile, SignatureFile

__all__ = ["DEFAULT_MAX_BYTES", "CompiledPronom", "DroidTables", "Hit", "SignatureEngine",
           "Window", "build_engine", "check_pair", "code_version", "load_compiled", "load_engine"]


def build_engine(sigfile: SignatureFile, max_bytes: int = DEFAULT_MAX_BYTES) -> SignatureEngine:
    from formats.signatures.compile import compile_signature
    from formats.signatures.safety import check_signatures

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
    for name in ("__init__.py", "pattern.py", "compile.py", "compiled.py", "engine.py",
                 "tables.py", "container.py", "safety.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class DroidTables:
    """What the DROID identifier needs about formats, besides the matchers."""

    label: str                                   # "V118"
    container_version: str | None                # signatureVersion of the container file
    extensions: dict[str, tuple[str, ...]]       # PUID -> its extensions
    signature_ids: dict[str, tuple[int, ...]]    # PUID -> its internal signature ids
    priorities: dict[str, tuple[str, ...]]       # PUID -> PUIDs it has priority over
    byte_signed: frozenset[str]                  # PUIDs with a byte signature
    container_signed: frozenset[str]             # PUIDs with a container signature
    triggers: dict[str, str]                     # trigger PUID -> container type
    by_extension: dict[str, tuple[str, ...]]     # extension -> PUIDs claiming it
    #: siegfried's " (signature 2/3)" for formats with several signatures, by (PUID, id)
    suffixes: dict[tuple[str, int], str]


def _tables(sigfile: SignatureFile, containers: ContainerFile) -> DroidTables:
    container_signed = {p for sig in containers.signatures.values()
                        if sig.container_type in ("ZIP", "OLE2")
                        for p in containers.mappings.get(sig.id, ())}
    by_ext: dict[str, list[str]] = {}
    for puid, fmt in sigfile.formats.items():
        for ext in fmt.extensions:
            by_ext.setdefault(ext, []).append(puid)
    return DroidTables(
        by_extension={ext: tuple(puids) for ext, puids in by_ext.items()},
        suffixes={(p, sid): f" (signature {i}/{len(f.signature_ids)})"
                  for p, f in sigfile.formats.items() if len(f.signature_ids) > 1
                  for i, sid in enumerate(f.signature_ids, 1)},
        label=sigfile.label, container_version=containers.version,
        extensions={p: f.extensions for p, f in sigfile.formats.items()},
        signature_ids={p: f.signature_ids for p, f in sigfile.formats.items()},
        priorities={p: tuple(sorted(o)) for p, o in sigfile.priorities().items()},
        byte_signed=frozenset(p for p, f in sigfile.formats.items() if f.signature_ids),
        container_signed=frozenset(container_signed), triggers=dict(containers.triggers))


@dataclass
class CompiledPronom:
    """The tables plus the engine and the container matcher, each decoded on first use."""

    tables: DroidTables
    engine_blob: bytes
    container_blob: bytes
    _engine: SignatureEngine | None = field(default=None, repr=False, compare=False)
    _containers: ContainerMatcher | None = field(default=None, repr=False, compare=False)

    @property
    def engine(self) -> SignatureEngine:
        if self._engine is None:
            self._engine = pickle.loads(self.engine_blob)
        return self._engine

    @property
    def containers(self) -> ContainerMatcher:
        if self._containers is None:
            self._containers = pickle.loads(self.container_blob)
        return self._containers

    def __getstate__(self) -> tuple[DroidTables, bytes, bytes]:
        return self.tables, self.engine_blob, self.container_blob

    def __setstate__(self, state: tuple[DroidTables, bytes, bytes]) -> None:
        self.tables, self.engine_blob, self.container_blob = state
        self._engine = self._containers = None


def _build(sig: Path, cont: Path, max_bytes: int) -> CompiledPronom:
    from formats.signatures.container import ContainerMatcher

    sigfile = load_signature_file(sig)
    containers = load_container_file(cont)
    engine = build_engine(sigfile, max_bytes)
    matcher = ContainerMatcher(containers)
    compiled = CompiledPronom(_tables(sigfile, containers),
                              pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL),
                              pickle.dumps(matcher, protocol=pickle.HIGHEST_PROTOCOL))
    compiled._engine, compiled._containers = engine, matcher
    return compiled


@lru_cache(maxsize=8)
def _compiled(sig: Path, sig_sha: str, cont: Path, cont_sha: str,
              max_bytes: int) -> CompiledPronom:
    return cached(f"pronom-compiled-{max_bytes}-{code_version()}",
                  f"{sig_sha[:32]}-{cont_sha[:32]}", lambda: _build(sig, cont, max_bytes))


def load_compiled(signature_file: Path | None = None, container_file: Path | None = None,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> CompiledPronom:
    """The compiled pair (default: the shipped or user-installed files), once per process."""
    sig, cont = resolve_pair(signature_file, container_file)
    # the parse functions report a missing file with its path
    if not sig.is_file():
        load_signature_file(sig)
    if not cont.is_file():
        load_container_file(cont)
    return _compiled(sig.resolve(), file_sha256(sig), cont.resolve(), file_sha256(cont),
                     max_bytes)


def check_pair(signature_file: Path, container_file: Path) -> None:
    """Parse and compile a pair, uncached: raises BsfError (with file and line, or the bad
    pattern) when it could not be used. ``bsf signatures update`` refuses what fails."""
    from formats.signatures.container import ContainerMatcher
    from registries.pronom.parse import parse_container_file, parse_signature_file

    build_engine(parse_signature_file(signature_file))
    ContainerMatcher(parse_container_file(container_file))


def load_engine(path: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> SignatureEngine:
    """The compiled engine of a DROID signature file (default: the shipped or installed one)."""
    return load_compiled(path, None, max_bytes).engine
