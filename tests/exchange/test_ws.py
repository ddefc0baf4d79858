"""The WebSocket client against scripted servers: subscribe, parse, and survive every link fault."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from contextlib import aclosing

import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from bitsodata.clock import FakeClock, SystemClock
from bitsodata.exchange.parse import Control, OrdersMessage, WsMessage
from bitsodata.exchange.ws import Backoff, BitsoWebSocket
from tests.exchange.conftest import WsFactory
from tests.exchange.servers import (
    KA,
    drop_without_close_frame,
    free_port,
    hold_open,
    orders_frame,
)

BOOKS = ("btc_mxn", "usd_mxn")
FAST = Backoff(base=0.02, cap=0.1)
Item = tuple[WsMessage, float]


class RecordingClock(FakeClock):
    """A fake clock that remembers every sleep it was asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeps: list[float] = []

    async def sleep_until(self, epoch_seconds: float) -> None:
        self.sleeps.append(epoch_seconds - self.now())
        await super().sleep_until(epoch_seconds)


def client(url: str, **kw: object) -> BitsoWebSocket:
    options: dict[str, object] = {"clock": SystemClock(), "silence_seconds": 0.3, "backoff": FAST}
    options.update(kw)
    return BitsoWebSocket(url, BOOKS, rng=random.Random(1), **options)  # type: ignore[arg-type]


async def collect(ws: BitsoWebSocket, until: Callable[[list[Item]], bool]) -> list[Item]:
    got: list[Item] = []
    async with asyncio.timeout(5), aclosing(ws.stream(asyncio.Event())) as stream:
        async for item in stream:
            got.append(item)
            if until(got):
                break
    return got


def orders(items: list[Item]) -> list[OrdersMessage]:
    return [m for m, _ in items if isinstance(m, OrdersMessage)]


async def quotes_then_keepalive(ws: web.WebSocketResponse, request: web.Request) -> None:
    await ws.send_str(orders_frame("btc_mxn", "1148290", "1150090"))
    await ws.send_str(orders_frame("usd_mxn", "16.782", "16.791"))
    await hold_open(ws)


async def test_subscribes_orders_for_every_book_and_yields_parsed_tops(
    ws_server: WsFactory,
) -> None:
    server = await ws_server(quotes_then_keepalive)
    ws = client(server.url)
    got = await collect(ws, lambda items: len(orders(items)) == 2)
    assert server.subscriptions == [
        [{"action": "subscribe", "book": b, "type": "orders"} for b in BOOKS]
    ]
    tops = {m.book.book: m.book.top(received_at=0, source="ws") for m in orders(got)}
    assert str(tops["btc_mxn"].bid) == "1148290" and str(tops["usd_mxn"].ask) == "16.791"
    assert any(isinstance(m, Control) and m.response == "ok" for m, _ in got)  # the acks
    assert ws.last_frame_at == got[-1][1]


async def test_keepalives_keep_the_link_alive(ws_server: WsFactory) -> None:
    server = await ws_server(hold_open)
    ws = client(server.url, silence_seconds=0.2)
    alive: list[bool] = []

    def enough(items: list[Item]) -> bool:
        alive.append(ws.alive())
        return len(items) >= 12  # 2 acks + 10 ka, ~0.5 s

    got = await collect(ws, enough)
    assert [m for m, _ in got][-1] == Control("ka")
    # acks alone prove nothing (a server can ack and go quiet); the keep-alives keep it up
    assert alive == [False, False] + [True] * 10
    assert server.connections == 1 and ws.stats.ws_reconnects == 0


async def garbage_then_quote(ws: web.WebSocketResponse, request: web.Request) -> None:
    await ws.send_str("<html>oops</html>")
    await ws.send_str('{"type":"orders","book":"btc_mxn","payload":{"bids":[{"r":"abc","a":"1"}]}}')
    await ws.send_str('["not", "an", "object"]')
    await ws.send_bytes(b"\xff\xfe")
    await ws.send_str(orders_frame("btc_mxn", "100", "101"))
    await hold_open(ws)


async def test_malformed_frames_are_counted_and_skipped(ws_server: WsFactory) -> None:
    server = await ws_server(garbage_then_quote)
    ws = client(server.url)
    got = await collect(ws, lambda items: len(orders(items)) == 1)
    assert str(orders(got)[0].book.top(received_at=0, source="ws").bid) == "100"
    assert ws.stats.parse_errors == 4
    assert server.connections == 1  # garbage never cost the connection


async def quote_then_silence(ws: web.WebSocketResponse, request: web.Request) -> None:
    await ws.send_str(orders_frame("btc_mxn", "100", "101"))
    await asyncio.sleep(30)


async def quote_then_close(ws: web.WebSocketResponse, request: web.Request) -> None:
    await ws.send_str(orders_frame("btc_mxn", "100", "101"))
    await ws.close()


async def quote_then_cut(ws: web.WebSocketResponse, request: web.Request) -> None:
    await ws.send_str(orders_frame("btc_mxn", "100", "101"))
    await asyncio.sleep(0.05)
    drop_without_close_frame(request)


