"""Facts about this process that bsf writes into the archive: the time, and who is working.

One place for both, so every table, AIP and record agrees on their form: times are UTC-aware
(``datetime.now(UTC)``), and a worker is ``host:pid`` so a later run on the same host can tell a
crashed worker's claims from a live one's.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime


def now(*, whole_seconds: bool = False) -> datetime:
    """The current time in UTC; ``whole_seconds`` for values DSpace stores without fractions
    (dates written into AIPs and item rows, so a re-export is byte-identical)."""
    stamp = datetime.now(UTC)
    return stamp.replace(microsecond=0) if whole_seconds else stamp


def worker_name() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"
