"""The seeds' ``-o key=value`` packager options, typed, with each mode's defaults.

Defaults come from the "Additional Packager Options" table: ``validate`` is on for export and
off for ingest; ``ignoreHandle`` / ``ignoreParent`` are true in submit mode and false in the
restore modes; ``createMetadataFields`` is true. Export-only and ingest-only options are refused
in the other direction, so a typo'd mode never silently ignores an operator's intent.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bsfcore.errors import ConfigError, Problem
from packager.model import parse_iso


def option_error(message: str) -> ConfigError:
    """A ConfigError about a command-line option or the configuration as a whole: one line,
    the message alone (no ``<input>:`` location, since there is no file or line to name)."""
    return ConfigError([Problem(None, None, message)], summary=message)


class Mode(enum.Enum):
    EXPORT = "export"
    SUBMIT = "submit"
    RESTORE = "restore"
    KEEP_EXISTING = "keep-existing"
    REPLACE = "replace"

    @property
    def is_restore(self) -> bool:
        return self in (Mode.RESTORE, Mode.KEEP_EXISTING, Mode.REPLACE)


_EXPORT_ONLY = {"filterBundles", "includeBundles", "passwords", "unauthorized", "updatedAfter"}
_INGEST_ONLY = {"createMetadataFields", "ignoreHandle", "ignoreParent", "skipIfParentMissing"}
_BOTH = {"manifestOnly", "validate"}
KNOWN = _EXPORT_ONLY | _INGEST_ONLY | _BOTH

#: key -> (direction, default, meaning): the seeds' "Additional Packager Options" table, for
#: ``bsf packager -h -t AIP`` and the docs
OPTION_HELP: dict[str, tuple[str, str, str]] = {
    "createMetadataFields": ("ingest", "true", "create metadata fields (and schemas the AIP "
                             "describes) missing from the registry; false: fail on them"),
    "filterBundles": ("export", "all bundles", "TEXT,THUMBNAIL excludes those bundles; "
                      "+ORIGINAL,LICENSE includes only those"),
    "ignoreHandle": ("ingest", "submit true, restore false", "give new handles instead of "
                     "the AIP's (not in replace mode: a replaced object keeps its handle)"),
    "ignoreParent": ("ingest", "submit true, restore false", "ingest under -p instead of "
                     "the AIP's parent"),
    "includeBundles": ("export", "all", "bundles to include; not together with "
                       "filterBundles"),
    "manifestOnly": ("both", "false", "a bare mets.xml without content files"),
    "passwords": ("export", "false", "include password hashes in the SITE AIP (needs a site "
                  "administrator)"),
    "skipIfParentMissing": ("ingest", "false", "a missing parent is a warning, not an error"),
    "unauthorized": ("export", "error", "skip, or zero (zero-length placeholder), for "
                     "bitstreams -e may not read"),
    "updatedAfter": ("export", "none", "ISO-8601 date: only items modified after it"),
    "validate": ("both", "export true, ingest false", "schema validation (shipped METS, "
                 "PREMIS, MODS, METSRights schemas) and reference checks"),
}


@dataclass(frozen=True)
class PackagerOptions:
    mode: Mode = Mode.EXPORT
    create_metadata_fields: bool = True
    filter_bundles: tuple[str, ...] | None = None  # excluded bundle names
    include_bundles: tuple[str, ...] | None = None  # included bundle names (None = all)
    ignore_handle: bool = False
    ignore_parent: bool = False
    manifest_only: bool = False
    passwords: bool = False
    skip_if_parent_missing: bool = False
    unauthorized: str | None = None
    updated_after: datetime | None = None
    validate: bool = True
    validate_explicit: bool = False

    def bundle_included(self, name: str) -> bool:
        if self.include_bundles is not None:
            return name in self.include_bundles
        if self.filter_bundles is not None:
            return name not in self.filter_bundles
        return True


def _bool(key: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0"):
        return False
    raise option_error(f"-o {key}={value}: expected true or false")


def _names(value: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in value.split(",") if n.strip())


def parse_options(pairs: Iterable[str] | Mapping[str, str] | None, mode: Mode) -> PackagerOptions:
    """Typed options from ``-o`` strings (``"key=value"``) or a mapping, for ``mode``."""
    items: list[tuple[str, str]] = []
    if isinstance(pairs, Mapping):
        items = [(str(k), str(v)) for k, v in pairs.items()]
    elif pairs is not None:
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise option_error(f"-o {pair}: expected key=value")
            items.append((key.strip(), value.strip()))
    export = mode is Mode.EXPORT
    values: dict[str, object] = {
        "mode": mode, "validate": export,
        "ignore_handle": mode is Mode.SUBMIT, "ignore_parent": mode is Mode.SUBMIT,
    }
    seen: set[str] = set()
    for key, value in items:
        if key not in KNOWN:
            raise option_error(f"-o {key}: unknown packager option (known: "
                                 f"{', '.join(sorted(KNOWN))})")
        if export and key in _INGEST_ONLY:
            raise option_error(f"-o {key} is an ingest-only option")
        if not export and key in _EXPORT_ONLY:
            raise option_error(f"-o {key} is an export-only option")
        seen.add(key)
        if key == "createMetadataFields":
            values["create_metadata_fields"] = _bool(key, value)
        elif key == "filterBundles":
            if value.startswith("+"):
                values["include_bundles"] = _names(value[1:])
            else:
                values["filter_bundles"] = _names(value)
        elif key == "includeBundles":
            if value.strip().lower() != "all":
                values["include_bundles"] = _names(value)
        elif key == "ignoreHandle":
            values["ignore_handle"] = _bool(key, value)
        elif key == "ignoreParent":
            values["ignore_parent"] = _bool(key, value)
        elif key == "manifestOnly":
            values["manifest_only"] = _bool(key, value)
        elif key == "passwords":
            values["passwords"] = _bool(key, value)
        elif key == "skipIfParentMissing":
            values["skip_if_parent_missing"] = _bool(key, value)
        elif key == "unauthorized":
            if value not in ("skip", "zero"):
                raise option_error(f"-o unauthorized={value}: use skip or zero")
            values["unauthorized"] = value
        elif key == "updatedAfter":
            try:
                values["updated_after"] = parse_iso(value)
            except ValueError:
                raise option_error(f"-o updatedAfter={value}: not an ISO-8601 "
                                     "date (e.g. 2010-01-01T00:00:00Z)") from None
        elif key == "validate":
            values["validate"] = _bool(key, value)
            values["validate_explicit"] = True
    if {"filterBundles", "includeBundles"} <= seen:
        raise option_error("-o includeBundles cannot be used together with "
                             "-o filterBundles")
    return PackagerOptions(**values)  # type: ignore[arg-type]


def coerce_options(options: PackagerOptions | Mapping[str, str] | Iterable[str] | None,
                   mode: Mode) -> PackagerOptions:
    if isinstance(options, PackagerOptions):
        return options
    return parse_options(options, mode)
