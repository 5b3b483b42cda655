"""Progress reporting through a callback the caller supplies.

Library code never prints progress itself: long work calls a :class:`Progress`. The CLI passes one
that draws a rich progress bar on a terminal; tests and ``--quiet`` pass :data:`NO_PROGRESS`.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, label: str, total: int | None = None) -> None:
        """A new stage of work begins; ``total`` is the number of units, when known."""

    def advance(self, units: int = 1) -> None:
        """``units`` more units are done."""

    def finish(self) -> None:
        """The current stage is over."""


class NullProgress:
    """A Progress that reports nothing."""

    def start(self, label: str, total: int | None = None) -> None:
        pass

    def advance(self, units: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


NO_PROGRESS: Progress = NullProgress()
