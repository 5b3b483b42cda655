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

from formats.model import Confidence, Match, Sample, unknown
from formats.signatures import DEFAULT_MAX_BYTES, Hit, code_version, load_engine
from formats.signatures.container import ContainerHit, ContainerMatcher
from formats.signatures.window import Window
from registries.model import FormatKey, Registry
from registries.pronom import (
    NAMESPACE,
    load_container_file,
    load_pronom_registry,
    load_signature_file,
)
from registries.pronom.cache import cached

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
#: containers up to this size are read once, whole, and parsed in memory
IN_MEMORY_CONTAINER = 256 << 10
#: answers kept per identifier (Matches are immutable; the memo is cleared when full)
MEMO_SIZE = 4096


_ZIP: frozenset[str] = frozenset({"ZIP"})
_OLE2: frozenset[str] = frozenset({"OLE2"})
_NONE: frozenset[str] = frozenset()


def _magic_kinds(head: bytes) -> frozenset[str]:
    """Container kinds whose magic opens the file."""
    if head[:2] == b"PK":
        return _ZIP
    if head[:4] == _OLE2_MAGIC:
        return _OLE2
    return _NONE


def load_container_matcher(path: Path | None) -> ContainerMatcher:
    data = load_container_file(path)
    return cached(f"containers-{code_version()}", data.sha256, lambda: ContainerMatcher(data))


class DroidIdentifier:
    """PRONOM identification as DROID does it (see the module docstring for the rules).

    ``exhaustive=True`` keeps searching after a hit for formats that have no priority over
    it (DROID's complete multi-hit view, slower); by default the search stops, as siegfried
    does, once nothing left could outrank what was found. ``max_bytes_to_scan`` caps the
    unanchored searches (DROID's ``profile.maxBytesToScan``, 64 KiB).
    """

    def __init__(self, name: str, signature_file: Path | None = None,
                 container_file: Path | None = None, *,
                 max_bytes_to_scan: int = DEFAULT_MAX_BYTES, containers: bool = True,
                 exhaustive: bool = False) -> None:
        self.name = name
        self.exhaustive = exhaustive
        self._config = (name, signature_file, container_file, max_bytes_to_scan, containers,
                        exhaustive)
        self.signature_file = signature_file
        self.container_file = container_file
        self.engine = load_engine(signature_file, max_bytes_to_scan)
        self.sigfile = load_signature_file(signature_file)
        self.containers = load_container_matcher(container_file) if containers else None
        self._formats = self.sigfile.formats
        by_ext: dict[str, list[str]] = {}
        for puid, fmt in self._formats.items():
            for ext in fmt.extensions:
                by_ext.setdefault(ext, []).append(puid)
        self._by_ext = by_ext
        self._priorities = self.sigfile.priorities()
        signed = {p for p, f in self._formats.items() if f.signature_ids}
        if self.containers is not None:
            signed.update(p for c in self.containers.containers for p in c.puids)
        self._signed = frozenset(signed)
        self._keys: dict[str, FormatKey] = {}
        self._memo: dict[tuple[object, ...], Match] = {}
        self._ext_memo: dict[str, Match] = {}
        self._triggers: dict[str, str] = dict(self.containers.triggers) if self.containers \
            else {}
        #: siegfried's " (signature 2/3)" for formats with several signatures
        self._suffix = {(p, sid): f" (signature {i}/{len(f.signature_ids)})"
                        for p, f in self._formats.items() if len(f.signature_ids) > 1
                        for i, sid in enumerate(f.signature_ids, 1)}

    # picklable for worker processes: ship the configuration, reload from the cache
    def __getstate__(self) -> tuple[object, ...]:
        return self._config

    def __setstate__(self, state: tuple[object, ...]) -> None:
        name, sig, cont, max_bytes, containers, exhaustive = state
        self.__init__(name, sig, cont, max_bytes_to_scan=max_bytes,  # type: ignore[misc]
                      containers=containers, exhaustive=exhaustive)

    @property
    def registry(self) -> Registry:
        return load_pronom_registry(self.signature_file, self.container_file)

    @property
    def version(self) -> str:
        cont = self.containers.version if self.containers else None
        return self.sigfile.label + (f"; container {cont}" if cont else "")

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
            got = memo[key] = self._match(ranked[0], ext, [p for p, _, _ in ranked[1:]])
        return got

    def identify_all(self, sample: Sample) -> list[Match]:
        """DROID's view: every result after priorities, the chosen one first."""
        ranked, ext = self._decide(sample)
        if isinstance(ranked, Match):
            return [ranked]
        others = [p for p, _, _ in ranked[1:]]
        return [self._match(item, ext, others if i == 0 else [])
                for i, item in enumerate(ranked)]

    def _match(self, item: tuple[str, bool, str | Hit], ext: str, others: list[str]) -> Match:
        puid, generic, basis = item
        if not isinstance(basis, str):
            basis = self._basis(basis)
        fmt = self._formats.get(puid)
        warning = "extension mismatch" if (fmt is not None and fmt.extensions
                                           and ext not in fmt.extensions) else ""
        if others:
            multiple = "multiple matches " + ", ".join([puid, *others])
            warning = f"{warning}; {multiple}" if warning else multiple
        key = self._keys.get(puid)
        if key is None:
            key = self._keys[puid] = FormatKey(NAMESPACE, puid)
        conf = Confidence.POSITIVE_GENERIC if generic else Confidence.POSITIVE_SPECIFIC
        return Match(key, conf, self.name, basis, warning)

    def _decide(self, sample: Sample) -> tuple[list[tuple[str, bool, str | Hit]] | Match, str]:
        """The ranked (puid, generic, basis) results, or the Match when there are none."""
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
            return self._rank([(h.puid, False, h.basis) for h in container_hits], ext), ext
        if hits:
            return self._rank([(h.puid, h.generic or h.puid in triggers, h)
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

    def _rank(self, found: list[tuple[str, bool, str | Hit]],
              ext: str) -> list[tuple[str, bool, str | Hit]]:
        if len(found) == 1:
            return found
        seen: dict[str, tuple[str, bool, str | Hit]] = {}
        for item in found:
            prev = seen.get(item[0])
            if prev is None or (prev[1] and not item[1]):
                seen[item[0]] = item
        puids = set(seen)
        keep = [p for p in puids
                if not any(p in self._priorities.get(o, ()) for o in puids if o != p)]

        def order(puid: str) -> tuple[int, int, tuple[str, int, str]]:
            fmt = self._formats.get(puid)
            ext_ok = fmt is not None and ext in fmt.extensions
            return (0 if ext_ok else 1, 1 if seen[puid][1] else 0, _puid_key(puid))

        return [seen[p] for p in sorted(keep, key=order)]

    def _containers(self, sample: Sample, kinds: frozenset[str] | set[str],
                    win: Window | None = None) -> list[ContainerHit]:
        if self.containers is None or not kinds:
            return []
        found: list[ContainerHit] = []
        for kind in sorted(kinds):
            try:
                if win is not None and sample.size <= IN_MEMORY_CONTAINER:
                    # small containers: one read through the window, then seeks in memory
                    found.extend(self.containers.match(io.BytesIO(win.head(sample.size)),
                                                       sample.size, kind, sample.problems))
                    continue
                with sample.open() as fh:
                    found.extend(self.containers.match(fh, sample.size, kind, sample.problems))
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
