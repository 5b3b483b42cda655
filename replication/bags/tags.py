"""Tag files a rebuilt bag gets besides bag-info: ``aptrust-info.txt``, and a ``Bag-Size``
that measures the whole bag.

* The APTrust profile requires ``aptrust-info.txt`` (``Title``, ``Access``,
  ``Storage-Option``; ``Description`` optional). A bag rebuilt from a BagIt AIP keeps the
  original's, as APTrust's restorer does; one rebuilt from a METS AIP has none to keep, so it
  gets a new one: the object's ``dc.title`` (else its handle), ``dc.description.abstract``,
  and the configured ``replicate.bag.aptrust.access`` (default ``Institution``) and
  ``replicate.bag.aptrust.storage-option`` (default ``Standard``), checked against the
  profile's allowed values.
* ``Bag-Size`` is "the size or approximate size of the bag" (RFC 8493), and APTrust's restorer
  writes the size of the restored bag: every file in it, tag files and manifests included.
  ``bag-info.txt`` is itself part of that size and the tag manifests hash it, so the value is
  settled by re-saving until it no longer changes (in practice once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packager.options import option_error

ACCESS = ("Consortia", "Institution", "Restricted")
STORAGE_OPTIONS = ("Standard", "Glacier-OH", "Glacier-OR", "Glacier-VA", "Glacier-Deep-OH",
                   "Glacier-Deep-OR", "Glacier-Deep-VA", "Wasabi-OR", "Wasabi-TX", "Wasabi-VA")
APTRUST_INFO = "aptrust-info.txt"


@dataclass(frozen=True)
class AptrustDefaults:
    """What a new aptrust-info.txt says beyond the title (replicate.bag.aptrust.*)."""

    access: str = "Institution"
    storage_option: str = "Standard"

    def __post_init__(self) -> None:
        if self.access not in ACCESS:
            raise option_error(f"replicate.bag.aptrust.access: {self.access!r} is not one of "
                               f"{', '.join(ACCESS)}")
        if self.storage_option not in STORAGE_OPTIONS:
            raise option_error(f"replicate.bag.aptrust.storage-option: {self.storage_option!r}"
                               f" is not one of {', '.join(STORAGE_OPTIONS)}")


def aptrust_info(title: str, description: str | None, defaults: AptrustDefaults) -> str:
    """The text of a new aptrust-info.txt (``Name: value`` lines)."""
    lines = [f"Title: {' '.join(title.split())}", f"Access: {defaults.access}"]
    if description:
        lines.append(f"Description: {' '.join(description.split())}")
    lines.append(f"Storage-Option: {defaults.storage_option}")
    return "\n".join(lines) + "\n"


def bag_bytes(bag_dir: Path) -> int:
    """Every file of the bag, tag files and manifests included."""
    return sum(p.stat().st_size for p in bag_dir.rglob("*") if p.is_file())


def settle_bag_size(bag_dir: Path, human: Callable[[int], str],
                    save: Callable[[str], None]) -> str:
    """Re-save the bag with ``Bag-Size`` = its whole size until the value stops changing;
    returns the value written."""
    value = ""
    for _ in range(6):
        wanted = human(bag_bytes(bag_dir))
        if wanted == value:
            return value
        save(wanted)
        value = wanted
    return value


__all__ = ["ACCESS", "APTRUST_INFO", "STORAGE_OPTIONS", "AptrustDefaults", "aptrust_info",
           "bag_bytes", "settle_bag_size"]
