"""The compiled form of DROID signatures: plain NamedTuples, cached and decoded lazily.

Kept apart from :mod:`formats.signatures.compile` (which builds them from the parsed model and
the pattern parser) so that a process loading the engine from the cache imports neither.
"""

from __future__ import annotations

from typing import NamedTuple

from registries.pronom.references import BOF


class Segment(NamedTuple):
    """A bounded run of tokens; ``gap_*`` is the distance to the previous segment's end or the
    anchor (BOF/variable) or to the next segment's start or EOF (EOF sequences).

    (NamedTuples, not dataclasses, throughout the compiled form: they unpickle about twice as
    fast, which is most of what a process pays to load the engine from the cache.)
    """

    src: bytes
    gap_min: int
    gap_max: int | None
    min_len: int
    max_len: int | None
    prefixes: tuple[bytes, ...]  # fixed strings the segment must start with ((): unknown)
    literal: bytes  # longest literal inside the segment
    #: literals at fixed distances from the segment start, from its leading fixed-length run
    checks: tuple[FixedCheck, ...] = ()
    #: True when ``checks`` say everything (the segment is one fixed-length run of literals)
    exact: bool = False
    #: the segment is exactly this literal (b"" otherwise): matched with bytes.find
    pure: bytes = b""


class FixedCheck(NamedTuple):
    """A literal that must be at ``offset`` (from the segment's or the file's start)."""

    offset: int
    data: bytes


class CompiledSequence(NamedTuple):
    reference: str  # BOF, EOF, VAR
    segments: tuple[Segment, ...]
    extent: int | None  # bytes from the anchor that can matter (None: unbounded)

    @property
    def fixed_offset(self) -> int | None:
        """Absolute BOF offset of the first segment when it is fixed, else None."""
        if self.reference != BOF:
            return None
        first = self.segments[0]
        return first.gap_min if first.gap_max == first.gap_min else None


class CompiledSignature(NamedTuple):
    id: int
    sequences: tuple[CompiledSequence, ...]
    generic: bool = False
