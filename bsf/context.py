"""What every command gets from the global options: settings, engine, console, progress.

rich is imported only when a console or a progress bar is first used (``out_console`` and
``err_console`` are created on first access): ``bsf identify FILE`` prints plain data and must
start in a fraction of a second.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING

import typer

from bsfcore.progress import NO_PROGRESS, Progress
from bsfcore.settings import Settings, load_settings

if TYPE_CHECKING:  # the identify path must not pay for SQLAlchemy (about 0.3 s to import)
    from rich.console import Console
    from rich.progress import ProgressColumn, TaskID
    from sqlalchemy import Engine


#: Set by a command whose work is done and whose resources are all released (output flushed,
#: no database, temporary folders removed): the console script may then leave without the
#: interpreter's teardown. See :func:`skip_teardown`.
_TEARDOWN_SKIPPABLE = False


def skip_teardown() -> None:
    """Say that nothing is left to release, so ``bsf`` may end the process at once.

    At exit CPython frees every object one by one; after ``bsf identify`` of 1,500 files that
    is the compiled signatures' hundreds of thousands of small objects, about 0.15 s of a 1.3 s
    run. Only the console script acts on it (``bsf.main.main`` without ``argv``), so tests and
    library callers that run commands in their own process are never cut short.
    """
    global _TEARDOWN_SKIPPABLE
    _TEARDOWN_SKIPPABLE = True


def teardown_skippable() -> bool:
    return _TEARDOWN_SKIPPABLE


@dataclass
class CliState:
    """Global options, resolved lazily so ``--help`` never touches a database."""

    config: str | None = None
    db: str | None = None
    assetstore: str | None = None
    debug: bool = False
    quiet: bool = False
    _settings: Settings | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config, db=self.db, assetstore=self.assetstore)
        return self._settings

    @property
    def engine(self) -> Engine:
        """The archive's engine; a missing or empty database is refused, never created."""
        if self._engine is None:
            from archive.db import open_engine

            self._engine = open_engine(self.settings.db_url, existing=True)
        return self._engine

    def new_engine(self) -> Engine:
        """The engine for a command that creates the archive (the database may not exist)."""
        if self._engine is None:
            from archive.db import open_engine

            self._engine = open_engine(self.settings.db_url)
        return self._engine

    def progress(self) -> RichBar | Progress:
        """A progress bar on stderr when it is a terminal and not ``--quiet``; else nothing."""
        if self.quiet or not sys.stderr.isatty():
            return NO_PROGRESS
        return RichBar(_console("err_console"))


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = CliState()
    obj = root.obj
    assert isinstance(obj, CliState)
    return obj


#: stdout carries data; stderr carries progress, logs and summaries meant for people.
#: (created by the module ``__getattr__`` below on first access)
out_console: Console
err_console: Console


def _console(name: str) -> Console:
    existing = globals().get(name)
    if existing is not None:
        return existing
    from rich.console import Console

    console = Console(stderr=name == "err_console", highlight=False, soft_wrap=True)
    globals()[name] = console
    return console


def __getattr__(name: str) -> Console:
    if name in ("out_console", "err_console"):
        return _console(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def rate_column() -> ProgressColumn:
    """Units per second, the figure operators compare between runs."""
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f}/s" if speed else "", style="progress.data.speed")

    return RateColumn()


class RichBar:
    """A :class:`bsfcore.progress.Progress` drawn by rich, with rate and ETA."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            rate_column(), TimeElapsedColumn(), TimeRemainingColumn(),
            console=console, transient=False,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichBar:
        self._bar.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._bar.stop()

    def start(self, label: str, total: int | None = None) -> None:
        self._bar.start()
        self._task = self._bar.add_task(label, total=total)

    def advance(self, units: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, units)

    def finish(self) -> None:
        if self._task is not None:
            self._bar.update(self._task, visible=True)
            self._task = None
        self._bar.stop()
