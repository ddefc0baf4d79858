"""A tiny WebSocket test client (plain aiohttp): subscribe, then collect messages."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp

Msg = dict[str, Any]


async def subscribe(ws: aiohttp.ClientWebSocketResponse, pairs: list[tuple[str, str]]) -> None:
    for book, channel in pairs:
        await ws.send_str(json.dumps({"action": "subscribe", "book": book, "type": channel}))


async def collect(
    ws: aiohttp.ClientWebSocketResponse,
    *,
    seconds: float,
    until: Callable[[list[Msg]], bool] | None = None,
    idle: float | None = None,
) -> list[Msg]:
    """Messages received within ``seconds``; stops early once ``until(messages)`` holds or, with
    ``idle``, once nothing arrived for ``idle`` seconds (everything queued has been read)."""
    out: list[Msg] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = await ws.receive(timeout=min(left, idle) if idle else left)
        except TimeoutError:
            break
        if msg.type != aiohttp.WSMsgType.TEXT:
            out.append({"_closed": msg.type.name, "_code": ws.close_code})
            break
        out.append(json.loads(msg.data))
        if until is not None and until(out):
            break
    return out


def of(messages: list[Msg], kind: str, book: str | None = None) -> list[Msg]:
    """Data messages of one channel (acks carry the channel name too, but no payload)."""
    return [
        m
        for m in messages
        if m.get("type") == kind and "payload" in m and (book is None or m["book"] == book)
    ]
