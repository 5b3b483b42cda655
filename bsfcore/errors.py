"""The one root error of bsf and its structured subclasses.

Library code raises these; the CLI turns any of them into one clear line on stderr and a
non-zero exit code (``--debug`` shows the traceback). Subclasses carry the fields an operator
needs to find the problem: file and line, bitstream id, step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class BsfError(Exception):
    """Root of every error bsf raises on purpose."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file (a config line, a registry entry, ...)."""

    path: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"


class InputError(BsfError):
    """Bad input found in a file; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem], summary: str | None = None) -> None:
        self.problems = list(problems)
        if summary is None:
            summary = str(self.problems[0]) if len(self.problems) == 1 else (
                f"{len(self.problems)} problems:\n" + "\n".join(f"  {p}" for p in self.problems)
            )
        super().__init__(summary)


class ConfigError(InputError):
    """A configuration file or option is malformed, unknown or inconsistent."""

    @classmethod
    def at(cls, path: str | Path | None, line: int | None, message: str) -> ConfigError:
        return cls([Problem(str(path) if path is not None else None, line, message)])


class RegistryError(InputError):
    """A format registry document (XML, DROID signature file) is invalid."""


class UnsafeInputError(BsfError):
    """Hostile or unsafe outside input was refused (XXE, zip-slip, zip bomb, ...)."""


class DatabaseError(BsfError):
    """The archive database cannot be reached or is not in the expected state."""


class AssetError(BsfError):
    """A bitstream's asset file is missing, unreadable or outside its store."""

    def __init__(self, message: str, bitstream_id: int | None = None,
                 path: str | None = None) -> None:
        super().__init__(message)
        self.bitstream_id = bitstream_id
        self.path = path


class StepError(BsfError):
    """An upgrade step refused to run or stopped (already done, out of order, locked)."""

    def __init__(self, message: str, step: str | None = None) -> None:
        super().__init__(message)
        self.step = step


class PackageError(BsfError):
    """An AIP, deletion record or bag is invalid, or cannot be ingested."""
