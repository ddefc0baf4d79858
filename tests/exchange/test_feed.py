"""BitsoFeed against scripted servers: stream first, budgeted REST fallback, lockout, recovery."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from aiohttp import web

from bitsodata.clock import SystemClock
from bitsodata.domain.book import TopOfBook
from bitsodata.exchange.feed import BitsoFeed, FakeFeed, LinkState
from bitsodata.exchange.ws import Backoff
from bitsodata.settings import ExchangeSettings
from tests.exchange.conftest import WsFactory
from tests.exchange.helpers import eventually, running
from tests.exchange.servers import (
    HTML_PAGE,
    RATE_LIMITED,
    Reply,
    ScriptedRest,
    free_port,
    hold_open,
    orders_frame,
)

BOOKS = ("btc_mxn", "usd_mxn")


def feed_for(rest_url: str, ws_url: str, **kw: object) -> BitsoFeed:
    options: dict[str, object] = {
        "rest_url": rest_url,
        "ws_url": ws_url,
        "rest_requests_per_minute": 600,  # one request per 0.1 s keeps the tests short
        "ws_silence_seconds": 0.3,
        "rest_timeout_seconds": 0.5,
        "lockout_seconds": 0.6,
    }
    hook = kw.pop("on_update", None)
    grace = kw.pop("grace_seconds", None)
    options.update(kw)
    return BitsoFeed(
        ExchangeSettings.model_validate(options),
        BOOKS,
        SystemClock(),
        backoff=Backoff(base=0.02, cap=0.1),
        on_update=hook,  # type: ignore[arg-type]
        idle_seconds=0.01,
        grace_seconds=grace,  # type: ignore[arg-type]
    )


def refused_ws() -> str:
    return f"ws://127.0.0.1:{free_port()}/"


def source(feed: BitsoFeed, book: str) -> str | None:
    top = feed.latest(book)
    return top.source if top else None


async def quotes_then_keepalive(ws: web.WebSocketResponse, request: web.Request) -> None:
    await ws.send_str(orders_frame("btc_mxn", "1148290", "1150090"))
    await ws.send_str(orders_frame("usd_mxn", "16.782", "16.791"))
    await hold_open(ws)


async def test_the_stream_is_the_only_source_while_it_is_alive(
    rest_server: ScriptedRest, ws_server: WsFactory
) -> None:
    server = await ws_server(quotes_then_keepalive)
    feed = feed_for(rest_server.url, server.url, grace_seconds=2.0)  # a slow CI start is no outage
    async with running(feed):
        await eventually(lambda: source(feed, "btc_mxn") == source(feed, "usd_mxn") == "ws")
        await asyncio.sleep(0.6)  # twice the silence threshold: keep-alives hold it up
        state = feed.link_state()
    top = feed.latest("btc_mxn")
    assert top is not None and top.spread == (Decimal(1150090) - 1148290) * 100 / 1150090
    assert state.ws_connected and not state.fallback_active and state.locked_out_until is None
    assert state.last_frame_at is not None and time.time() - state.last_frame_at < 0.3
    assert rest_server.requests == []
    assert feed.stats.ws_messages >= 4 and feed.stats.ws_reconnects == 0


async def test_without_a_stream_rest_is_polled_round_robin_within_the_budget(
    rest_server: ScriptedRest,
) -> None:
    feed = feed_for(rest_server.url, refused_ws())
    async with running(feed):
        await eventually(lambda: len(rest_server.requests) >= 12)
        state = feed.link_state()
    times = [r.at for r in rest_server.requests]
    # 600/min = one send per 0.1 s (plus the safety margin). Requests are sequential, so the
    # server sees request i before request i+1 is sent: i and i+10 arrive >= 9 intervals apart
    # however late request i is handled; a bucket that bursts would put them ~0 s apart.
    interval = 61 / 600
    gaps = [later - earlier for earlier, later in zip(times, times[10:], strict=False)]
    assert min(gaps) >= 9 * interval
    books = [r.query["book"] for r in rest_server.requests]
    assert books[:6] == ["btc_mxn", "usd_mxn"] * 3
    assert source(feed, "btc_mxn") == source(feed, "usd_mxn") == "rest"
    assert state.fallback_active and not state.ws_connected
    assert feed.stats.rest_requests["order_book:ok"] == len(times)


async def test_a_silent_stream_falls_back_to_rest_until_it_is_back(
    rest_server: ScriptedRest, ws_server: WsFactory
) -> None:
    healthy = asyncio.Event()

    async def quote_then_silence(ws: web.WebSocketResponse, request: web.Request) -> None:
        await ws.send_str(orders_frame("btc_mxn", "100", "101"))
        await asyncio.sleep(30)

    async def down_until_healthy(ws: web.WebSocketResponse, request: web.Request) -> None:
        if healthy.is_set():
            await quotes_then_keepalive(ws, request)
        else:
            await ws.close()

    server = await ws_server(quote_then_silence, down_until_healthy)
    feed = feed_for(rest_server.url, server.url)
    async with running(feed):
        await eventually(lambda: source(feed, "btc_mxn") == "ws")
        assert rest_server.requests == []
        await eventually(lambda: source(feed, "usd_mxn") == "rest")  # silence => fallback
        assert feed.link_state().fallback_active
        healthy.set()
        await eventually(lambda: source(feed, "btc_mxn") == source(feed, "usd_mxn") == "ws")
        await eventually(lambda: not feed.link_state().fallback_active)
        polled = len(rest_server.requests)
        await asyncio.sleep(0.5)  # five budget slots: the stream is back, none is used
        assert len(rest_server.requests) == polled
        assert feed.link_state().ws_connected
    assert feed.stats.ws_reconnects >= 1


async def test_a_rate_limit_answer_stops_all_rest_calls_for_the_lockout(
    rest_server: ScriptedRest,
) -> None:
    rest_server.script.append(Reply(RATE_LIMITED, status=420))
    feed = feed_for(rest_server.url, refused_ws(), lockout_seconds=0.6)
    async with running(feed):
        await eventually(lambda: len(rest_server.requests) == 1)
        # the server has answered; the lockout starts once the feed has read that answer
        await eventually(lambda: feed.link_state().locked_out_until is not None)
        locked = feed.link_state().locked_out_until
        await eventually(lambda: len(rest_server.requests) >= 3)
    first, second = rest_server.requests[0].at, rest_server.requests[1].at
    assert second - first >= 0.55  # silence for the whole lockout, then polling resumes
    assert locked is not None and locked > time.time() - 1
    assert feed.stats.rest_lockouts == 1
    assert feed.stats.rest_requests["order_book:rate_limited"] == 1


async def test_rest_faults_are_survived(rest_server: ScriptedRest) -> None:
    rest_server.script.extend(
        [
            Reply(HTML_PAGE, status=503, content_type="text/html"),
            Reply("{}", delay=1.0),  # longer than the 0.5 s timeout
            Reply("not json at all", content_type="text/plain"),
        ]
    )
    feed = feed_for(rest_server.url, refused_ws())
    async with running(feed):
        await eventually(lambda: source(feed, "btc_mxn") == source(feed, "usd_mxn") == "rest")
    assert feed.stats.rest_requests["order_book:unavailable"] == 2
    assert feed.stats.rest_requests["order_book:error"] == 1


async def test_crossed_and_empty_books_are_kept_as_they_are(
    rest_server: ScriptedRest, ws_server: WsFactory
) -> None:
    async def odd_books(ws: web.WebSocketResponse, request: web.Request) -> None:
        await ws.send_str(orders_frame("btc_mxn", "1150100", "1150090"))  # ask below bid
        await ws.send_str(orders_frame("usd_mxn", "16.782", None))  # no asks at all
        await hold_open(ws)

    seen: list[TopOfBook] = []
    server = await ws_server(odd_books)
    feed = feed_for(rest_server.url, server.url, on_update=seen.append)
    async with running(feed):
        await eventually(lambda: len(seen) >= 2)
    crossed, empty = feed.latest("btc_mxn"), feed.latest("usd_mxn")
    assert crossed is not None and crossed.is_crossed and crossed.spread is None
    assert crossed.bid == Decimal("1150100") and crossed.ask == Decimal("1150090")
    assert empty is not None and empty.is_empty and empty.spread is None
    assert [t.book for t in seen[:2]] == ["btc_mxn", "usd_mxn"]


async def test_a_failing_update_hook_does_not_stop_the_feed(
    rest_server: ScriptedRest, ws_server: WsFactory
) -> None:
    calls: list[str] = []

    def broken(top: TopOfBook) -> None:
        calls.append(top.book)
        raise RuntimeError("consumer bug")

    server = await ws_server(quotes_then_keepalive)
    feed = feed_for(rest_server.url, server.url, on_update=broken)
    async with running(feed):
        await eventually(lambda: len(calls) == 2)
        assert feed.latest("usd_mxn") is not None


async def test_fake_feed_serves_what_the_test_sets() -> None:
    updates: list[TopOfBook] = []
    fake = FakeFeed(on_update=updates.append)
    top = TopOfBook("btc_mxn", Decimal("1"), Decimal("2"), None, received_at=10.0, source="rest")
    assert fake.latest("btc_mxn") is None
    fake.set_top(top)
    down = LinkState(
        ws_connected=False, last_frame_at=5.0, fallback_active=True, locked_out_until=70.0
    )
    fake.set_link(down)
    assert fake.latest("btc_mxn") == top and updates == [top]
    assert fake.link_state() == down
    fake.clear("btc_mxn")
    assert fake.latest("btc_mxn") is None
    stop = asyncio.Event()
    stop.set()
    await fake.run(stop)


async def only_btc(ws: web.WebSocketResponse, request: web.Request) -> None:
    """A stream that never mentions usd_mxn (a quiet book: ``orders`` only speaks on change)."""
    await ws.send_str(orders_frame("btc_mxn", "100", "101"))
    await hold_open(ws)


async def test_a_book_the_stream_never_sent_gets_one_rest_snapshot_per_connection(
    rest_server: ScriptedRest, ws_server: WsFactory
) -> None:
    server = await ws_server(only_btc)
    feed = feed_for(rest_server.url, server.url, grace_seconds=0.2)
    async with running(feed):
        await eventually(lambda: source(feed, "usd_mxn") == "rest")
        await asyncio.sleep(0.5)  # five budget slots, the link stays up: no second request
        assert source(feed, "btc_mxn") == "ws" and not feed.link_state().fallback_active
    assert [r.query["book"] for r in rest_server.requests] == ["usd_mxn"]


async def test_a_failed_bootstrap_snapshot_is_retried_while_the_stream_is_up(
    rest_server: ScriptedRest, ws_server: WsFactory
) -> None:
    rest_server.script.append(Reply(HTML_PAGE, status=503, content_type="text/html"))
    server = await ws_server(only_btc)
    feed = feed_for(rest_server.url, server.url, grace_seconds=0.2)
    async with running(feed):
        await eventually(lambda: source(feed, "usd_mxn") == "rest")
        assert not feed.link_state().fallback_active
    assert [r.query["book"] for r in rest_server.requests] == ["usd_mxn", "usd_mxn"]
    assert feed.stats.rest_requests == {"order_book:unavailable": 1, "order_book:ok": 1}


async def test_a_stream_that_acks_and_says_nothing_does_not_hold_back_the_fallback(
    rest_server: ScriptedRest, ws_server: WsFactory
) -> None:
    async def ack_then_silence(ws: web.WebSocketResponse, request: web.Request) -> None:
        await asyncio.sleep(30)

    server = await ws_server(ack_then_silence)
    feed = feed_for(rest_server.url, server.url, grace_seconds=0.1, ws_silence_seconds=1.0)
    async with running(feed):
        await eventually(lambda: len(rest_server.requests) >= 10, timeout=6)
        state = feed.link_state()
    times = [r.at for r in rest_server.requests]
    # paced by the budget alone (one per ~0.1 s); a connection that only acked is not a stream
    assert times[9] - times[0] < 2.0
    assert state.fallback_active and server.connections >= 1
