"""ProvisionalFormatRegistry identifier: the extension entries of the local Provisional registry.

The Provisional registry holds the operator's own entries, often "temporary problem-solvers"
for extensions an external registry misses (the conversion instructions' ``HTM`` example).
The lookup is DSpace's (lower-cased text after the last dot, whole name without a dot) and the
answer is EXTENSION with ``match on extension only``, so any content evidence outranks it.

When an entry lists a synonym in a configured registry (``Provisional:HTM`` ->
``PRONOM:fmt/96``) the answer names that key (see :func:`common.preferred_key`).
"""

from __future__ import annotations

from bsfcore.errors import ConfigError
from formats.identifiers.common import PROVISIONAL, join, preferred_key
from formats.identifiers.dspace import dspace_extension
from formats.model import Confidence, Match, Sample
from registries.model import RegistrySet


class ProvisionalIdentifier:
    refines = False
    max_confidence = Confidence.EXTENSION

    def __init__(self, name: str, registries: RegistrySet, *, namespace: str = PROVISIONAL
                 ) -> None:
        registry = registries.registry(namespace)
        if registry is None:
            raise ConfigError.at(None, None, f"{name} is in the identifier stack but no "
                                 f"{namespace} registry is configured")
        self.name = name
        self.registry = registry
        self.registries = registries

    def identify(self, sample: Sample, previous: Match | None) -> Match | None:
        ext = dspace_extension(sample.name)
        if not ext:
            return None
        found = [f for f in self.registry.by_extension(ext) if not f.internal]
        if not found:
            return None
        keys = list(dict.fromkeys(preferred_key(f, self.registries) for f in found))
        also = (f"possibilities based on extension are {', '.join(map(str, keys[1:]))}"
                if len(keys) > 1 else "")
        return Match(keys[0], Confidence.EXTENSION, self.name, f"extension match {ext}",
                     join("match on extension only", also))
