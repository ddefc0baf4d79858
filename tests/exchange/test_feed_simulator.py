"""BitsoFeed end to end against the simulated exchange: requests are counted at the server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bitsodata.clock import SystemClock
from bitsodata.exchange.feed import BitsoFeed
from bitsodata.exchange.ws import Backoff
from bitsodata.settings import ExchangeSettings
from bitsodata.simulator import Fault
from tests.exchange.helpers import eventually, running
from tests.fakes.exchange import RunningExchange

BOOKS = ("btc_mxn", "usd_mxn")
MakeExchange = Callable[..., RunningExchange]


def feed_for(ex: RunningExchange, **settings: object) -> BitsoFeed:
    values: dict[str, object] = {
        "rest_url": ex.rest_url,
        "ws_url": ex.ws_url,
        "ws_silence_seconds": 0.3,
        "rest_timeout_seconds": 1.0,
    }
    values.update(settings)
    return BitsoFeed(
        ExchangeSettings.model_validate(values),
        BOOKS,
        SystemClock(),
        backoff=Backoff(base=0.05, cap=0.2),
        idle_seconds=0.01,
    )


def from_ws(feed: BitsoFeed) -> bool:
    tops = [feed.latest(book) for book in BOOKS]
    return all(t is not None and t.source == "ws" for t in tops)


def polled(ex: RunningExchange) -> int:
    return ex.request_count("/v3/order_book")


async def test_rest_fallback_stays_within_the_exchange_limit_and_stops_when_the_stream_is_back(
    make_exchange: MakeExchange,
) -> None:
    # The exchange allows 10 requests per 3 s window; the feed's budget is the same, 200/min.
    ex = make_exchange(
        rate_limit=10, rate_limit_window=3.0, lockout_seconds=30.0, faults=(Fault("silence"),)
    )
    feed = feed_for(ex, rest_requests_per_minute=200, lockout_seconds=30.0)
    async with running(feed):
        started = time.monotonic()
        await eventually(lambda: polled(ex) >= 12)  # more than one exchange window
        elapsed = time.monotonic() - started
        assert feed.link_state().fallback_active and not from_ws(feed)
        ex.control.clear("silence")
        await eventually(lambda: from_ws(feed) and not feed.link_state().fallback_active)
        after_recovery = polled(ex)
        await asyncio.sleep(0.7)  # more than two budget intervals
        assert polled(ex) == after_recovery
    assert elapsed >= 11 * 60 / 200  # twelve requests need at least eleven intervals
    assert ex.call(lambda: ex.server.rest.limiter.lockouts) == 0  # never over the limit
    assert feed.stats.rest_lockouts == 0
    assert feed.stats.rest_requests.get("order_book:ok") == after_recovery


async def test_a_lockout_stops_all_calls_until_it_ends(
    make_exchange: MakeExchange,
) -> None:
    ex = make_exchange(rate_limit=1000, lockout_seconds=0.3, faults=(Fault("silence"),))
    feed = feed_for(ex, rest_requests_per_minute=600, lockout_seconds=0.8)
    async with running(feed):
        await eventually(lambda: polled(ex) >= 3)
        ex.control.set("rate_limit")
        await eventually(lambda: feed.stats.rest_lockouts == 1)
        during, until = polled(ex), feed.link_state().locked_out_until
        assert until is not None and until > time.time()
        ex.control.clear("rate_limit")  # the exchange forgives after 0.3 s; we wait our 0.8 s
        await eventually(lambda: polled(ex) > during)
        # The next request left only once the lockout was over (one sent at 0.3 s would fail).
        assert time.time() >= until
    assert feed.stats.rest_requests["order_book:rate_limited"] == 1
    assert feed.stats.rest_lockouts == 1


async def test_reconnect_after_disconnects_restores_the_stream_as_the_source(
    make_exchange: MakeExchange,
) -> None:
    ex = make_exchange(ka_interval=0.1)
    feed = feed_for(ex, rest_requests_per_minute=600)
    async with running(feed):
        await eventually(lambda: from_ws(feed))
        ex.control.set("ws_disconnect")  # every socket is closed as soon as it opens
        await eventually(
            lambda: feed.stats.ws_reconnects >= 2 and feed.link_state().fallback_active
        )
        await eventually(lambda: not from_ws(feed))  # the REST fallback filled in
        ex.control.clear("ws_disconnect")
        await eventually(lambda: from_ws(feed) and feed.link_state().ws_connected)
        assert not feed.link_state().fallback_active


async def test_crossed_and_empty_books_from_the_simulator_are_flagged(
    make_exchange: MakeExchange,
) -> None:
    ex = make_exchange(faults=(Fault("crossed", "btc_mxn"), Fault("empty_asks", "usd_mxn")))
    feed = feed_for(ex, ws_silence_seconds=3.0)

    def flagged() -> bool:
        btc, usd = feed.latest("btc_mxn"), feed.latest("usd_mxn")
        return btc is not None and btc.is_crossed and usd is not None and usd.is_empty

    async with running(feed):
        await eventually(flagged)
    btc = feed.latest("btc_mxn")
    assert btc is not None and btc.spread is None and btc.source == "ws"
