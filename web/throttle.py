"""Login throttling: a few wrong passwords, then a pause, per account and per client address.

Failures are counted in a sliding window (default 5 per e-mail address and 20 per client
address in 15 minutes). Once a key is over its limit, every login attempt for it is refused
with "try again in N seconds" *before* the password is looked at, so guessing gets no answer
at all. A successful login clears the account's count. Kept in memory: a restart forgets, which
only helps someone who can restart the server anyway. Bounded: at most ``max_keys`` keys are
remembered (oldest dropped), so a flood of made-up addresses cannot fill the memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleLimits:
    per_account: int = 5
    per_client: int = 20
    window_seconds: float = 15 * 60
    max_keys: int = 10_000


class LoginThrottle:
    def __init__(self, limits: ThrottleLimits | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or ThrottleLimits()
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.limits.window_seconds:
            times.popleft()
        return times

    def _keys(self, account: str, client: str) -> list[tuple[str, int]]:
        return [(f"a:{account.strip().lower()}", self.limits.per_account),
                (f"c:{client}", self.limits.per_client)]

    def retry_after(self, account: str, client: str) -> int:
        """Seconds to wait before the next attempt is looked at (0 = go ahead)."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key, limit in self._keys(account, client):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, times[0] + self.limits.window_seconds - now)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, account: str, client: str) -> None:
        now = self._clock()
        with self._lock:
            for key, _ in self._keys(account, client):
                times = self._failures.get(key)
                if times is None:
                    times = self._failures[key] = deque()
                self._failures.move_to_end(key)
                times.append(now)
                while len(times) > max(self.limits.per_account, self.limits.per_client):
                    times.popleft()
            while len(self._failures) > self.limits.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._failures.pop(f"a:{account.strip().lower()}", None)
