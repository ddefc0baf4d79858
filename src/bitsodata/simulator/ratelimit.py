"""Bitso's public REST limit: N requests per one-minute window per client IP, then a lockout.

A fixed window starts at a client's first request; request N+1 inside it starts a lockout during
which every request is refused (refused requests do not extend it). Bitso warns that repeated
lockouts may lead to a 24-hour block: with ``block_after=N``, the N-th lockout in a row (each one
starting within a window of the previous one's end) blocks the client for ``block_seconds``.
Time comes from a ``Clock``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bitsodata.clock import Clock


@dataclass
class _Client:
    window_start: float
    count: int = 0
    locked_until: float = 0.0
    streak: int = 0
    """Lockouts in a row (reset when a client stays clear of the limit for a window)."""
    blocked: bool = False


class RateLimiter:
    """Per-IP fixed windows with a lockout; ``allow(ip)`` decides one request."""

    def __init__(
        self,
        limit: int,
        *,
        window: float,
        lockout: float,
        clock: Clock,
        block_after: int = 0,
        block_seconds: float = 86_400.0,
    ) -> None:
        self.limit = limit
        self.window = window
        self.lockout = lockout
        self.clock = clock
        self.block_after = block_after
        """Lockouts in a row that turn into a long block; 0 = never."""
        self.block_seconds = block_seconds
        self._clients: dict[str, _Client] = {}
        self.lockouts = 0
        self.blocks = 0

    def allow(self, ip: str) -> bool:
        now = self.clock.now()
        client = self._clients.get(ip)
        if client is None or (
            now >= client.window_start + self.window and now >= client.locked_until
        ):
            streak = client.streak if client and now < client.locked_until + self.window else 0
            client = self._clients[ip] = _Client(window_start=now, streak=streak)
        if now < client.locked_until:
            return False
        client.count += 1
        if client.count > self.limit:
            self.lock(ip)
            return False
        return True

    def lock(self, ip: str) -> None:
        """Start a lockout now (also used by the ``rate_limit`` fault)."""
        now = self.clock.now()
        client = self._clients.setdefault(ip, _Client(window_start=now))
        client.streak += 1
        client.blocked = 0 < self.block_after <= client.streak
        client.locked_until = now + (self.block_seconds if client.blocked else self.lockout)
        if client.blocked:
            client.streak = 0  # after the block, it takes another run of lockouts
        # the next window opens when the lockout ends
        client.window_start = client.locked_until - self.window
        client.count = 0
        self.lockouts += 1
        self.blocks += client.blocked

    def locked_until(self, ip: str) -> float | None:
        client = self._clients.get(ip)
        if client is None or client.locked_until <= self.clock.now():
            return None
        return client.locked_until

    def blocked(self, ip: str) -> bool:
        """The client is serving a long block, not a one-minute lockout."""
        client = self._clients.get(ip)
        return client is not None and client.blocked and client.locked_until > self.clock.now()
