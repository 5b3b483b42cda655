"""PRONOM format types (siegfried's ``class`` column): ``Text``, ``Image (Raster)``, ...

The DROID signature file carries no format type; PRONOM's per-format records do
(``<FormatTypes>``), and siegfried's ``class`` is that text. We read it from the configured
records archive (``pronom-xml*.zip`` in ``formatRegistry.PRONOM.dir``), else from the copy of
PRONOM's records the opf-fido package installs (``pronom-xml-v109.zip``; found without importing
fido), through the same hostile-zip reader, cached by the archive's SHA-256. A PUID without a
record (newer than the records) or with an empty ``FormatTypes`` (x-fmt/111, as in sf's own
output) has no class.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from bsfcore.errors import RegistryError
from registries.pronom.cache import cached, file_sha256


def parse_classes(path: Path) -> dict[str, str]:
    """PUID -> format type, from a PRONOM records zip or directory (a cache miss only: the
    parsers are imported here, so a warm run never loads them)."""
    from registries.pronom.parse import parse_xml_bytes
    from registries.pronom.records import _MEMBER, _members

    out: dict[str, str] = {}
    for name, data in _members(Path(path)):
        match = _MEMBER.match(name)
        assert match is not None
        try:
            root = parse_xml_bytes(data, f"{path}!{name}")
        except RegistryError:
            continue
        for el in root.iter("{*}FormatTypes"):
            text = " ".join((el.text or "").split())
            if text:
                out[f"{match.group(1)}/{match.group(2)}"] = text
            break
    return out


@lru_cache(maxsize=4)
def _load(path: Path, sha: str) -> dict[str, str]:
    return cached("classes", sha, lambda: parse_classes(path))


def installed_records_file() -> Path | None:
    """opf-fido's ``pronom-xml-v109.zip`` (a dependency of bsf), or None when it is missing."""
    spec = importlib.util.find_spec("fido")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "conf" / "pronom-xml-v109.zip"
    return path if path.is_file() else None


def load_classes(path: Path | None = None) -> dict[str, str]:
    """PUID -> PRONOM format type; {} when no records archive is available."""
    if path is None:
        path = installed_records_file()
        if path is None:
            return {}
    path = Path(path)
    if path.is_dir():
        return parse_classes(path)
    if not path.is_file():
        return {}
    return _load(path.resolve(), file_sha256(path))
