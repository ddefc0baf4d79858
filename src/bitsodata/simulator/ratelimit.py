"""Bitso's public REST limit: N requests per one-minute window per client IP, then a lockout.

A fixed window starts at a client's first request; request N+1 inside it starts a lockout during
which every request is refused (refused requests do not extend it). Time comes from a ``Clock``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bitsodata.clock import Clock


@dataclass
class _Client:
    window_start: float
    count: int = 0
    locked_until: float = 0.0


class RateLimiter:
    """Per-IP fixed windows with a lockout; ``allow(ip)`` decides one request."""

    def __init__(self, limit: int, *, window: float, lockout: float, clock: Clock) -> None:
        self.limit = limit
        self.window = window
        self.lockout = lockout
        self.clock = clock
        self._clients: dict[str, _Client] = {}
        self.lockouts = 0

    def allow(self, ip: str) -> bool:
        now = self.clock.now()
        client = self._clients.get(ip)
        if client is None or (
            now >= client.window_start + self.window and now >= client.locked_until
        ):
            client = self._clients[ip] = _Client(window_start=now)
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
        client.locked_until = now + self.lockout
        # the next window opens when the lockout ends
        client.window_start = client.locked_until - self.window
        client.count = 0
        self.lockouts += 1

    def locked_until(self, ip: str) -> float | None:
        client = self._clients.get(ip)
        if client is None or client.locked_until <= self.clock.now():
            return None
        return client.locked_until
