"""Container signatures: ZIP (OOXML, ODF, EPUB, ...) and OLE2 (legacy Office, ...).

A container signature lists member paths that must all exist, some with byte signatures the
member's content must match (any one of a member's signatures suffices, as in DROID). We open
the container's directory once per file and read only the members some signature names, each
only as far as the furthest byte any of its signatures can need.

The readers are bounded (see :mod:`formats.signatures.ole2`, :mod:`formats.signatures.zipdir`):
one :class:`~formats.signatures.window.ReadBudget` per file, and whatever bound a file breaks
is named in the ``problems`` list the caller passes, while the file is still matched on what
was read. A hostile container signature file is refused when it is compiled
(:mod:`formats.signatures.safety`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from formats.signatures.compiled import CompiledSignature
from formats.signatures.match import match_signature
from formats.signatures.ole2 import OleDirectory
from formats.signatures.window import ReadBudget, Window
from formats.signatures.zipdir import ZipDirectory
from registries.pronom.references import EOF

if TYPE_CHECKING:
    from registries.pronom.model import ContainerFile, InternalSignature

#: how much of one member we inflate for an unbounded signature
MEMBER_LIMIT = 1 << 20


class ContainerHit(NamedTuple):
    puid: str
    signature: int
    basis: str


class _File(NamedTuple):
    path: str
    signatures: tuple[CompiledSignature, ...]
    need: int  # bytes of the member to read


class _Container(NamedTuple):
    id: int
    kind: str
    files: tuple[_File, ...]
    puids: tuple[str, ...]


class _Member(NamedTuple):
    """A member's bytes read so far (as a window) and how many were asked for."""

    need: int
    window: Window


def _need(sigs: tuple[CompiledSignature, ...]) -> int:
    need = 0
    for sig in sigs:
        for seq in sig.sequences:
            if seq.extent is None or seq.reference == EOF:
                return MEMBER_LIMIT
            need = max(need, seq.extent)
    return need


class ContainerMatcher:
    """The compiled container signatures of one container signature file."""

    def __init__(self, data: ContainerFile) -> None:
        from formats.signatures.compile import compile_signature

        self.version = data.version
        self.triggers = dict(data.triggers)
        containers = []
        compiled: list[tuple[InternalSignature, CompiledSignature]] = []
        for cs in sorted(data.signatures.values(), key=lambda c: c.id):
            puids = tuple(data.mappings.get(cs.id, ()))
            if not puids or cs.container_type not in ("ZIP", "OLE2"):
                continue
            files = []
            for f in cs.files:
                sigs = tuple(compile_signature(s) for s in f.signatures)
                compiled.extend(zip(f.signatures, sigs, strict=True))
                files.append(_File(f.path, sigs, _need(sigs)))
            containers.append(_Container(cs.id, cs.container_type, tuple(files), puids))
        from formats.signatures.safety import check_signatures  # at build time only

        check_signatures(compiled, data.source, MEMBER_LIMIT)
        self.containers = containers
        # index each container under its rarest exact path: a file's directory entries then
        # name the few containers worth testing
        freq: dict[str, int] = {}
        for cont in containers:
            for entry in cont.files:
                freq[entry.path] = freq.get(entry.path, 0) + 1
        index: dict[tuple[str, str], list[int]] = {}
        always: dict[str, list[int]] = {}
        for i, cont in enumerate(containers):
            exact = [e.path for e in cont.files if not e.path.endswith("/")]
            if not exact:
                always.setdefault(cont.kind, []).append(i)
                continue
            key = min(exact, key=lambda p: (freq[p], p))
            index.setdefault((cont.kind, key), []).append(i)
        self._index = index
        self._always = always
        self._paths = frozenset(e.path for c in containers for e in c.files)

    def kinds(self) -> set[str]:
        return {c.kind for c in self.containers}

    def match(self, fh: BinaryIO, size: int, kind: str,
              problems: list[str] | None = None) -> list[ContainerHit]:
        """Every container signature of ``kind`` the file satisfies (no priorities yet).

        ``problems`` receives the bounds the file broke (the hits are from what was read)."""
        budget = ReadBudget(problems if problems is not None else [])
        directory: ZipDirectory | OleDirectory
        if kind == "ZIP":
            directory = ZipDirectory(fh, size, self._paths, budget)
            if not directory:
                return []
        else:
            directory = OleDirectory(fh, size, budget)
            if not directory.entries:
                return []
        cache: dict[str, _Member] = {}
        chosen = set(self._always.get(kind, ()))
        index = self._index
        for name in directory.entries:
            got = index.get((kind, name))
            if got:
                chosen.update(got)
        hits: list[ContainerHit] = []
        for i in sorted(chosen):
            cont = self.containers[i]
            basis = self._satisfied(cont, directory, cache)
            if basis is not None:
                hits.extend(ContainerHit(p, cont.id, basis) for p in cont.puids)
        return hits

    def _satisfied(self, cont: _Container, directory: ZipDirectory | OleDirectory,
                   cache: dict[str, _Member]) -> str | None:
        names: list[str] = []
        byte_basis = byte_path = ""
        for f in cont.files:
            if not directory.has(f.path):
                return None
            if not f.signatures:
                names.append(f.path)
                continue
            got = cache.get(f.path)
            if got is None or got.need < f.need:
                got = cache[f.path] = _Member(f.need,
                                              Window.of_bytes(directory.read(f.path, f.need)))
            win = got.window
            found = None
            for sig in f.signatures:
                found = match_signature(sig, win, MEMBER_LIMIT)
                if found is not None:
                    break
            if found is None:
                return None
            if not byte_basis:
                spans = " ".join(f"[{o} {n}]" for o, n in found)
                byte_basis = f"container name {f.path} with byte match at [{spans}]"
                byte_path = f.path
            else:
                names.append(f.path)
        unique = list(dict.fromkeys(names))  # a path may be listed twice (with and without bytes)
        if byte_basis:
            return byte_basis + "".join(f"; name {n}" for n in unique if n != byte_path)
        return "container name " + "; name ".join(unique)
