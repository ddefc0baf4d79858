"""Run-time options of the simulated exchange, as one frozen object handed to every part."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bitsodata.errors import ConfigError
from bitsodata.simulator.faults import Fault

DEFAULT_BOOKS = ("btc_mxn", "usd_mxn")


@dataclass(frozen=True)
class SimConfig:
    """Everything ``bitsodata simulate exchange`` can be told."""

    host: str = "127.0.0.1"
    port: int = 0
    books: tuple[str, ...] = DEFAULT_BOOKS
    extra_books: int = 0
    """Add this many generic books (``sim001_mxn``, ``sim002_mxn``, ...) for scale tests."""
    seed: int = 1
    speed: float = 1.0
    """Market seconds per wall second (``--speed 60`` plays an hour in a minute)."""
    update_rate: float = 3.0
    """Book updates per market second per book (synthetic mode)."""
    ka_interval: float = 5.0
    """Wall seconds between WebSocket keep-alive frames."""
    rate_limit: int = 60
    """REST requests allowed per client IP per window."""
    rate_limit_window: float = 60.0
    """Length of one rate-limit window in seconds."""
    rate_limit_status: int = 420
    """HTTP status of a rate-limit answer (Bitso documents 420; 429 is common elsewhere)."""
    lockout_seconds: float = 60.0
    """How long a client that exceeded the limit is refused."""
    block_after: int = 0
    """Lockouts in a row after which a client is blocked for ``block_seconds``; 0 = never."""
    block_seconds: float = 86_400.0
    """Length of that block (Bitso: repeated lockouts may lead to a 24-hour block)."""
    faults: tuple[Fault, ...] = ()
    """Faults switched on at start."""
    replay: tuple[Path, ...] = ()
    """Observation files (CSV/Parquet) or folders that drive the books instead of the model."""
    replay_loop: bool = True
    """Start the recording again when it ends."""
    start_epoch: float | None = None
    """Market time of the start (epoch s); the wall clock when unset."""
    trust_forwarded_for: bool = False
    """Take the client IP from ``X-Forwarded-For`` (tests of per-IP limits)."""
    ws_path: str = "/ws"
    """Path of the announced WebSocket endpoint (the socket also answers at ``/``)."""

    def __post_init__(self) -> None:
        for name in ("speed", "update_rate", "ka_interval", "rate_limit_window"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive", **{name: getattr(self, name)})
        if self.rate_limit < 1 or self.lockout_seconds < 0:
            raise ConfigError("rate_limit must be >= 1 and lockout_seconds >= 0")
        if self.block_after < 0 or self.block_seconds < 0:
            raise ConfigError("block_after and block_seconds must be >= 0")
        if not self.books and not self.replay and not self.extra_books:
            raise ConfigError("no books to serve: give --books, --extra-books or --replay")
