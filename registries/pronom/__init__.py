"""The PRONOM registry, read from a DROID signature file (+ container signature file).

The default data is opf-fido's installed copy of ``DROID_SignatureFile-v109.xml`` and
``container-signature-20200121.xml`` (Crown copyright, The National Archives, Open Government
Licence); any newer DROID file can be passed by path. Parsed files are cached in the user cache
directory keyed by their SHA-256, so loading V118 a second time takes milliseconds.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from bsfcore.errors import Problem, RegistryError
from registries.model import Format, FormatKey, Registry
from registries.pronom.cache import cached, file_sha256
from registries.pronom.model import ContainerFile, PronomFormat, SignatureFile
from registries.pronom.parse import parse_container_file, parse_signature_file
from registries.pronom.records import parse_records

_Parsed = TypeVar("_Parsed", SignatureFile, ContainerFile)

__all__ = [
    "NAMESPACE",
    "ContainerFile",
    "PronomFormat",
    "SignatureFile",
    "default_container_file",
    "default_pronom_dir",
    "default_records_file",
    "default_signature_file",
    "load_container_file",
    "load_pronom_registry",
    "load_records",
    "load_signature_file",
]

NAMESPACE = "PRONOM"


def default_pronom_dir() -> Path:
    """opf-fido's ``conf`` directory (found without importing fido)."""
    spec = importlib.util.find_spec("fido")
    if spec is None or not spec.submodule_search_locations:
        raise RegistryError([Problem(None, None, "the opf-fido package is not installed; it "
                                     "provides the default PRONOM data (pip install opf-fido) "
                                     "or configure formatIdentifier.DROID.signatureFile")])
    return Path(next(iter(spec.submodule_search_locations))) / "conf"


def default_signature_file() -> Path:
    return default_pronom_dir() / "DROID_SignatureFile-v109.xml"


def default_container_file() -> Path:
    return default_pronom_dir() / "container-signature-20200121.xml"


def _existing(path: Path, what: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise RegistryError([Problem(str(path), None, f"{what} not found")])
    return path


def _parse_cached(kind: str, parse: Callable[[Path], _Parsed], path: Path, sha: str) -> _Parsed:
    """``parse(path)`` through the user cache keyed by ``sha``, remembering where it came from."""
    def build() -> _Parsed:
        parsed = parse(path)
        parsed.sha256 = sha
        return parsed

    result: _Parsed = cached(kind, sha, build)
    result.source = str(path)
    return result


@lru_cache(maxsize=8)
def _load_signature_file(path: Path, sha: str) -> SignatureFile:
    return _parse_cached("droid", parse_signature_file, path, sha)


def load_signature_file(path: Path | None = None) -> SignatureFile:
    """The parsed DROID signature file (default: opf-fido's V109), cached by content hash."""
    path = _existing(Path(path) if path else default_signature_file(), "DROID signature file")
    return _load_signature_file(path.resolve(), file_sha256(path))


@lru_cache(maxsize=8)
def _load_container_file(path: Path, sha: str) -> ContainerFile:
    return _parse_cached("container", parse_container_file, path, sha)


def load_container_file(path: Path | None = None) -> ContainerFile:
    """The parsed container signature file (default: opf-fido's 2020-01-21 one)."""
    path = _existing(Path(path) if path else default_container_file(),
                     "container signature file")
    return _load_container_file(path.resolve(), file_sha256(path))


def pronom_format(fmt: PronomFormat, description: str | None = None) -> Format:
    return Format(keys=(FormatKey(NAMESPACE, fmt.puid),), name=fmt.name or fmt.puid,
                  version=fmt.version, mime_type=", ".join(fmt.mime_types) or None,
                  description=description, extensions=fmt.extensions)


def default_records_file() -> Path:
    return default_pronom_dir() / "pronom-xml-v109.zip"


@lru_cache(maxsize=4)
def _load_records(path: Path, sha: str) -> dict[str, str]:
    return cached("records", sha, lambda: parse_records(path))


def load_records(path: Path | None = None) -> dict[str, str]:
    """PUID -> description from PRONOM's format records (default: opf-fido's v109 zip)."""
    path = Path(path) if path else default_records_file()
    if path.is_dir():
        return parse_records(path)
    path = _existing(path, "PRONOM records archive")
    return _load_records(path.resolve(), file_sha256(path))


def load_pronom_registry(signature_file: Path | None = None,
                         container_file: Path | None = None, *,
                         records: Path | None = None) -> Registry:
    """The PRONOM registry of a DROID signature file (namespace ``PRONOM``, version ``V118``).

    ``container_file`` is checked (parsed and cached) so that a broken configuration fails at
    load time; PUIDs that only a container mapping names are added as bare formats.
    Descriptions come from PRONOM's format records: ``records`` (a zip or a directory of
    ``puid.fmt.N.xml`` reports), else opf-fido's v109 zip. Records older than the signature
    file simply leave the newer formats undescribed.
    """
    sigfile = load_signature_file(signature_file)
    descriptions: dict[str, str] = {}
    try:
        descriptions = load_records(records)
    except RegistryError:
        if records is not None:
            raise  # the default records are a bonus; configured ones must load
    formats = {puid: pronom_format(f, descriptions.get(puid))
               for puid, f in sigfile.formats.items()}
    if container_file is not None or signature_file is None:
        containers = load_container_file(container_file)
        for puids in containers.mappings.values():
            for puid in puids:
                if puid not in formats:
                    formats[puid] = Format(keys=(FormatKey(NAMESPACE, puid),), name=puid)
    return Registry(NAMESPACE, formats.values(), source=sigfile.source, version=sigfile.label)
