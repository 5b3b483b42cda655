"""PRONOM format records (``pronom-xml*.zip`` in ``formatRegistry.PRONOM.dir``): descriptions.

The signature file names formats but does not describe them; PRONOM's per-format XML reports
(``puid.fmt.96.xml`` inside a zip, or files in a directory) do. We read only
``FormatDescription`` from each, treat the zip as hostile (member names must look like PRONOM
report names, each member and the total are size-capped, nothing is extracted to disk) and
cache the result by the archive's SHA-256 like the signature files.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from bsfcore.errors import Problem, RegistryError, UnsafeInputError
from registries.pronom.parse import parse_xml_bytes

_MEMBER = re.compile(r"^puid\.(x-fmt|fmt|x-sfw|sfw|x-cmp|x-gvn|chr)\.(\d+)\.xml$")
MAX_MEMBER = 2 << 20  # one report is a few KB
MAX_TOTAL = 256 << 20
MAX_MEMBERS = 50_000


def _members(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        for item in sorted(path.iterdir()):
            if _MEMBER.match(item.name) and item.stat().st_size <= MAX_MEMBER:
                yield item.name, item.read_bytes()
        return
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise RegistryError([Problem(str(path), None, f"not a PRONOM records zip: {exc}")]) \
            from None
    with archive:
        infos = [i for i in archive.infolist() if _MEMBER.match(i.filename)]
        if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_TOTAL:
            raise UnsafeInputError(f"{path}: refusing a records archive that expands to "
                                   f"{sum(i.file_size for i in infos)} bytes in {len(infos)} files")
        for info in infos:
            if info.file_size <= MAX_MEMBER:
                with archive.open(info) as fh:
                    yield info.filename, fh.read(MAX_MEMBER + 1)[:MAX_MEMBER]


def parse_records(path: Path) -> dict[str, str]:
    """PUID -> format description, from a PRONOM records zip or directory."""
    out: dict[str, str] = {}
    for name, data in _members(Path(path)):
        match = _MEMBER.match(name)
        assert match is not None
        puid = f"{match.group(1)}/{match.group(2)}"
        try:
            root = parse_xml_bytes(data, f"{path}!{name}")
        except RegistryError:
            continue  # one unreadable record costs its description, not the registry
        for el in root.iter("{*}FormatDescription"):
            text = " ".join((el.text or "").split())
            if text:
                out[puid] = text
            break
    return out
