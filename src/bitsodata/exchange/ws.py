"""Bitso WebSocket client: subscribe ``orders`` per book, yield parsed messages, survive faults.

Silence (no frame of any kind for ``silence_seconds``) is a dead link; every drop is followed by a
reconnect with exponential backoff and jitter, and a fresh subscription for every book.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass

import aiohttp

from bitsodata.clock import Clock
from bitsodata.errors import PayloadError
from bitsodata.exchange.parse import Control, WsMessage, parse_ws_message
from bitsodata.exchange.stats import FeedStats
from bitsodata.logs import event

log = logging.getLogger(__name__)

_DROPPED = frozenset(
    {
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSMsgType.CLOSING,
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.ERROR,
    }
)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with "equal jitter": half the step fixed, half random, capped."""

    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before reconnect number ``attempt`` (0 = first retry)."""
        step = min(self.cap, self.base * self.factor ** max(0, attempt))
        return step / 2 + rng.uniform(0, step / 2)


class BitsoWebSocket:
    """One socket, ``orders`` for every book; ``stream()`` reconnects forever until stopped."""

    def __init__(
        self,
        url: str,
        books: Sequence[str],
        *,
        clock: Clock,
        silence_seconds: float = 10.0,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        stats: FeedStats | None = None,
        channel: str = "orders",
        connect_timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.books = tuple(books)
        self.clock = clock
        self.silence_seconds = silence_seconds
        self.backoff = backoff or Backoff()
        self.rng = rng or random.Random()
        self.stats = stats if stats is not None else FeedStats()
        self.channel = channel
        self.connect_timeout = connect_timeout
        self.connected = False
        self.connected_at: float | None = None
        self.last_frame_at: float | None = None
        """Epoch seconds (local receipt) of the last frame of any kind."""

    def alive(self) -> bool:
        """Connected and not silent for longer than ``silence_seconds``."""
        if not self.connected:
            return False
        last = self.last_frame_at
        if last is None or (self.connected_at is not None and last < self.connected_at):
            last = self.connected_at
        return last is not None and self.clock.now() - last <= self.silence_seconds

    async def stream(self, stop: asyncio.Event) -> AsyncGenerator[tuple[WsMessage, float], None]:
        """Parsed messages with their receipt time; cancel the consumer (or set ``stop``) to end."""
        async with aiohttp.ClientSession() as session:
            attempt = 0
            first = True
            while not stop.is_set():
                if not first:
                    self.stats.ws_reconnects += 1
                first = False
                got_frames = False
                try:
                    async for item in self._one_connection(session, stop):
                        got_frames = True
                        yield item
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    event(log, "ws_connect_failed", logging.WARNING, url=self.url, error=repr(exc))
                finally:
                    self.connected = False
                attempt = 0 if got_frames else attempt + 1
                if stop.is_set():
                    break
                delay = self.backoff.delay(attempt, self.rng)
                event(log, "ws_reconnect_wait", logging.INFO, seconds=round(delay, 3))
                await self.clock.sleep_until(self.clock.now() + delay)

    async def _one_connection(
        self, session: aiohttp.ClientSession, stop: asyncio.Event
    ) -> AsyncIterator[tuple[WsMessage, float]]:
        async with asyncio.timeout(self.connect_timeout):
            ws = await session.ws_connect(
                self.url, autoping=True, timeout=aiohttp.ClientWSTimeout(ws_close=1.0)
            )
        try:
            for book in self.books:
                await ws.send_json({"action": "subscribe", "book": book, "type": self.channel})
            self.connected = True
            self.connected_at = self.clock.now()
            event(log, "ws_connected", logging.INFO, url=self.url, books=len(self.books))
            while not stop.is_set():
                try:
                    msg = await ws.receive(timeout=self.silence_seconds)
                except TimeoutError:
                    event(log, "ws_silent", logging.WARNING, seconds=self.silence_seconds)
                    return
                if msg.type in _DROPPED:
                    event(log, "ws_dropped", logging.WARNING, type=msg.type.name)
                    return
                if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    continue
                received = self.clock.now()
                self.last_frame_at = received
                parsed = self._parse(msg.data)
                if parsed is not None:
                    yield parsed, received
        finally:
            self.connected = False
            await ws.close()

    def _parse(self, data: str | bytes) -> WsMessage | None:
        try:
            parsed = parse_ws_message(data)
        except PayloadError as exc:
            self.stats.parse_errors += 1
            event(log, "ws_bad_frame", logging.DEBUG, error=str(exc))
            return None
        self.stats.ws_messages += 1
        if isinstance(parsed, Control) and parsed.response not in (None, "ok"):
            event(log, "ws_subscribe_refused", logging.WARNING, response=parsed.response)
        return parsed