async def test_silence_is_a_dead_link_and_ends_in_a_resubscribed_reconnect(
    ws_server: WsFactory,
) -> None:
    server = await ws_server(quote_then_silence, quotes_then_keepalive)
    ws = client(server.url, silence_seconds=0.3)
    started = time.monotonic()
    got = await collect(ws, lambda items: len(orders(items)) == 3)
    assert time.monotonic() - started >= 0.3  # it waited for the silence, no more than needed
    assert server.connections == 2 and ws.stats.ws_reconnects == 1
    assert server.subscriptions[0] == server.subscriptions[1]
    assert [m.book.book for m in orders(got)] == ["btc_mxn", "btc_mxn", "usd_mxn"]


async def test_drops_with_and_without_close_frame_are_survived(ws_server: WsFactory) -> None:
    server = await ws_server(quote_then_close, quote_then_cut, quote_then_close, hold_open)
    ws = client(server.url, silence_seconds=5.0)  # detection must not rely on silence here
    started = time.monotonic()
    got = await collect(ws, lambda items: server.connections == 4 and len(items) >= 12)
    assert time.monotonic() - started < 3
    assert len(orders(got)) == 3 and ws.stats.ws_reconnects == 3
    assert len(server.subscriptions) == 4 and all(len(s) == 2 for s in server.subscriptions)


async def test_refused_connections_back_off_exponentially_with_jitter() -> None:
    clock = RecordingClock()
    backoff = Backoff(base=1.0, factor=2.0, cap=30.0)
    ws = BitsoWebSocket(
        f"ws://127.0.0.1:{free_port()}/",
        BOOKS,
        clock=clock,
        backoff=backoff,
        rng=random.Random(42),
    )
    stop = asyncio.Event()

    async def consume() -> None:
        async for _ in ws.stream(stop):
            raise AssertionError("nothing can arrive from a refused port")

    task = asyncio.create_task(consume())
    async with asyncio.timeout(5):
        while len(clock.sleeps) < 8:
            await asyncio.sleep(0.01)
    stop.set()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    expected_rng = random.Random(42)
    expected = [backoff.delay(attempt, expected_rng) for attempt in range(1, 9)]
    assert clock.sleeps[:8] == pytest.approx(expected)
    assert 8 <= clock.sleeps[3] <= 16  # the fourth retry waits half to all of 2**4 s
    assert all(15 <= s <= 30 for s in clock.sleeps[5:8])  # capped at 30 s
    assert not ws.connected and ws.stats.ws_reconnects >= 7


async def test_backoff_resets_after_a_connection_that_delivered(ws_server: WsFactory) -> None:
    server = await ws_server(quote_then_close)
    clock = RecordingClock()
    ws = client(server.url, clock=clock, backoff=Backoff(base=1.0, cap=30.0))
    await collect(ws, lambda items: len(orders(items)) == 5)
    assert len(clock.sleeps) >= 4
    assert all(0.5 <= s <= 1.0 for s in clock.sleeps)  # always the first step, never growing


async def hang_up(ws: web.WebSocketResponse, request: web.Request) -> None:
    await ws.close()  # acks the subscriptions, then leaves: no data ever


async def test_a_server_that_acks_and_hangs_up_is_backed_off(ws_server: WsFactory) -> None:
    server = await ws_server(hang_up)
    clock = RecordingClock()
    backoff = Backoff(base=1.0, factor=2.0, cap=30.0)
    ws = client(server.url, clock=clock, backoff=backoff, silence_seconds=5.0)
    got = await collect(ws, lambda items: len(clock.sleeps) >= 4)
    assert all(isinstance(m, Control) for m, _ in got)  # only the acks arrived
    expected_rng = random.Random(1)
    expected = [backoff.delay(attempt, expected_rng) for attempt in range(1, 5)]
    assert clock.sleeps[:4] == pytest.approx(expected)  # growing, not reset by the acks


@given(attempt=st.integers(min_value=0, max_value=200), seed=st.integers(0, 2**32))
def test_backoff_delay_bounds(attempt: int, seed: int) -> None:
    b = Backoff(base=0.5, factor=2.0, cap=30.0)
    step = min(30.0, 0.5 * 2.0**attempt)
    assert step / 2 <= b.delay(attempt, random.Random(seed)) <= step


def test_keepalive_constant_is_control_traffic() -> None:
    from bitsodata.exchange.parse import parse_ws_message

    assert parse_ws_message(KA) == Control("ka")


async def ack_then_silence(ws: web.WebSocketResponse, request: web.Request) -> None:
    await asyncio.sleep(30)  # the subscriptions were acked; then nothing at all


async def test_a_connection_that_only_acked_is_not_alive(ws_server: WsFactory) -> None:
    server = await ws_server(ack_then_silence)
    ws = client(server.url, silence_seconds=5.0)
    seen: list[tuple[bool, bool]] = []

    def both_acks(items: list[Item]) -> bool:
        seen.append((ws.connected, ws.alive()))
        return len(items) == 2

    got = await collect(ws, both_acks)
    assert all(isinstance(m, Control) and m.response == "ok" for m, _ in got)
    # connected, but not alive: the REST fallback must not wait 5 s for nothing
    assert seen == [(True, False), (True, False)]
