"""The PRONOM registry, read from a DROID signature file (+ container signature file).

The default data is the pair shipped in ``config/formats/`` (``DROID_SignatureFile_V122.xml``
and ``container-signature-20260119.xml``, Crown copyright, The National Archives, Open
Government Licence v3), or a newer pair installed by ``bsf signatures update`` into the user
data folder (see :mod:`registries.pronom.datafiles`); any other file can be passed by path.
Parsed files and the registry built from them are cached in the user cache folder keyed by the
files' SHA-256, so a second process loads them in milliseconds. The XML parser is imported only
when a file has to be parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bsfcore.errors import Problem, RegistryError
from registries.pronom.cache import cached, file_sha256
from registries.pronom.datafiles import default_pair
from registries.pronom.registry import NAMESPACE, PronomRegistry

if TYPE_CHECKING:
    from registries.pronom.model import ContainerFile, SignatureFile

    _Parsed = TypeVar("_Parsed", SignatureFile, ContainerFile)
else:
    _Parsed = TypeVar("_Parsed")

__all__ = [
    "NAMESPACE",
    "PronomRegistry",
    "default_container_file",
    "default_signature_file",
    "load_container_file",
    "load_pronom_registry",
    "load_records",
    "load_signature_file",
    "resolve_pair",
]

#: bump when PronomRegistry (or what it is built from) changes shape
REGISTRY_FORMAT = 3


def default_signature_file() -> Path:
    """The DROID signature file used when none is configured (shipped or user-installed)."""
    return default_pair().signature


def default_container_file() -> Path:
    """The container signature file used when none is configured."""
    return default_pair().container


def resolve_pair(signature_file: Path | None, container_file: Path | None) -> tuple[Path, Path]:
    """The two files actually used: the configured ones, else the defaults."""
    if signature_file is not None and container_file is not None:
        return Path(signature_file), Path(container_file)
    pair = default_pair()
    return (Path(signature_file) if signature_file is not None else pair.signature,
            Path(container_file) if container_file is not None else pair.container)


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


def _parse_droid(path: Path) -> SignatureFile:
    from registries.pronom.parse import parse_signature_file

    return parse_signature_file(path)


def _parse_container(path: Path) -> ContainerFile:
    from registries.pronom.parse import parse_container_file

    return parse_container_file(path)


@lru_cache(maxsize=8)
def _load_signature_file(path: Path, sha: str) -> SignatureFile:
    return _parse_cached("droid", _parse_droid, path, sha)


def load_signature_file(path: Path | None = None) -> SignatureFile:
    """The parsed DROID signature file (default: the shipped or installed one), cached."""
    path = _existing(Path(path) if path else default_signature_file(), "DROID signature file")
    return _load_signature_file(path.resolve(), file_sha256(path))


@lru_cache(maxsize=8)
def _load_container_file(path: Path, sha: str) -> ContainerFile:
    return _parse_cached("container", _parse_container, path, sha)


def load_container_file(path: Path | None = None) -> ContainerFile:
    """The parsed container signature file (default: the shipped or installed one), cached."""
    path = _existing(Path(path) if path else default_container_file(),
                     "container signature file")
    return _load_container_file(path.resolve(), file_sha256(path))


@lru_cache(maxsize=4)
def _load_records(path: Path, sha: str) -> dict[str, str]:
    from registries.pronom.records import parse_records

    return cached("records", sha, lambda: parse_records(path))


def load_records(path: Path) -> dict[str, str]:
    """PUID -> description from PRONOM's format records (a zip or a folder of reports)."""
    path = Path(path)
    if path.is_dir():
        from registries.pronom.records import parse_records

        return parse_records(path)
    path = _existing(path, "PRONOM records archive")
    return _load_records(path.resolve(), file_sha256(path))


@lru_cache(maxsize=8)
def _registry(sig: Path, sig_sha: str, cont: Path, cont_sha: str, records: Path | None,
              records_sha: str) -> PronomRegistry:
    def build() -> PronomRegistry:
        from registries.pronom.registry import build_registry

        descriptions = load_records(records) if records is not None else {}
        return build_registry(load_signature_file(sig), load_container_file(cont),
                              descriptions)

    key = f"{sig_sha[:32]}-{cont_sha[:32]}-{records_sha[:16] or 'none'}"
    registry: PronomRegistry = cached(f"pronom-registry{REGISTRY_FORMAT}", key, build)
    registry.source = str(sig)
    return registry


def load_pronom_registry(signature_file: Path | None = None,
                         container_file: Path | None = None, *,
                         records: Path | None = None) -> PronomRegistry:
    """The PRONOM registry of a DROID signature file (namespace ``PRONOM``, version ``V122``).

    The container file (configured, else the default one) is checked too, so that a broken
    configuration fails at load time; PUIDs that only a container mapping names are added as
    bare formats. Descriptions come from PRONOM's format records when ``records`` (a zip or a
    folder of ``puid.fmt.N.xml`` reports) is given; the signature files carry none.
    """
    sig, cont = resolve_pair(signature_file, container_file)
    sig = _existing(sig, "DROID signature file")
    cont = _existing(cont, "container signature file")
    records_sha = ""
    if records is not None and Path(records).is_dir():
        from registries.pronom.registry import build_registry

        return build_registry(load_signature_file(sig), load_container_file(cont),
                              load_records(Path(records)))
    if records is not None:
        records_sha = file_sha256(_existing(Path(records), "PRONOM records archive"))
    return _registry(sig.resolve(), file_sha256(sig), cont.resolve(), file_sha256(cont),
                     Path(records).resolve() if records is not None else None, records_sha)
