"""``bsf signatures update``: install newer PRONOM files into the user data folder.

Each source is fetched and recognised (:mod:`registries.pronom.download`), written to a private
temporary file in ``<data>/pronom/``, parsed in full with bsf's own safe parser, and given to
``check`` -- the caller's test of the pair it would make (the CLI compiles it with the engine;
this package may not import the engine). A file that fails any of these is refused with one
error line and nothing changes. A file that is not newer than the one in use (DROID files by
``Version``, container files by ``signatureVersion``, then by date) is not installed unless
``force``. Accepted files are renamed into place under a name made from their own version
(``DROID_SignatureFile_V120.xml``, ``container-signature-20250404.xml``), never from the URL,
and ``installed.json`` records them with the pair they replace; old files are not deleted, so
the previous pair is kept. The installed pair is then the default (see ``datafiles``), unless the
configuration names files explicitly, which the result notes say.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bsfcore.errors import BsfError
from bsfcore.settings import Settings
from registries.pronom.datafiles import (
    Installed,
    installed_dir,
    read_header,
    read_installed,
    write_installed,
)
from registries.pronom.download import (
    TIMEOUT,
    Offer,
    SignatureUpdateError,
    classify,
    fetch,
    sources,
)
from registries.pronom.inuse import SignatureFileInfo, SignatureFilesInfo, signature_files_in_use

#: the caller's extra test of a pair: (DROID file, container file) -> raises BsfError
Check = Callable[[Path, Path], None]
_CONTAINER_DATE = re.compile(r"container-signature-(\d{8})\.xml$")

__all__ = ["Check", "SignatureUpdateError", "UpdateResult", "update_signatures"]


@dataclass(frozen=True)
class UpdateResult:
    """The pair in use before and after, the files installed, and what was not done."""

    before: SignatureFilesInfo
    after: SignatureFilesInfo
    installed: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Candidate:
    offer: Offer
    temp: Path
    version: str | None
    date: str | None
    final: Path


def _parse(kind: str, path: Path, origin: str) -> None:
    from registries.pronom.parse import parse_container_file, parse_signature_file

    try:
        (parse_signature_file if kind == "DROID" else parse_container_file)(path)
    except BsfError as exc:
        raise SignatureUpdateError(f"{origin} does not load as a {kind} signature file: "
                                   f"{exc}") from None


def _stage(offer: Offer, folder: Path) -> _Candidate:
    fd, name = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".xml")
    temp = Path(name)
    with os.fdopen(fd, "wb") as fh:
        fh.write(offer.fetched.data)
    try:
        _parse(offer.kind, temp, offer.fetched.origin)
        header = read_header(temp)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if offer.kind == "DROID":
        if not (header.version or "").isdigit():
            temp.unlink(missing_ok=True)
            raise SignatureUpdateError(f"{offer.fetched.origin}: a DROID signature file without "
                                       "a numeric Version")
        final = folder / f"DROID_SignatureFile_V{header.version}.xml"
        return _Candidate(offer, temp, header.version, header.date, final)
    named = _CONTAINER_DATE.search(offer.fetched.origin)
    date = named.group(1) if named else offer.fetched.last_modified or \
        datetime.now(UTC).strftime("%Y%m%d")
    return _Candidate(offer, temp, header.version, date,
                      folder / f"container-signature-{date}.xml")


def _number(text: str | None) -> int:
    return int(text) if text and text.isdigit() else -1


def _newer(candidate: _Candidate, current: SignatureFileInfo) -> bool:
    if candidate.offer.kind == "DROID":
        return _number(candidate.version) > _number(current.version)
    ours, theirs = _number(candidate.version), _number(current.version)
    if ours != theirs and ours >= 0 and theirs >= 0:
        return ours > theirs
    return _number(candidate.date) > _number(current.date)


def update_signatures(settings: Settings, given: Sequence[str] = (), *,
                      check: Check | None = None, force: bool = False,
                      timeout: float = TIMEOUT) -> UpdateResult:
    """Fetch ``given`` sources (default: the configured/TNA URLs) and install newer files."""
    before = signature_files_in_use(settings, counts=False)
    urls, documents = sources(settings, given)
    offers = [classify(fetch(source, timeout), documents, timeout) for source in urls]
    kinds = [o.kind for o in offers]
    if len(set(kinds)) != len(kinds):
        raise SignatureUpdateError("two sources are the same kind of file: give at most one "
                                   "DROID signature file and one container signature file")
    folder = installed_dir()
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[_Candidate] = []
    try:
        for offer in offers:
            staged.append(_stage(offer, folder))
        chosen = {c.offer.kind: c for c in staged}
        notes: list[str] = []
        current = {"DROID": before.signature, "container": before.container}
        for kind, candidate in list(chosen.items()):
            if not force and not _newer(candidate, current[kind]):
                notes.append(f"{kind} signature file: {current[kind].label} in use is not older "
                             f"than the {_label(candidate)} offered; not installed")
                del chosen[kind]
        if check is not None and chosen:
            pair_sig = chosen["DROID"].temp if "DROID" in chosen else before.signature.path
            pair_cont = chosen["container"].temp if "container" in chosen else \
                before.container.path
            try:
                check(pair_sig, pair_cont)
            except BsfError as exc:
                raise SignatureUpdateError(f"the new signature files do not compile: {exc}") \
                    from None
        installed = _install(list(chosen.values()))
    finally:
        for candidate in staged:
            candidate.temp.unlink(missing_ok=True)
    after = signature_files_in_use(settings, counts=False)
    for kind, info in (("DROID", after.signature), ("container", after.container)):
        if info.origin.startswith("configured") and any(p.parent == folder for p in installed):
            notes.append(f"the configuration names the {kind} signature file "
                         f"({info.origin}): the installed one is used only without that key")
    return UpdateResult(before, after, installed, notes)


def _label(candidate: _Candidate) -> str:
    if candidate.offer.kind == "DROID":
        return f"V{candidate.version}"
    return f"version {candidate.version} ({candidate.date})"


def _install(chosen: list[_Candidate]) -> list[Path]:
    if not chosen:
        return []
    record = read_installed() or Installed(None, None)
    signature, container = record.signature, record.container
    done: list[Path] = []
    for candidate in chosen:
        os.chmod(candidate.temp, 0o644)
        os.replace(candidate.temp, candidate.final)
        done.append(candidate.final)
        if candidate.offer.kind == "DROID":
            signature = candidate.final
        else:
            container = candidate.final
    previous_sig = record.signature if signature != record.signature else \
        record.previous_signature
    previous_cont = record.container if container != record.container else \
        record.previous_container
    write_installed(Installed(signature, container, previous_sig, previous_cont))
    return done
