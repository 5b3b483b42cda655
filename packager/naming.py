"""Package file names, as DSpace's ``PackageUtils.getPackageName`` makes them."""

from __future__ import annotations

import re

_SAFE = re.compile(r"^[A-Za-z0-9@._+-]+$")


def package_name(type_name: str, handle: str | None, object_id: int, *,
                 manifest_only: bool = False) -> str:
    """``ITEM@123456789-200.zip``; ``ITEM@internal-id-234.zip`` without a handle."""
    suffix = ".xml" if manifest_only else ".zip"
    if handle:
        return f"{type_name}@{handle.replace('/', '-')}{suffix}"
    return f"{type_name}@internal-id-{object_id}{suffix}"


def is_plain_name(name: str) -> bool:
    """A bare file name: no folder, no drive, no scheme, no traversal (zip-slip guard)."""
    return bool(name) and bool(_SAFE.match(name)) and name not in (".", "..") \
        and not name.startswith(".")


def bitstream_entry_name(bitstream_id: int, extensions: tuple[str, ...] = ()) -> str:
    """``bitstream_<id>.<first extension of its format>`` (no extension if the format has none)."""
    ext = next((e for e in extensions if e and re.fullmatch(r"[A-Za-z0-9_+-]{1,16}", e)), None)
    return f"bitstream_{bitstream_id}.{ext.lower()}" if ext else f"bitstream_{bitstream_id}"
