"""The one rate limiter every vendor emulation uses.

Per key (a token, an account, a client address: the vendor decides), any combination of
the rules vendors document: at most `max_in_flight` concurrent requests, accepted arrivals at
least `min_interval` seconds apart, and sliding windows of at most N accepted arrivals per T
seconds. A refused request changes nothing (it neither occupies a slot nor counts in a window).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

IN_FLIGHT, INTERVAL, WINDOW = "in_flight", "interval", "window"
"""Why a request was refused, as the request log records it."""


@dataclass(frozen=True)
class LimitRules:
    """A vendor's documented limits for one key."""

    max_in_flight: int | None = None
    """Concurrent requests per key; None = no limit."""
    min_interval: float = 0.0
    """Minimum seconds between the arrivals of two accepted requests of a key."""
    windows: tuple[tuple[int, float], ...] = ()
    """(N, T): at most N accepted arrivals in any T seconds (sliding), all enforced."""

    def __post_init__(self) -> None:
        if self.max_in_flight is not None and self.max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if self.min_interval < 0:
            raise ValueError("min_interval cannot be negative")
        if any(limit < 1 or seconds <= 0 for limit, seconds in self.windows):
            raise ValueError("a rate window needs N >= 1 requests per T > 0 seconds")


@dataclass
class _KeyState:
    in_flight: int = 0
    last_accepted: float | None = None
    arrivals: list[deque[float]] = field(default_factory=list)


class Limiter:
    """Admits or refuses requests per key under `rules`; `enabled=False` admits everything."""

    def __init__(self, rules: LimitRules, *, enabled: bool = True) -> None:
        self.rules = rules
        self.enabled = enabled
        self._lock = threading.Lock()
        self._keys: dict[str, _KeyState] = {}

    def acquire(self, key: str, arrival: float) -> tuple[str | None, Callable[[], None]]:
        """Try to admit a request of `key` that arrived at `arrival` (time.monotonic()).

        Returns (None, release) when accepted (call release when its answer is finished), or
        (reason, no-op) when refused, reason being "in_flight", "interval" or "window".
        """
        rules = self.rules
        with self._lock:
            state = self._keys.setdefault(key, _KeyState(arrivals=[deque() for _ in rules.windows]))
            if self.enabled:
                refused = self._refusal(state, arrival)
                if refused:
                    return refused, _nothing
                for queue in state.arrivals:
                    queue.append(arrival)
            state.in_flight += 1
            state.last_accepted = max(arrival, state.last_accepted or arrival)
        return None, _Release(self, key)

    def _refusal(self, state: _KeyState, arrival: float) -> str | None:
        rules = self.rules
        if rules.max_in_flight is not None and state.in_flight >= rules.max_in_flight:
            return IN_FLIGHT
        last = state.last_accepted
        if rules.min_interval > 0 and last is not None and arrival - last < rules.min_interval:
            return INTERVAL
        for (limit, seconds), queue in zip(rules.windows, state.arrivals, strict=True):
            while queue and queue[0] <= arrival - seconds:
                queue.popleft()
            if len(queue) >= limit:
                return WINDOW
        return None

    def _release(self, key: str) -> None:
        with self._lock:
            self._keys[key].in_flight -= 1


def _nothing() -> None:
    return None


class _Release:
    """Idempotent release of one in-flight slot."""

    def __init__(self, limiter: Limiter, key: str) -> None:
        self._limiter, self._key, self._done = limiter, key, False
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        self._limiter._release(self._key)
