"""Which PRONOM signature files a configuration identifies with: paths, versions, dates, counts.

``bsf signatures show`` prints this, and every ``bsf identify`` header names the files and their
versions, as siegfried's does (``signature_files_in_use(settings, counts=False)`` costs two
4 KiB reads and no parse, so the scanner can call it on every run).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bsfcore.settings import Settings
from registries.pronom.datafiles import FileHeader, default_pair, read_header


@dataclass(frozen=True)
class SignatureFileInfo:
    """One file in use."""

    kind: str                 # "DROID" or "container"
    path: Path
    version: str | None       # DROID "118"; container signatureVersion "37"
    date: str | None          # DROID DateCreated; container: the date in its name
    origin: str               # "shipped", "installed" or "configured at FILE:LINE"
    #: formats and internal signatures (DROID), container signatures and PUIDs mapped
    #: (container); None when not counted
    counts: tuple[int, int] | None = None

    @property
    def label(self) -> str:
        """``V122`` for a DROID file, ``version 40`` for a container file."""
        if self.version is None:
            return "version unknown"
        return f"V{self.version}" if self.kind == "DROID" else f"version {self.version}"


@dataclass(frozen=True)
class SignatureFilesInfo:
    """The DROID signature file and the container signature file in use."""

    signature: SignatureFileInfo
    container: SignatureFileInfo

    @property
    def names(self) -> str:
        """What a report header names: ``DROID_SignatureFile_V122.xml; container-...xml``."""
        return f"{self.signature.path.name}; {self.container.path.name}"


def _info(kind: str, path: Path, origin: str, counts: bool) -> SignatureFileInfo:
    header: FileHeader = read_header(path)
    counted: tuple[int, int] | None = None
    if counts:
        from registries.pronom import load_container_file, load_signature_file

        if kind == "DROID":
            sigfile = load_signature_file(path)
            counted = (len(sigfile.formats), len(sigfile.signatures))
        else:
            containers = load_container_file(path)
            counted = (len(containers.signatures),
                       len({p for puids in containers.mappings.values() for p in puids}))
    return SignatureFileInfo(kind, path, header.version, header.date, origin, counted)


def signature_files_in_use(settings: Settings, *, counts: bool = True) -> SignatureFilesInfo:
    """The pair ``settings`` identifies with (configured paths win over the default pair).

    ``counts=True`` parses the files (from the user cache when warm) to count formats and
    signatures; ``counts=False`` only reads their first bytes.
    """
    from registries.config import load_format_config

    config = load_format_config(settings)
    pair = None
    entries: list[tuple[str, Path, str]] = []
    for kind, configured, key in (
            ("DROID", config.droid_signature_file, "formatIdentifier.DROID.signatureFile"),
            ("container", config.droid_container_file,
             "formatIdentifier.DROID.containerSignatureFile")):
        if configured is not None:
            where = config.where(key)
            origin = f"configured at {where}" if where != "<built-in default>" else \
                f"newest in {config.pronom_dir}"
            entries.append((kind, Path(configured), origin))
            continue
        pair = pair or default_pair()
        if kind == "DROID":
            entries.append((kind, pair.signature, pair.signature_origin))
        else:
            entries.append((kind, pair.container, pair.container_origin))
    droid, container = (_info(kind, path, origin, counts) for kind, path, origin in entries)
    return SignatureFilesInfo(droid, container)
