"""The format model every other package speaks: FormatKey, Format, Registry, RegistrySet."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum

from bsfcore.errors import BsfError


class UnknownFormatKey(BsfError):
    """A format key names no format in the configured registries."""


@dataclass(frozen=True, order=True)
class FormatKey:
    """An external format identifier, written ``NAMESPACE:identifier`` (``PRONOM:fmt/96``)."""

    namespace: str
    identifier: str

    @classmethod
    def parse(cls, text: str) -> FormatKey:
        namespace, sep, identifier = text.strip().partition(":")
        if not sep or not namespace or not identifier:
            raise BsfError(f"malformed format key {text!r}: expected NAMESPACE:identifier "
                           "such as PRONOM:fmt/96 or DSpace:CSS")
        return cls(namespace, identifier)

    def __str__(self) -> str:
        return f"{self.namespace}:{self.identifier}"


class SupportLevel(IntEnum):
    """DSpace's support levels, with DSpace's integer values (0, 1, 2)."""

    UNKNOWN = 0
    KNOWN = 1
    SUPPORTED = 2

    @classmethod
    def parse(cls, text: str) -> SupportLevel:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise BsfError(f"unknown support level {text!r}: use unknown, known or supported") \
                from None


@dataclass(frozen=True)
class Format:
    """One data format: the first key is canonical, the others are synonyms."""

    keys: tuple[FormatKey, ...]
    name: str
    version: str | None = None
    mime_type: str | None = None
    description: str | None = None
    extensions: tuple[str, ...] = ()
    support_level: SupportLevel = SupportLevel.KNOWN
    internal: bool = False
    #: where it was defined, e.g. ``provisional-formats.xml:12``, for error messages
    origin: str | None = field(default=None, compare=False)

    @property
    def key(self) -> FormatKey:
        return self.keys[0]

    @property
    def synonyms(self) -> tuple[FormatKey, ...]:
        return self.keys[1:]

    @property
    def display_name(self) -> str:
        return f"{self.name} {self.version}" if self.version else self.name


class Registry:
    """The formats of one namespace, with lookups by key, extension and MIME type."""

    def __init__(self, namespace: str, formats: Iterable[Format], *, source: str | None = None,
                 version: str | None = None) -> None:
        self.namespace = namespace
        self.source = source
        self.version = version
        self._formats: dict[FormatKey, Format] = {}
        self._by_ext: dict[str, list[Format]] = {}
        self._by_mime: dict[str, list[Format]] = {}
        for fmt in formats:
            self._formats[fmt.key] = fmt
            for ext in fmt.extensions:
                self._by_ext.setdefault(ext.lower(), []).append(fmt)
            if fmt.mime_type:
                for mime in fmt.mime_type.split(","):
                    self._by_mime.setdefault(_bare_mime(mime), []).append(fmt)

    def __iter__(self) -> Iterator[Format]:
        return iter(self._formats.values())

    def __len__(self) -> int:
        return len(self._formats)

    def __contains__(self, key: object) -> bool:
        return key in self._formats

    def get(self, key: FormatKey) -> Format | None:
        return self._formats.get(key)

    def by_extension(self, ext: str) -> list[Format]:
        return list(self._by_ext.get(ext.lower().lstrip("."), ()))

    def by_mime(self, mime: str) -> list[Format]:
        return list(self._by_mime.get(_bare_mime(mime), ()))


def _bare_mime(mime: str) -> str:
    return mime.split(";", 1)[0].strip().lower()


class RegistrySet:
    """The configured registries as a set keyed by namespace (not a stack).

    Synonyms resolve both ways: a Provisional entry ``HTM`` listing ``PRONOM:fmt/96`` makes
    ``equivalent(PRONOM:fmt/96)`` include ``Provisional:HTM`` and vice versa.
    """

    def __init__(self, registries: Iterable[Registry] = ()) -> None:
        self._registries: dict[str, Registry] = {}
        self._links: dict[FormatKey, set[FormatKey]] | None = None
        for registry in registries:
            self.add(registry)

    def add(self, registry: Registry) -> None:
        self._registries[registry.namespace] = registry
        self._links = None

    def __iter__(self) -> Iterator[Registry]:
        return iter(self._registries.values())

    def __contains__(self, namespace: object) -> bool:
        return namespace in self._registries

    @property
    def namespaces(self) -> list[str]:
        return list(self._registries)

    def registry(self, namespace: str) -> Registry | None:
        return self._registries.get(namespace)

    def get(self, key: FormatKey) -> Format | None:
        """The format whose canonical key is ``key``, else one that lists it as a synonym."""
        registry = self._registries.get(key.namespace)
        if registry is not None:
            fmt = registry.get(key)
            if fmt is not None:
                return fmt
        for other in self._equivalent_keys(key):
            reg = self._registries.get(other.namespace)
            if reg is not None and (fmt := reg.get(other)) is not None:
                return fmt
        return None

    def require(self, key: FormatKey) -> Format:
        fmt = self.get(key)
        if fmt is None:
            raise UnknownFormatKey(f"no configured registry knows {key} "
                                   f"(registries: {', '.join(self.namespaces) or 'none'})")
        return fmt

    def equivalent(self, key: FormatKey) -> set[FormatKey]:
        """``key`` and every key linked to it through synonyms, in either direction."""
        return {key} | self._equivalent_keys(key)

    def by_extension(self, ext: str) -> list[Format]:
        return [f for reg in self._registries.values() for f in reg.by_extension(ext)]

    def by_mime(self, mime: str) -> list[Format]:
        return [f for reg in self._registries.values() for f in reg.by_mime(mime)]

    def formats(self) -> Iterator[Format]:
        for registry in self._registries.values():
            yield from registry

    def _equivalent_keys(self, key: FormatKey) -> set[FormatKey]:
        if self._links is None:
            # only formats with synonyms link keys: a lone key reaches nothing but itself
            links: dict[FormatKey, set[FormatKey]] = {}
            for fmt in self.formats():
                if len(fmt.keys) < 2:
                    continue
                group = set(fmt.keys)
                for k in fmt.keys:
                    links.setdefault(k, set()).update(group)
            self._links = links
        seen: set[FormatKey] = set()
        todo = [key]
        while todo:
            current = todo.pop()
            for linked in self._links.get(current, ()):
                if linked not in seen:
                    seen.add(linked)
                    todo.append(linked)
        seen.discard(key)
        return seen
