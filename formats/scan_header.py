"""What a scan's header block says about its signature data (sf's ``signature``/``identifiers``).

Read from the data actually in use, never hard-coded: the PRONOM registry's signature file (its
name, its ``DateCreated`` as sf's ``created``), the container signature file the configuration
names (else the default one), every other registry's document, and the identifier stack's
names under ``bsf``. siegfried writes ``pronom`` with ``DROID_SignatureFile_V122.xml;
container-signature-20260119.xml``; bsf writes the same for the same data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from formats.stack import IdentifierStack
from registries.model import RegistrySet
from registries.pronom.inuse import SignatureFilesInfo


class IdentifierLine(NamedTuple):
    name: str
    details: str


@dataclass(frozen=True)
class RunInfo:
    signature: str
    created: str
    identifiers: tuple[IdentifierLine, ...]


def _rfc3339(text: str | None) -> str:
    if not text:
        return ""
    try:
        stamp = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    out = stamp.isoformat(timespec="seconds")
    return out[:-6] + "Z" if out.endswith("+00:00") else out


def describe_run(registries: RegistrySet, stack: IdentifierStack,
                 files: SignatureFilesInfo | None = None) -> RunInfo:
    """The header facts for a scan with ``stack`` over ``registries``; ``files`` names the
    PRONOM pair in use (read from the files' first bytes, so every run can afford it)."""
    signature = created = ""
    lines: list[IdentifierLine] = []
    ordered = sorted(registries, key=lambda r: r.namespace != "PRONOM")  # sf's pronom first
    for registry in ordered:
        source = os.path.basename(registry.source or "")
        if registry.namespace == "PRONOM":
            signature = source
            details = source
            if files is not None:
                signature = files.signature.path.name
                created = _rfc3339(files.signature.date)
                details = files.names
            lines.append(IdentifierLine("pronom", details))
        else:
            version = f" {registry.version}" if registry.version else ""
            lines.append(IdentifierLine(registry.namespace.lower(), f"{source}{version}".strip()))
    if not signature and lines:
        signature = lines[0].details
    lines.append(IdentifierLine("bsf", "; ".join(stack.describe())))
    return RunInfo(signature, created, tuple(lines))
