"""The WebSocket half: subscriptions per (channel, book), acks, keep-alives, interleaved channels.

Each connection has an outbound queue fed synchronously by the exchange's listeners and a sender
task that also emits ``{"type":"ka"}`` every ``ka_interval`` seconds and applies the WS faults.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bitsodata.logs import event
from bitsodata.simulator import views
from bitsodata.simulator.engine import Exchange
from bitsodata.simulator.faults import FaultSet
from bitsodata.simulator.wire import Message

CHANNELS = ("orders", "diff-orders", "trades")
KA = '{"type": "ka"}'
log = logging.getLogger(__name__)


@dataclass(eq=False)
class Connection:
    ws: web.WebSocketResponse
    request: web.Request
    opened: float = field(default_factory=time.monotonic)
    subs: set[tuple[str, str]] = field(default_factory=set)
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


class WsHub:
    """All WebSocket clients; ``publish`` routes an exchange message to its subscribers."""

    def __init__(self, exchange: Exchange, faults: FaultSet, *, ka_interval: float) -> None:
        self.exchange = exchange
        self.faults = faults
        self.ka_interval = ka_interval
        self.connections: set[Connection] = set()
        self.connects = 0
        self._last_top: dict[str, str] = {}
        """Per book, the ``orders`` payload last sent (a change below the top 20 sends none)."""
        exchange.listeners.append(self.publish)

    def publish(self, message: Message) -> None:
        key = (message["type"], message["book"])
        targets = [c for c in self.connections if key in c.subs]
        if not targets:
            return
        if message["type"] == "orders" and "payload" not in message:
            message = views.orders_message(self.exchange, self.exchange.books[message["book"]])
            top = json.dumps(message["payload"])
            if self._last_top.get(message["book"]) == top:
                return
            self._last_top[message["book"]] = top
        text = json.dumps(message)
        for conn in targets:
            conn.queue.put_nowait(text)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, timeout=2.0)  # close handshake wait
        await ws.prepare(request)
        conn = Connection(ws, request)
        self.connections.add(conn)
        self.connects += 1
        sender = asyncio.create_task(self._send_loop(conn))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_text(conn, msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.connections.discard(conn)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await sender
        return ws

    def _on_text(self, conn: Connection, text: str) -> None:
        try:
            msg: Any = json.loads(text)
        except ValueError:
            return
        if not isinstance(msg, dict) or msg.get("action") != "subscribe":
            return
        channel, book = msg.get("type"), msg.get("book")
        ok = channel in CHANNELS and book in self.exchange.books
        ack = {
            "action": "subscribe",
            "response": "ok" if ok else "error",
            "time": self.exchange.now_ms(),
            "type": channel,
        }
        conn.queue.put_nowait(json.dumps(ack))
        if ok:
            assert isinstance(channel, str) and isinstance(book, str)
            conn.subs.add((channel, book))
            if channel == "orders":  # the current top 20, so a quiet book is not an empty one
                state = self.exchange.books[book]
                conn.queue.put_nowait(json.dumps(views.orders_message(self.exchange, state)))

    async def _send_loop(self, conn: Connection) -> None:
        next_ka = time.monotonic() + self.ka_interval
        while not conn.ws.closed:
            if await self._disconnect_fault(conn):
                return
            timeout = max(0.0, min(next_ka - time.monotonic(), 0.1))
            try:
                text: str | None = await asyncio.wait_for(conn.queue.get(), timeout)
            except TimeoutError:
                text = None
            frames = [] if text is None else [text]
            if time.monotonic() >= next_ka:
                next_ka = time.monotonic() + self.ka_interval
                frames.append(KA)
            if self.faults.on("silence"):
                continue  # swallowed: the link looks alive at TCP level but says nothing
            try:
                for frame in frames:
                    await conn.ws.send_str(frame)
            except ConnectionError:
                return

    async def _disconnect_fault(self, conn: Connection) -> bool:
        age = time.monotonic() - conn.opened
        if (f := self.faults.get("ws_disconnect")) is not None and age >= (f.value or 0.0):
            event(log, "ws_fault_close", with_frame=True)
            await conn.ws.close(code=1001, message=b"server going away")
            return True
        if (f := self.faults.get("ws_drop")) is not None and age >= (f.value or 0.0):
            event(log, "ws_fault_close", with_frame=False)
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
            return True
        return False

    async def close_all(self) -> None:
        for conn in list(self.connections):
            await conn.ws.close(code=1001, message=b"server shutdown")
