"""Tiny scripted Bitso look-alikes on loopback: a REST server and a WebSocket server.

Each answers from a script (a queue of replies / one coroutine per connection) so a test can inject
exactly the fault it is about, and records what it received (requests, subscriptions).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


def order_book_body(book: str, bid: str | None, ask: str | None, seq: int = 1) -> str:
    """A success envelope for ``order_book`` (a side is empty when its price is None)."""
    bids = [] if bid is None else [{"book": book, "price": bid, "amount": "1.5"}]
    asks = [] if ask is None else [{"book": book, "price": ask, "amount": "0.25"}]
    payload = {"updated_at": "2024-05-28T23:08:33+00:00", "sequence": str(seq), "bids": bids}
    payload["asks"] = asks
    return json.dumps({"success": True, "payload": payload})


def error_body(code: str, message: str) -> str:
    return json.dumps({"success": False, "error": {"code": code, "message": message}})


RATE_LIMITED = error_body("0801", "You have hit the request rate-limit")
HTML_PAGE = "<html><body><h1>503 Service Unavailable</h1></body></html>"


def orders_frame(book: str, bid: str | None, ask: str | None, sent: int = 1716937714450) -> str:
    """A WS ``orders`` message (one entry per side, or an empty side)."""

    def entry(price: str, side: int) -> dict[str, Any]:
        return {"o": "x", "r": price, "a": "1", "v": "1", "t": side, "d": sent, "s": "undefined"}

    payload = {
        "bids": [] if bid is None else [entry(bid, 0)],
        "asks": [] if ask is None else [entry(ask, 1)],
    }
    return json.dumps({"type": "orders", "book": book, "sent": sent, "payload": payload})


ACK = json.dumps({"action": "subscribe", "response": "ok", "time": 1716937713045, "type": "orders"})
KA = json.dumps({"type": "ka"})


@dataclass
class Reply:
    """One scripted REST answer."""

    body: str = ""
    status: int = 200
    delay: float = 0.0
    content_type: str = "application/json"


@dataclass
class Received:
    at: float  # time.monotonic() at the server
    path: str
    query: dict[str, str]


@dataclass
class ScriptedRest:
    """Answers from ``script`` first, then ``default(path, query)``; records every request."""

    script: deque[Reply] = field(default_factory=deque)
    requests: list[Received] = field(default_factory=list)
    default: Callable[[str, dict[str, str]], Reply] | None = None
    server: TestServer | None = None
    url: str = ""

    async def _handle(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.requests.append(Received(time.monotonic(), request.path, query))
        if self.script:
            reply = self.script.popleft()
        elif self.default is not None:
            reply = self.default(request.path, query)
        else:
            book = query.get("book", "btc_mxn")
            reply = Reply(order_book_body(book, "100", "101", seq=len(self.requests)))
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.Response(text=reply.body, status=reply.status, content_type=reply.content_type)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()
        self.url = str(self.server.make_url("/v3"))
        return self.url

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()


Script = Callable[[web.WebSocketResponse, web.Request], Awaitable[None]]


async def read_subscriptions(ws: web.WebSocketResponse, n: int) -> list[dict[str, Any]]:
    """The first ``n`` client messages (the subscriptions), acknowledged like Bitso does."""
    subs = []
    for _ in range(n):
        msg = await ws.receive_json(timeout=5)
        subs.append(msg)
        await ws.send_str(ACK)
    return subs


def drop_without_close_frame(request: web.Request) -> None:
    """Cut the TCP connection under the socket, as a crashed proxy would."""
    assert request.transport is not None
    request.transport.abort()


@dataclass
class ScriptedWs:
    """One script per connection (the last one repeats); records each connection's subscriptions."""

    scripts: list[Script]
    books: int = 2
    subscriptions: list[list[dict[str, Any]]] = field(default_factory=list)
    connections: int = 0
    server: TestServer | None = None
    handlers: set[asyncio.Task[Any]] = field(default_factory=set)
    url: str = ""

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        index = min(self.connections, len(self.scripts) - 1)
        self.connections += 1
        self.subscriptions.append(await read_subscriptions(ws, self.books))
        task = asyncio.current_task()
        if task is not None:
            self.handlers.add(task)
        try:
            await self.scripts[index](ws, request)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if task is not None:
                self.handlers.discard(task)
        return ws

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/", self._handle)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()
        self.url = str(self.server.make_url("/")).replace("http://", "ws://")
        return self.url

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()


async def hold_open(
    ws: web.WebSocketResponse,
    request: web.Request | None = None,
    *,
    seconds: float = 30.0,
    ka: float = 0.05,
) -> None:
    """Keep the link alive with keep-alives only."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not ws.closed:
        await ws.send_str(KA)
        await asyncio.sleep(ka)


def free_port() -> int:
    """A loopback port nobody listens on (connections are refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
