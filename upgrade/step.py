"""The step framework: ordered, recorded steps with one choke point for writes.

Like an alembic revision, a :class:`Step` has a ``key``, the keys it ``requires``, an
``is_done`` check that reads the database (never a flag that SQL run by hand could contradict)
and ``run(ctx)``. Every write goes through :meth:`StepContext.write`, so a dry run (``-n``)
executes the same code path and only counts what it would have written.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from sqlalchemy import Connection, Engine, Executable

from bsfcore.progress import NO_PROGRESS, Progress
from bsfcore.settings import Settings
from formats.stack import IdentifierStack
from registries.model import RegistrySet


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


@dataclass
class StepContext:
    """What a step gets: the archive, the options, and the only way to write."""

    engine: Engine
    settings: Settings | None = None
    dry_run: bool = False
    verbose: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    log: Callable[[str], None] = _stderr
    progress: Progress = NO_PROGRESS
    workers: int = 1
    batch_size: int = 500
    #: phase 2 ``--worker`` mode: claim batches of an existing plan, never plan or finish
    worker_only: bool = False
    #: command-line arguments for worker processes (config, db, assetstore)
    cli_args: Mapping[str, str | None] = field(default_factory=dict)
    #: what a dry run would have written: statement label -> rows (or statements)
    would_write: Counter[str] = field(default_factory=Counter)
    #: test hook: called after each committed phase 2 batch
    after_batch: Callable[[int], None] | None = None
    #: injected registries / identifier stack (loaded from settings when None)
    registry_set: RegistrySet | None = None
    stack: IdentifierStack | None = None

    def write(self, conn: Connection, stmt: Executable,
              params: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
              *, label: str = "write") -> int:
        """Execute a write, or in a dry run count it. Returns the rows affected (or params)."""
        many = isinstance(params, Sequence)
        if many and not params:
            return 0
        if self.dry_run:
            n = len(params) if many else 1  # type: ignore[arg-type]
            self.would_write[label] += n
            return n
        result = conn.execute(stmt, params) if params is not None else conn.execute(stmt)
        if many:
            return len(params)  # type: ignore[arg-type]
        return max(result.rowcount or 0, 0)

    def emit(self, line: str) -> None:
        """A data or summary line on stdout (the seed's output)."""
        self.out.write(line + "\n")
        self.out.flush()

    def registries(self) -> RegistrySet:
        """The configured registries (DSpace / Provisional / PRONOM), loaded once."""
        if self.registry_set is None:
            if self.stack is not None and self.stack.registries is not None:
                self.registry_set = self.stack.registries
            else:
                from registries.config import load_format_config
                from registries.loader import load_registry_set

                self.registry_set = load_registry_set(load_format_config(self.require_settings()))
        return self.registry_set

    def identifier_stack(self) -> IdentifierStack:
        """The configured identifier stack (``formats.stack.IdentifierStack``), built once."""
        if self.stack is None:
            from formats.stack import stack_from_settings

            self.stack, registries = stack_from_settings(self.require_settings())
            if self.registry_set is None:
                self.registry_set = registries
        return self.stack

    def require_settings(self) -> Settings:
        if self.settings is None:
            from bsfcore.settings import load_settings

            self.settings = load_settings()
        return self.settings


@dataclass
class Summary:
    """What a step did: the seed's summary lines (already printed) and the counts behind them."""

    step: str
    lines: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"step": self.step, "lines": self.lines, "counts": self.counts,
                "dry_run": self.dry_run}


class Step(Protocol):
    """One upgrade step."""

    key: str
    #: what ``bsf upgrade status`` and ``--help`` show
    title: str
    requires: tuple[str, ...]

    def is_done(self, conn: Connection) -> bool:
        """Derived from the data, so hand-run SQL cannot make it lie."""
        ...

    def check(self, conn: Connection) -> None:
        """Raise StepError when the step may not run now (order, state)."""
        ...

    def run(self, ctx: StepContext) -> Summary:
        ...
