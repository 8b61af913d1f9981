"""Per-key limits on concurrent requests and on the spacing of request arrivals."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _KeyState:
    in_flight: int = 0
    last_accepted: float | None = None


class RequestGate:
    """At most `max_in_flight` concurrent requests per key, and accepted arrivals at least
    `min_interval` seconds apart. Rejected requests change nothing."""

    def __init__(self, *, min_interval: float, max_in_flight: int, enabled: bool = True) -> None:
        self.min_interval = min_interval
        self.max_in_flight = max_in_flight
        self.enabled = enabled
        self._lock = threading.Lock()
        self._keys: dict[str, _KeyState] = {}

    def acquire(self, key: str, arrival: float) -> tuple[str | None, Callable[[], None]]:
        """Try to admit a request that arrived at `arrival` (time.monotonic()).

        Returns (None, release) when accepted, or (reason, no-op) when refused, where reason
        is "in_flight" or "interval".
        """
        with self._lock:
            state = self._keys.setdefault(key, _KeyState())
            if self.enabled:
                if state.in_flight >= self.max_in_flight:
                    return "in_flight", _nothing
                last = state.last_accepted
                if last is not None and arrival - last < self.min_interval:
                    return "interval", _nothing
            state.in_flight += 1
            state.last_accepted = max(arrival, state.last_accepted or arrival)
        return None, _Release(self, key)

    def _release(self, key: str) -> None:
        with self._lock:
            self._keys[key].in_flight -= 1


def _nothing() -> None:
    return None


class _Release:
    """Idempotent release of one in-flight slot."""

    def __init__(self, gate: RequestGate, key: str) -> None:
        self._gate, self._key, self._done = gate, key, False
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        self._gate._release(self._key)
