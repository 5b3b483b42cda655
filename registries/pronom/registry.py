"""The PRONOM registry built from a DROID signature file and a container signature file.

Besides the formats (name, version, MIME types, extensions) it knows which formats carry a byte
or container signature: a format *without* one can only ever be named by its extension, which is
what the TextSubtypeHelper's ``auto`` rule needs ("a PRONOM format with no byte signature claims
this text file's extension"). The whole registry is pickled into the user cache keyed by the
files' digests, so a process that only identifies never re-reads the parsed signatures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from registries.model import Format, FormatKey, Registry

if TYPE_CHECKING:
    from registries.pronom.model import ContainerFile, PronomFormat, SignatureFile

NAMESPACE = "PRONOM"
_GENERIC_NAME = re.compile(r"\bgeneric\b", re.I)


class PronomRegistry(Registry):
    """A :class:`Registry` that also knows which PUIDs have signatures."""

    def __init__(self, formats: Iterable[Format], *, source: str | None, version: str | None,
                 signed: frozenset[str], container_version: str | None = None) -> None:
        super().__init__(NAMESPACE, formats, source=source, version=version)
        self.signed = signed
        self.container_version = container_version
        #: formats with no signature that PRONOM itself calls generic ("Data File Generic",
        #: claiming ``.dat``): naming one by its extension says less than "text"
        self.generic_unsigned: frozenset[FormatKey] = frozenset(
            f.key for f in self if f.extensions and f.key.identifier not in signed
            and _GENERIC_NAME.search(f.display_name))

    def has_signature(self, key: FormatKey) -> bool:
        """True when ``key`` has a byte or container signature (False for unknown keys)."""
        return key.namespace == NAMESPACE and key.identifier in self.signed


def pronom_format(fmt: PronomFormat, description: str | None = None) -> Format:
    return Format(keys=(FormatKey(NAMESPACE, fmt.puid),), name=fmt.name or fmt.puid,
                  version=fmt.version, mime_type=", ".join(fmt.mime_types) or None,
                  description=description, extensions=fmt.extensions)


def build_registry(sigfile: SignatureFile, containers: ContainerFile | None,
                   descriptions: dict[str, str]) -> PronomRegistry:
    """The registry of ``sigfile``; PUIDs only a container mapping names become bare formats."""
    formats = {puid: pronom_format(f, descriptions.get(puid))
               for puid, f in sigfile.formats.items()}
    signed = {puid for puid, f in sigfile.formats.items() if f.signature_ids}
    if containers is not None:
        for puids in containers.mappings.values():
            for puid in puids:
                signed.add(puid)
                if puid not in formats:
                    formats[puid] = Format(keys=(FormatKey(NAMESPACE, puid),), name=puid)
    return PronomRegistry(formats.values(), source=sigfile.source, version=sigfile.label,
                          signed=frozenset(signed),
                          container_version=containers.version if containers else None)
