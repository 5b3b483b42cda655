"""Module-level regular expressions compiled on first use, not at import.

The text refiners hold about thirty patterns; compiling them all at import cost ``bsf identify
ONE_FILE`` several milliseconds even when the file is binary and none of them runs. A
:class:`LazyPattern` compiles on its first call and then binds the compiled pattern's methods
onto itself, so every later ``rx.match(...)`` is the compiled method itself (an instance
attribute shadows the class's function): no extra Python frame in the hot loops.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import AnyStr, Generic


class LazyPattern(Generic[AnyStr]):
    """``re.compile(pattern, flags)``, deferred; offers the methods the refiners use."""

    def __init__(self, pattern: AnyStr, flags: int = 0) -> None:
        self._source: AnyStr = pattern
        self._flags = flags
        self._compiled: re.Pattern[AnyStr] | None = None

    @property
    def compiled(self) -> re.Pattern[AnyStr]:
        if self._compiled is None:
            compiled = self._compiled = re.compile(self._source, self._flags)
            # shadow the methods below with the compiled ones (instance attributes win)
            for name in ("match", "search", "finditer", "findall", "sub", "fullmatch"):
                setattr(self, name, getattr(compiled, name))
        return self._compiled

    def match(self, string: AnyStr, pos: int = 0,
              endpos: int = sys.maxsize) -> re.Match[AnyStr] | None:
        return self.compiled.match(string, pos, endpos)

    def fullmatch(self, string: AnyStr, pos: int = 0,
                  endpos: int = sys.maxsize) -> re.Match[AnyStr] | None:
        return self.compiled.fullmatch(string, pos, endpos)

    def search(self, string: AnyStr, pos: int = 0,
               endpos: int = sys.maxsize) -> re.Match[AnyStr] | None:
        return self.compiled.search(string, pos, endpos)

    def finditer(self, string: AnyStr, pos: int = 0,
                 endpos: int = sys.maxsize) -> Iterator[re.Match[AnyStr]]:
        return self.compiled.finditer(string, pos, endpos)

    def findall(self, string: AnyStr, pos: int = 0, endpos: int = sys.maxsize) -> list[AnyStr]:
        return self.compiled.findall(string, pos, endpos)

    def sub(self, repl: AnyStr | Callable[[re.Match[AnyStr]], AnyStr], string: AnyStr,
            count: int = 0) -> AnyStr:
        return self.compiled.sub(repl, string, count)
