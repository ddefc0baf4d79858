"""Full books against the simulated exchange: lost, repeated and reordered diff-orders messages
are caught, resynced within the REST budget, and the rebuilt book equals a REST snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from bitsodata.clock import SystemClock
from bitsodata.domain.fullbook import FullBook
from bitsodata.exchange.feed import BitsoFeed
from bitsodata.exchange.ratelimit import TokenBucket
from bitsodata.exchange.rest import BitsoRest
from bitsodata.exchange.ws import Backoff
from bitsodata.settings import DepthSettings, ExchangeSettings
from bitsodata.simulator import Fault
from tests.exchange.helpers import eventually, running
from tests.fakes.exchange import RunningExchange

BOOKS = ("btc_mxn", "usd_mxn")
MakeExchange = Callable[..., RunningExchange]


def depth_feed(ex: RunningExchange, **settings: object) -> BitsoFeed:
    values: dict[str, object] = {
        "rest_url": ex.rest_url,
        "ws_url": ex.ws_url,
        "ws_silence_seconds": 2.0,
        "rest_timeout_seconds": 1.0,
        "rest_requests_per_minute": 600,
    }
    values.update(settings)
    return BitsoFeed(
        ExchangeSettings.model_validate(values),
        BOOKS,
        SystemClock(),
        backoff=Backoff(base=0.05, cap=0.2),
        idle_seconds=0.01,
        grace_seconds=0.3,
        depth=DepthSettings(),
    )


async def rest_book(ex: RunningExchange, book: str) -> FullBook:
    """The exchange's own non-aggregated book, read outside the feed's budget."""
    async with httpx.AsyncClient() as client:
        rest = BitsoRest(
            ex.rest_url, bucket=TokenBucket(600, SystemClock()), clock=SystemClock(), client=client
        )
        return FullBook.from_snapshot(await rest.order_book(book, aggregate=False))


def ours(feed: BitsoFeed, book: str) -> FullBook | None:
    assert feed.full_books is not None
    sync = feed.full_books.syncs[book]
    return sync.full if sync.live else None


async def settle(feed: BitsoFeed, ex: RunningExchange) -> None:
    """Wait until every message of the last market step has arrived (or the book resyncs)."""
    target = {book: ex.sequence(book) for book in BOOKS}

    def caught_up() -> bool:
        return all((full := ours(feed, b)) is None or full.sequence >= target[b] for b in BOOKS)

    await eventually(caught_up, timeout=3.0)
    await asyncio.sleep(0.05)


async def test_rebuilt_books_equal_the_exchange_through_gaps_duplicates_and_reorders(
    make_exchange: MakeExchange,
) -> None:
    ex = make_exchange(
        autorun=False,
        rate_limit=100_000,  # the checks' own snapshots must not lock the feed out
        update_rate=20.0,
        ka_interval=0.2,
        faults=(Fault("diff_gap", value=7), Fault("diff_duplicate", "usd_mxn", value=5)),
    )
    ex.control.set("diff_reorder", "btc_mxn", value=11)
    feed = depth_feed(ex)
    checks = matched = 0
    async with running(feed):
        await eventually(lambda: all(ours(feed, b) is not None for b in BOOKS))
        for _ in range(25):
            ex.advance(0.5)
            await settle(feed, ex)
            for book in BOOKS:
                full = ours(feed, book)
                if full is None or full.sequence != ex.sequence(book):
                    continue
                exchange = await rest_book(ex, book)
                checks += 1
                if exchange.sequence == full.sequence:  # nothing moved in between
                    assert full.orders() == exchange.orders()
                    assert full.aggregated() == exchange.aggregated()
                    matched += 1
        assert feed.full_books is not None
        stats = feed.full_books.stats()
        tops = [feed.latest(book) for book in BOOKS]
    assert matched >= 5 and matched == checks
    # Resync snapshots never take the place of the stream's top of book in the spread rows.
    assert all(top is not None and top.source == "ws" for top in tops)
    assert stats.gaps > 0 and stats.duplicates > 0 and stats.resyncs > stats.gaps


async def test_resyncs_never_go_over_the_budget_and_the_top_20_fills_in_meanwhile(
    make_exchange: MakeExchange,
) -> None:
    # Every third message is lost: far more resyncs are wanted than a 30/min budget allows.
    ex = make_exchange(update_rate=20.0, ka_interval=0.2, faults=(Fault("diff_gap", value=3),))
    feed = depth_feed(ex, rest_requests_per_minute=30)
    sources: set[str] = set()
    waiting = 0
    async with running(feed):
        assert feed.full_books is not None
        for _ in range(60):
            await asyncio.sleep(0.05)
            view = feed.depth_view("btc_mxn")
            if view is not None:
                sources.add(view.source)
            waiting += sum(s.wants_snapshot() for s in feed.full_books.syncs.values())
    sent = ex.request_count("/v3/order_book")
    # One token at the start, then one per (60 + 1) / 30 s: at most 2-3 in 3 s.
    assert sent <= 3 and waiting > 0
    assert "orders" in sources  # never silently empty while the full book is not exact
