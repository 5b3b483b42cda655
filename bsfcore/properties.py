"""Reader for DSpace ``dspace.cfg``-style properties files.

Operators hand us the configuration keys of the conversion instructions verbatim, so the syntax is
DSpace's: ``key = value`` lines, ``#`` or ``!`` comments, a trailing backslash continues a value on
the next line, and ``${key}`` interpolates another key (typically ``${dspace.dir}``). Every line
remembers where it came from, so later validation can say file and line.

Interpolation is bounded, because a configuration file is input too: a cycle, references that
nest deeper than :data:`MAX_DEPTH`, and a value that would expand past :data:`MAX_VALUE`
characters (30 keys each doubling the next reach a gigabyte) are each one ConfigError naming the
file and line. Every key is expanded once and remembered, so shared references cost nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bsfcore.errors import ConfigError, Problem

_INTERPOLATION = re.compile(r"\$\{([^}]+)\}")
#: ``${...}`` references may nest this deep (``a = ${b}``, ``b = ${c}``: depth 2)
MAX_DEPTH = 32
#: characters an expanded value may have
MAX_VALUE = 1 << 20
_KEY = re.compile(r"^[A-Za-z0-9_.\-/]+$")


@dataclass(frozen=True)
class Entry:
    """One ``key = value`` with the place it was written."""

    key: str
    raw_value: str
    path: str | None
    line: int


class Properties(Mapping[str, str]):
    """Parsed properties; values are returned with ``${key}`` interpolated."""

    def __init__(self, entries: list[Entry], path: str | None = None,
                 defaults: Mapping[str, str] | None = None) -> None:
        self.path = path
        self._entries: dict[str, Entry] = {}
        for entry in entries:
            self._entries[entry.key] = entry
        self._defaults = dict(defaults or {})
        #: expanded values by key (entries never change after construction)
        self._expanded: dict[str, str] = {}

    # Mapping interface -------------------------------------------------------------------
    def __getitem__(self, key: str) -> str:
        if key in self._entries:
            return self._interpolate(self._entries[key], ())
        if key in self._defaults:
            return self._defaults[key]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield from self._entries
        yield from (k for k in self._defaults if k not in self._entries)

    def __len__(self) -> int:
        return len(set(self._entries) | set(self._defaults))

    # Lookups -----------------------------------------------------------------------------
    def entry(self, key: str) -> Entry | None:
        """Where ``key`` was written, for error messages."""
        return self._entries.get(key)

    def where(self, key: str) -> tuple[str | None, int | None]:
        entry = self._entries.get(key)
        return (entry.path, entry.line) if entry else (self.path, None)

    def with_prefix(self, prefix: str) -> dict[str, str]:
        return {k: self[k] for k in self if k.startswith(prefix)}

    def get_bool(self, key: str, default: bool = False) -> bool:
        value = self.get(key)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        path, line = self.where(key)
        raise ConfigError.at(path, line, f"{key} must be true or false, not {value!r}")

    def get_list(self, key: str) -> list[str]:
        """A comma-separated value as a list of stripped, non-empty items."""
        value = self.get(key)
        if not value:
            return []
        return [item.strip() for item in value.split(",") if item.strip()]

    def _interpolate(self, entry: Entry, chain: tuple[str, ...]) -> str:
        """``entry``'s value with its references expanded; ``chain`` is the keys being
        expanded around it (for cycles and the depth limit)."""
        done = self._expanded.get(entry.key)
        if done is not None:
            return done
        if entry.key in chain:
            raise ConfigError.at(entry.path, entry.line,
                                 f"circular ${{...}} reference through {entry.key}")
        if len(chain) >= MAX_DEPTH:
            raise ConfigError.at(entry.path, entry.line, f"${{...}} references nest deeper "
                                 f"than {MAX_DEPTH} (from {chain[0]} down to {entry.key})")
        chain = (*chain, entry.key)
        raw = entry.raw_value
        parts: list[str] = []
        size = pos = 0
        for match in _INTERPOLATION.finditer(raw):
            name = match.group(1)
            if name in self._entries:
                value = self._interpolate(self._entries[name], chain)
            elif name in self._defaults:
                value = self._defaults[name]
            else:
                raise ConfigError.at(entry.path, entry.line,
                                     f"{entry.key} refers to ${{{name}}}, which is not set")
            parts += (raw[pos:match.start()], value)
            size += match.start() - pos + len(value)
            pos = match.end()
            if size > MAX_VALUE:
                raise ConfigError.at(entry.path, entry.line, f"{entry.key} expands to more "
                                     f"than {MAX_VALUE} characters (${{...}} references "
                                     "that repeat each other)")
        parts.append(raw[pos:])
        if size + len(raw) - pos > MAX_VALUE:
            raise ConfigError.at(entry.path, entry.line,
                                 f"{entry.key} expands to more than {MAX_VALUE} characters")
        value = "".join(parts)
        self._expanded[entry.key] = value
        return value


def parse_properties(text: str, path: str | None = None) -> list[Entry]:
    """Parse properties text into entries; every malformed line is reported at once."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        start = index + 1
        line = lines[index]
        index += 1
        stripped = line.strip()
        if not stripped or stripped[0] in "#!":
            continue
        pieces = [stripped]
        # (a list, not string concatenation: thousands of continuation lines stay linear)
        while pieces[-1].endswith("\\") and not pieces[-1].endswith("\\\\"):
            pieces[-1] = pieces[-1][:-1]
            if index >= len(lines):
                break
            pieces.append(lines[index].strip())
            index += 1
        logical = " ".join(pieces)
        key, sep, value = _split(logical)
        if not sep:
            problems.append(Problem(path, start, f"expected 'key = value', got {stripped!r}"))
            continue
        if not key or not _KEY.match(key):
            problems.append(Problem(path, start, f"malformed key {key!r}"))
            continue
        entries.append(Entry(key, " ".join(value.split()) if "\n" in value else value.strip(),
                             path, start))
    if problems:
        raise ConfigError(problems)
    return entries


def _split(logical: str) -> tuple[str, str, str]:
    positions = [p for p in (logical.find("="), logical.find(":")) if p >= 0]
    # A ':' inside a value (URLs) must not split: prefer '=' when the key has no ':'.
    eq = logical.find("=")
    if eq >= 0:
        pos = eq
    elif positions:
        pos = min(positions)
    else:
        return logical, "", ""
    return logical[:pos].strip(), logical[pos], logical[pos + 1:]


def load_properties(path: str | Path, defaults: Mapping[str, str] | None = None) -> Properties:
    """Read a properties file; missing or unreadable files are a ConfigError."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError.at(str(file), None, "configuration file does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError.at(str(file), None, f"cannot read configuration file: {exc}") from None
    return Properties(parse_properties(text, str(file)), str(file), defaults)
