"""Where the PRONOM data comes from: the shipped pair, the user-installed pair, the configured one.

bsf ships the newest DROID signature file and container signature file the team has
(``config/formats/``: V122 and container-signature-20260119, Crown copyright, The National
Archives, Open Government Licence v3). ``bsf signatures update`` installs newer ones into the
user data folder -- ``$BSF_DATA_DIR``, else ``$XDG_DATA_HOME/bsf``, else ``~/.local/share/bsf``
-- under ``pronom/``, recorded in ``pronom/installed.json``; never into the installed package.

With no ``formatIdentifier.DROID.*`` file configured, each of the two files is the newer of the
shipped and the installed one (DROID files by ``Version``, container files by the date in their
name), so upgrading bsf past an old local update cannot go backwards. A configured path always
wins. A damaged ``installed.json`` is ignored with a warning: identification falls back to the
shipped data rather than stop.

Version, date and name are read from the first bytes of a file (its root element's attributes)
so that showing which data is in use costs no parse; the counts come from the cached parse.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from registries.packaged import packaged_formats_dir

log = logging.getLogger(__name__)

DATA_ENV = "BSF_DATA_DIR"
MANIFEST = "installed.json"
SIGNATURE_GLOB = "DROID_SignatureFile*.xml"
CONTAINER_GLOB = "container-signature-*.xml"

_ROOT_ATTRS = re.compile(rb'\s([A-Za-z]+)\s*=\s*"([^"<>]{0,64})"')
_DROID_VERSION = re.compile(r"(?i)DROID_SignatureFile[-_]?v?(\d+)")
_CONTAINER_DATE = re.compile(r"container-signature-(\d{8})")


def user_data_dir() -> Path:
    """``$BSF_DATA_DIR``, else ``$XDG_DATA_HOME/bsf``, else ``~/.local/share/bsf``."""
    explicit = os.environ.get(DATA_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "bsf"


def installed_dir() -> Path:
    return user_data_dir() / "pronom"


@dataclass(frozen=True)
class FileHeader:
    """What the root element of a signature file says about it (read from its first bytes)."""

    kind: str            # "DROID" or "container"
    version: str | None  # DROID "118"; container signatureVersion "37"
    date: str | None     # DROID DateCreated; container: the YYYYMMDD of its name


def read_header(path: Path) -> FileHeader:
    """The kind, version and date of a DROID or container signature file, cheaply.

    Only the root start tag in the first 4 KiB is looked at (display only; loading the file
    parses it safely and in full). Unknown values are None.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        head = b""
    for root in (b"<FFSignatureFile", b"<ContainerSignatureMapping"):
        at = head.find(root)
        if at >= 0:
            end = head.find(b">", at)
            attrs = {k.decode(): v.decode("utf-8", "replace")
                     for k, v in _ROOT_ATTRS.findall(head[at:end if end > 0 else None])}
            if root == b"<FFSignatureFile":
                return FileHeader("DROID", attrs.get("Version") or _name_version(path),
                                  attrs.get("DateCreated"))
            return FileHeader("container", attrs.get("signatureVersion"), _name_date(path))
    kind = "container" if _name_date(path) else "DROID"
    return FileHeader(kind, _name_version(path) if kind == "DROID" else None,
                      _name_date(path))


def _name_version(path: Path) -> str | None:
    found = _DROID_VERSION.search(path.name)
    return found.group(1) if found else None


def _name_date(path: Path) -> str | None:
    found = _CONTAINER_DATE.search(path.name)
    return found.group(1) if found else None


def droid_rank(path: Path) -> int:
    """Order of DROID signature files: their version number (-1 when unknown)."""
    version = _name_version(path)
    return int(version) if version else -1


def container_rank(path: Path) -> int:
    """Order of container signature files: the YYYYMMDD in their name (-1 when unknown)."""
    date = _name_date(path)
    return int(date) if date else -1


def newest(directory: Path, pattern: str) -> Path | None:
    """The newest file matching ``pattern`` in ``directory`` (by version or date in the name)."""
    rank = droid_rank if pattern == SIGNATURE_GLOB else container_rank
    found = sorted(directory.glob(pattern), key=lambda p: (rank(p), p.name))
    return found[-1] if found else None


@dataclass(frozen=True)
class Installed:
    """The pair ``bsf signatures update`` installed last, and the one before it."""

    signature: Path | None
    container: Path | None
    previous_signature: Path | None = None
    previous_container: Path | None = None


def read_installed() -> Installed | None:
    """The user-installed pair, or None when there is none (or its record is damaged)."""
    manifest = installed_dir() / MANIFEST
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring %s (%s); using the shipped PRONOM data", manifest, exc)
        return None
    if not isinstance(data, dict):
        log.warning("ignoring %s (not a JSON object); using the shipped PRONOM data", manifest)
        return None

    def member(key: str) -> Path | None:
        name = data.get(key)
        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            return None
        path = installed_dir() / name
        return path if path.is_file() else None

    return Installed(member("signature"), member("container"), member("previous_signature"),
                     member("previous_container"))


def write_installed(record: Installed) -> None:
    """Record the installed pair (atomically: a crash leaves the old record)."""
    target = installed_dir() / MANIFEST
    data = {key: path.name if path is not None else None for key, path in (
        ("signature", record.signature), ("container", record.container),
        ("previous_signature", record.previous_signature),
        ("previous_container", record.previous_container))}
    tmp = target.with_name(f".{MANIFEST}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)


@dataclass(frozen=True)
class DefaultPair:
    """The data used when nothing is configured, and where each file comes from."""

    signature: Path
    container: Path
    signature_origin: str   # "shipped" or "installed"
    container_origin: str


def default_pair() -> DefaultPair:
    """The newer of the shipped and the user-installed file, for each of the two."""
    shipped = packaged_formats_dir()
    shipped_sig = newest(shipped, SIGNATURE_GLOB)
    shipped_cont = newest(shipped, CONTAINER_GLOB)
    if shipped_sig is None or shipped_cont is None:
        from bsfcore.errors import Problem, RegistryError

        raise RegistryError([Problem(str(shipped), None,
                                     "the shipped PRONOM data is missing (reinstall bsf, or "
                                     "configure formatIdentifier.DROID.signatureFile)")])
    sig, sig_origin = shipped_sig, "shipped"
    cont, cont_origin = shipped_cont, "shipped"
    installed = read_installed()
    if installed is not None:
        if installed.signature is not None and droid_rank(installed.signature) > droid_rank(sig):
            sig, sig_origin = installed.signature, "installed"
        if installed.container is not None and \
                container_rank(installed.container) > container_rank(cont):
            cont, cont_origin = installed.container, "installed"
    return DefaultPair(sig, cont, sig_origin, cont_origin)
