"""The DROID identifier: PRONOM byte signatures, container signatures, extensions.

Decisions (DROID's definitions, siegfried's wording):

* POSITIVE_SPECIFIC — a byte or container signature matched.
* POSITIVE_GENERIC — the only evidence is a signature the file flags ``Specificity="Generic"``,
  or a bare container format (ZIP, OLE2: a container *trigger*) whose content no container
  signature recognised: we know the wrapper, not the document.
* EXTENSION — DROID's "tentative" hit: no signature matched and exactly one PRONOM format
  without a signature of its own claims the file's extension (warning ``match on extension
  only``); formats that have signatures are ruled out, since their signature would have
  matched (siegfried's rule: ``notes.txt`` is x-fmt/111, not fmt/1085). With several
  claimants the answer is UNIDENTIFIED with ``no match; possibilities based on extension
  are ...``, as siegfried reports it; picking one would be a guess.
* A zero-byte file is UNIDENTIFIED with warning ``empty file`` (PRONOM has no PUID for it).
* Several formats left after priorities: those whose extension matches the file's win; then
  specific over generic; then the lowest PUID. The warning names the others.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from formats.model import Confidence, Match, Sample, unknown
from formats.signatures import DEFAULT_MAX_BYTES, Hit, SignatureEngine, load_compiled
from formats.signatures.window import Window
from registries.model import FormatKey, Registry
from registries.pronom import NAMESPACE, load_pronom_registry, resolve_pair

if TYPE_CHECKING:
    from formats.signatures.container import ContainerHit, ContainerMatcher

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
#: containers up to this size are read once, whole, and parsed in memory
IN_MEMORY_CONTAINER = 256 << 10
#: answers kept per identifier (Matches are immutable; the memo is cleared when full)
MEMO_SIZE = 4096


_ZIP: frozenset[str] = frozenset({"ZIP"})
_OLE2: frozenset[str] = frozenset({"OLE2"})
_NONE: frozenset[str] = frozenset()


class _Config(NamedTuple):
    """How an identifier was built (what a worker process needs to build it again)."""

    name: str
    signature_file: Path | None
    container_file: Path | None
    max_bytes: int
    containers: bool
    exhaustive: bool


class _Ranked(NamedTuple):
    """One result before it becomes a Match: the format, generic or not, and its evidence."""

    puid: str
    generic: bool
    basis: str | Hit   # a container basis, or the byte hit (its basis is built when needed)


def _magic_kinds(head: bytes) -> frozenset[str]:
    """Container kinds whose magic opens the file."""
    if head[:2] == b"PK":
        return _ZIP
    if head[:4] == _OLE2_MAGIC:
        return _OLE2
    return _NONE


class DroidIdentifier:
    """PRONOM identification as DROID does it (see the module docstring for the rules).

    ``exhaustive=True`` keeps searching after a hit for formats that have no priority over
    it (DROID's complete multi-hit view, slower); by default the search stops, as siegfried
    does, once nothing left could outrank what was found. ``max_bytes_to_scan`` caps the
    unanchored searches (DROID's ``profile.maxBytesToScan``, 64 KiB). With no files given,
    the default pair is used (shipped, or installed by ``bsf signatures update``).
    """

    def __init__(self, name: str, signature_file: Path | None = None,
                 container_file: Path | None = None, *,
                 max_bytes_to_scan: int = DEFAULT_MAX_BYTES, containers: bool = True,
                 exhaustive: bool = False) -> None:
        self.name = name
        self.exhaustive = exhaustive
        self._config = _Config(name, signature_file, container_file, max_bytes_to_scan,
                               containers, exhaustive)
        self.signature_file, self.container_file = resolve_pair(signature_file, container_file)
        self.compiled = load_compiled(self.signature_file, self.container_file,
                                      max_bytes_to_scan)
        self._use_containers = containers
        tables = self.tables = self.compiled.tables
        self._by_ext = tables.by_extension
        self._extensions = tables.extensions
        self._priorities = tables.priorities
        self._signed = tables.byte_signed | tables.container_signed if containers \
            else tables.byte_signed
        self._keys: dict[str, FormatKey] = {}
        self._memo: dict[tuple[object, ...], Match] = {}
        self._ext_memo: dict[str, Match] = {}
        self._triggers: dict[str, str] = dict(tables.triggers) if containers else {}
        self._suffix = tables.suffixes

    @property
    def engine(self) -> SignatureEngine:
        return self.compiled.engine

    @property
    def containers(self) -> ContainerMatcher | None:
        """The container matcher (decoded on first use), None when containers are off."""
        return self.compiled.containers if self._use_containers else None

    # picklable for worker processes: ship the configuration, reload from the cache
    def __getstate__(self) -> _Config:
        return self._config

    def __setstate__(self, state: _Config) -> None:
        self.__init__(state.name, state.signature_file,  # type: ignore[misc]
                      state.container_file, max_bytes_to_scan=state.max_bytes,
                      containers=state.containers, exhaustive=state.exhaustive)

    @property
    def registry(self) -> Registry:
        return load_pronom_registry(self.signature_file, self.container_file)

    @property
    def details(self) -> str:
        """What siegfried's header calls ``details``: the signature files, by name."""
        if not self._use_containers:
            return self.signature_file.name
        return f"{self.signature_file.name}; {self.container_file.name}"

    @property
    def version(self) -> str:
        cont = self.tables.container_version if self._use_containers else None
        return self.tables.label + (f"; container {cont}" if cont else "")

    # -- identification -------------------------------------------------------------------

    def identify(self, sample: Sample, previous: Match | None = None) -> Match | None:
        ranked, ext = self._decide(sample)
        if isinstance(ranked, Match):
            return ranked
        # the answer is a pure function of the ranked results and the extension: archives
        # repeat a few hundred (format, signature, positions) shapes, so keep the Matches
        memo = self._memo
        key = (ext, *ranked)
        got = memo.get(key)
        if got is None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            got = memo[key] = self._match(ranked[0], ext, [r.puid for r in ranked[1:]])
        return got

    def identify_all(self, sample: Sample) -> list[Match]:
        """DROID's view: every result after priorities, the chosen one first."""
        ranked, ext = self._decide(sample)
        if isinstance(ranked, Match):
            return [ranked]
        others = [r.puid for r in ranked[1:]]
        return [self._match(item, ext, others if i == 0 else [])
                for i, item in enumerate(ranked)]

    def _match(self, item: _Ranked, ext: str, others: list[str]) -> Match:
        puid, generic, basis = item
        if not isinstance(basis, str):
            basis = self._basis(basis)
        exts = self._extensions.get(puid)
        warning = "extension mismatch" if exts and ext not in exts else ""
        if others:
            multiple = "multiple matches " + ", ".join([puid, *others])
            warning = f"{warning}; {multiple}" if warning else multiple
        key = self._keys.get(puid)
        if key is None:
            key = self._keys[puid] = FormatKey(NAMESPACE, puid)
        conf = Confidence.POSITIVE_GENERIC if generic else Confidence.POSITIVE_SPECIFIC
        return Match(key, conf, self.name, basis, warning)

    def _decide(self, sample: Sample) -> tuple[list[_Ranked] | Match, str]:
        """The ranked results, or the Match when there are none."""
        ext = sample.extension
        if sample.size == 0:
            return unknown(self.name, "empty file"), ext
        win = self.engine.window(sample)
        # containers first (as siegfried orders its matchers): a recognised ZIP/OLE2 document
        # makes the byte scan moot, since DROID replaces the trigger hit with it anyway
        head = win.head(8)
        tried = _magic_kinds(head)
        container_hits = self._containers(sample, tried, win) if tried else []
        hits = [] if container_hits else self.engine.match(win, self.exhaustive)
        triggers = self._triggers
        if hits and triggers:
            # a trigger format found by its byte signature whose magic is not at offset 0
            # (self-extracting or prefixed archives)
            kinds = {triggers[h.puid] for h in hits if h.puid in triggers}
            if kinds - tried:
                container_hits = self._containers(sample, kinds - tried, win)
        if container_hits:
            return self._rank([_Ranked(h.puid, False, h.basis) for h in container_hits],
                              ext), ext
        if hits:
            return self._rank([_Ranked(h.puid, h.generic or h.puid in triggers, h)
                               for h in hits], ext), ext
        got = self._ext_memo.get(ext)
        if got is None:
            if len(self._ext_memo) >= MEMO_SIZE:
                self._ext_memo.clear()
            got = self._ext_memo[ext] = self._extension_only(ext)
        return got, ext

    def _basis(self, hit: Hit) -> str:
        spans = " ".join([f"[{o} {n}]" for o, n in hit.positions])
        suffix = self._suffix.get((hit.puid, hit.signature), "")
        return f"byte match at [{spans}]{suffix}"

    def _rank(self, found: list[_Ranked], ext: str) -> list[_Ranked]:
        if len(found) == 1:
            return found
        seen: dict[str, _Ranked] = {}
        for item in found:
            prev = seen.get(item.puid)
            if prev is None or (prev.generic and not item.generic):
                seen[item.puid] = item
        puids = set(seen)
        keep = [p for p in puids
                if not any(p in self._priorities.get(o, ()) for o in puids if o != p)]

        def order(puid: str) -> tuple[int, int, tuple[str, int, str]]:
            ext_ok = ext in self._extensions.get(puid, ())
            return (0 if ext_ok else 1, 1 if seen[puid].generic else 0, _puid_key(puid))

        return [seen[p] for p in sorted(keep, key=order)]

    def _containers(self, sample: Sample, kinds: frozenset[str] | set[str],
                    win: Window | None = None) -> list[ContainerHit]:
        matcher = self.containers
        if matcher is None or not kinds:
            return []
        found: list[ContainerHit] = []
        for kind in sorted(kinds):
            try:
                if win is not None and sample.size <= IN_MEMORY_CONTAINER:
                    # small containers: one read through the window, then seeks in memory
                    found.extend(matcher.match(io.BytesIO(win.head(sample.size)),
                                               sample.size, kind, sample.problems))
                    continue
                with sample.open() as fh:
                    found.extend(matcher.match(fh, sample.size, kind, sample.problems))
            except OSError:
                continue
        return found

    def _extension_only(self, ext: str) -> Match:
        """DROID's tentative hit, as siegfried narrows it: formats that have a signature are
        ruled out (their signature would have matched), the one left is the answer."""
        candidates = sorted(self._by_ext.get(ext, ()), key=_puid_key) if ext else []
        plausible = [p for p in candidates if p not in self._signed]
        if len(plausible) == 1:
            return Match(FormatKey(NAMESPACE, plausible[0]), Confidence.EXTENSION, self.name,
                         f"extension match {ext}", "match on extension only")
        if candidates:
            return unknown(self.name, "no match; possibilities based on extension are "
                           + ", ".join(plausible or candidates))
        return unknown(self.name, "no match")


def _puid_key(puid: str) -> tuple[str, int, str]:
    """fmt/2 before fmt/10 (numeric), x-fmt after fmt; the PUID itself breaks ties."""
    prefix, _, num = puid.rpartition("/")
    return prefix, int(num) if num.isdigit() else 0, puid
