"""A circuit breaker for the model endpoint: after repeated failures, stop asking for a while.

Why: when the county's model server is down, every question would otherwise wait for the full
first-token timeout before falling back to the extractive answer. After `max_failures` failures
in a row the breaker opens and questions go straight to the extractive answer; after
`cooldown` seconds one question is let through as a probe (half-open) — success closes the
breaker, failure opens it for another cooldown.

Hand-written rather than a library (pybreaker, circuitbreaker): those wrap a function call,
while a streamed answer's outcome is known only after the gate has read the whole reply, and
the state here is three fields behind one lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"  # cooldown over, one probe in flight or allowed


class CircuitBreaker:
    def __init__(self, max_failures: int, cooldown: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            if self._opened_at is None:
                return BreakerState.CLOSED
            if self._clock() - self._opened_at < self.cooldown:
                return BreakerState.OPEN
            return BreakerState.HALF_OPEN

    def allow(self) -> bool:
        """May the endpoint be asked now? In half-open state only one caller at a time is."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._clock() - self._opened_at < self.cooldown or self._probing:
                return False
            self._probing = True
            return True

    def success(self) -> None:
        with self._lock:
            self._failures, self._opened_at, self._probing = 0, None, False

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._probing or self._failures >= self.max_failures:
                self._opened_at = self._clock()
            self._probing = False
