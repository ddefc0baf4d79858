"""The process-wide REST budget: a token bucket plus the lockout after a rate-limit answer.

Every REST call asks the one ``TokenBucket`` first; a 0801/420/429 answer stops all calls for
the lockout.
"""

from __future__ import annotations

from bitsodata.clock import Clock

# Float sums of refills may land a hair under a whole token; a nanotoken is not worth a wait.
_EPSILON = 1e-9


class Lockout:
    """After a rate-limit answer no REST call at all may leave the process until it expires."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._until_mono: float | None = None
        self.count = 0
        """How many times a lockout started (a metric)."""

    def trip(self, seconds: float) -> None:
        """Start (or extend) a lockout of ``seconds`` from now."""
        until = self._clock.monotonic() + max(0.0, seconds)
        if self._until_mono is None or until > self._until_mono:
            self._until_mono = until
        self.count += 1

    def remaining(self) -> float:
        """Seconds left in the current lockout (0 when none)."""
        if self._until_mono is None:
            return 0.0
        left = self._until_mono - self._clock.monotonic()
        if left <= 0:
            self._until_mono = None
            return 0.0
        return left

    def active(self) -> bool:
        """A lockout is in force now."""
        return self.remaining() > 0

    def until(self) -> float | None:
        """Epoch seconds at which the lockout ends, or None when none is in force."""
        left = self.remaining()
        return self._clock.now() + left if left > 0 else None


class TokenBucket:
    """At most ``rate_per_minute`` grants in any 60 s, with bursts up to ``capacity``.

    With the default ``capacity=1`` grants are spaced at least ``(60 + safety_seconds) /
    rate_per_minute`` seconds apart, so no half-open minute ever holds more than
    ``rate_per_minute`` of them, wherever the exchange places its window. ``safety_seconds``
    (default 1 s per minute) absorbs network jitter: requests sent exactly one interval apart can
    arrive a little closer together. A larger capacity allows bursts (and up to
    ``capacity - 1`` extra grants in the first minute).
    """

    def __init__(
        self,
        rate_per_minute: int,
        clock: Clock,
        *,
        capacity: float = 1.0,
        safety_seconds: float = 1.0,
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be positive")
        if capacity < 1:
            raise ValueError("capacity must be at least one token")
        if safety_seconds < 0:
            raise ValueError("safety_seconds cannot be negative")
        self.rate_per_minute = rate_per_minute
        self.capacity = capacity
        self.lockout = Lockout(clock)
        self._clock = clock
        self._per_second = rate_per_minute / (60.0 + safety_seconds)
        self._tokens = capacity
        self._last = clock.monotonic()

    def _refill(self) -> None:
        now = self._clock.monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self._per_second)
        self._last = now

    def try_acquire(self) -> bool:
        """Take one token if there is one and no lockout is in force; never waits."""
        self._refill()
        if self.lockout.active() or self._tokens < 1 - _EPSILON:
            return False
        self._tokens = max(0.0, self._tokens - 1)
        return True

    def seconds_until_available(self) -> float:
        """How long until ``try_acquire`` can succeed (lockout included)."""
        self._refill()
        short = 1 - self._tokens
        wait_tokens = 0.0 if short <= _EPSILON else short / self._per_second
        return max(wait_tokens, self.lockout.remaining())

    def lock_out(self, seconds: float) -> None:
        """A rate-limit answer arrived: stop every call for ``seconds``."""
        self.lockout.trip(seconds)
