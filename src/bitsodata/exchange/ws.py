"""Bitso WebSocket client: subscribe per book and channel, yield parsed messages, survive faults.

A link is alive while it carries traffic (data or keep-alives; subscription acks alone prove
nothing); silence for ``silence_seconds`` is a dead link. Every drop is followed by a reconnect
with exponential backoff and jitter (reset only by a connection that carried traffic) and a fresh
subscription for every book.
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
    """One socket, every channel for every book; ``stream()`` reconnects forever until stopped."""

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
        channels: Sequence[str] | None = None,
    ) -> None:
        self.url = url
        self.books = tuple(books)
        self.clock = clock
        self.silence_seconds = silence_seconds
        self.backoff = backoff or Backoff()
        self.rng = rng or random.Random()
        self.stats = stats if stats is not None else FeedStats()
        self.channels = tuple(channels) if channels is not None else (channel,)
        self.connect_timeout = connect_timeout
        self.connected = False
        self.connected_at: float | None = None
        self.last_frame_at: float | None = None
        """Epoch seconds (local receipt) of the last frame of any kind."""
        self._traffic_at: float | None = None  # last frame but acks, on the current attempt

    def alive(self) -> bool:
        """Connected, and traffic (data or keep-alive) within the last ``silence_seconds``.

        A fresh connection is not alive until it carries traffic: subscription acks alone do not
        prove a stream (a server can ack and then say nothing), so the fallback keeps running.
        """
        traffic = self._traffic_at
        return (
            self.connected
            and traffic is not None
            and self.clock.now() - traffic <= self.silence_seconds
        )

    async def stream(self, stop: asyncio.Event) -> AsyncGenerator[tuple[WsMessage, float], None]:
        """Parsed messages with their receipt time; cancel the consumer (or set ``stop``) to end."""
        async with aiohttp.ClientSession() as session:
            attempt = 0
            first = True
            while not stop.is_set():
                if not first:
                    self.stats.ws_reconnects += 1
                first = False
                self._traffic_at = None
                try:
                    async for item in self._one_connection(session, stop):
                        yield item
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    event(log, "ws_connect_failed", logging.WARNING, url=self.url, error=repr(exc))
                finally:
                    self.connected = False
                # Only a connection that carried traffic resets the backoff: a server that acks
                # and hangs up (or says nothing) must not be hammered at the base delay.
                attempt = 0 if self._traffic_at is not None else attempt + 1
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
                for channel in self.channels:
                    await ws.send_json({"action": "subscribe", "book": book, "type": channel})
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
                if not _is_ack(parsed):  # even an unparsable frame shows the link is carrying
                    self._traffic_at = received
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


def _is_ack(message: WsMessage | None) -> bool:
    """A subscription answer (``{"action": "subscribe", "response": …}``)."""
    return isinstance(message, Control) and message.response is not None
