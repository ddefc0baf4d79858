"""The top-of-book feed the monitor reads: WebSocket first, REST polling while the stream is down.

``BitsoFeed`` keeps the newest ``TopOfBook`` per book (crossed or empty books are stored as they
are; ``TopOfBook`` flags them and the monitor decides the status). With full books on, it also
subscribes ``diff-orders`` and keeps every book exact (``FullBooks``), taking the resync snapshots
through the same REST budget; the top of book still comes from ``orders`` (or REST while the
stream is down). ``FakeFeed`` is its test double.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Protocol

import httpx

from bitsodata.clock import Clock
from bitsodata.domain.book import TopOfBook
from bitsodata.errors import BudgetExhausted, ExchangeError, Transient
from bitsodata.exchange.books import BookView, FullBooks
from bitsodata.exchange.parse import DiffOrdersMessage, OrdersMessage, top_from_orders
from bitsodata.exchange.ratelimit import TokenBucket
from bitsodata.exchange.rest import BitsoRest
from bitsodata.exchange.stats import FeedStats
from bitsodata.exchange.ws import Backoff, BitsoWebSocket
from bitsodata.logs import event
from bitsodata.settings import DepthSettings, ExchangeSettings

__all__ = ["BitsoFeed", "FakeFeed", "FeedStats", "LinkState", "TopOfBookFeed"]

log = logging.getLogger(__name__)
UpdateHook = Callable[[TopOfBook], None]
BookHook = Callable[[str, float], None]
"""Called with (book, receipt time) each time a full book changed (measurements)."""


@dataclass(frozen=True)
class LinkState:
    """How the feed is getting its data right now."""

    ws_connected: bool
    last_frame_at: float | None
    """Epoch seconds (local receipt) of the last WS frame of any kind (data, ka, ack)."""
    fallback_active: bool
    """REST polling is running because the stream is down."""
    locked_out_until: float | None
    """Epoch seconds until which a REST lockout is in force."""


class TopOfBookFeed(Protocol):
    """What the monitor needs from a source of order-book tops."""

    def latest(self, book: str) -> TopOfBook | None:
        """Newest top of book from ws or rest, None before the first one."""
        ...

    def link_state(self) -> LinkState:
        """Link health, for statuses, metrics and data-quality alerts."""
        ...

    @property
    def stats(self) -> FeedStats:
        """Counters for the metrics exporter."""
        ...

    def depth_view(self, book: str) -> BookView | None:
        """The book to measure depth on now: full (exact), top 20, or None."""
        ...


class BitsoFeed:
    """WS ``orders`` first; round-robin REST ``order_book`` within the budget while it is down."""

    def __init__(
        self,
        settings: ExchangeSettings,
        books: Sequence[str],
        clock: Clock,
        *,
        on_update: UpdateHook | None = None,
        bucket: TokenBucket | None = None,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        idle_seconds: float = 0.05,
        grace_seconds: float | None = None,
        depth: DepthSettings | None = None,
        on_book: BookHook | None = None,
    ) -> None:
        self.settings = settings
        self.books = tuple(books)
        self._wanted = frozenset(self.books)
        self.clock = clock
        self.on_update = on_update
        self._stats = FeedStats()
        self.bucket = bucket or TokenBucket(settings.rest_requests_per_minute, clock)
        self.full_books = (
            FullBooks(self.books, max_queue=depth.max_queue)
            if depth is not None and depth.enabled
            else None
        )
        self.on_book = on_book
        self.ws = BitsoWebSocket(
            settings.ws_url,
            self.books,
            clock=clock,
            silence_seconds=settings.ws_silence_seconds,
            backoff=backoff,
            rng=rng,
            stats=self._stats,
            channels=("orders", "diff-orders") if self.full_books is not None else ("orders",),
        )
        # Give the socket a moment to connect before spending REST budget on a fallback.
        self.grace_seconds = (
            grace_seconds if grace_seconds is not None else min(2.0, settings.ws_silence_seconds)
        )
        self._idle = idle_seconds
        self._latest: dict[str, TopOfBook] = {}
        self._started_at: float | None = None
        self._next = 0
        self._bootstrapped: dict[str, float] = {}  # book -> connection it was fetched for

    @property
    def stats(self) -> FeedStats:
        return self._stats

    def latest(self, book: str) -> TopOfBook | None:
        return self._latest.get(book)

    def depth_view(self, book: str) -> BookView | None:
        # Both depth sources ride the stream: without it neither can be trusted.
        if self.full_books is None or not self.ws.alive():
            return None
        return self.full_books.view(book)

    def link_state(self) -> LinkState:
        return LinkState(
            ws_connected=self.ws.connected,
            last_frame_at=self.ws.last_frame_at,
            fallback_active=self._ws_down(),
            locked_out_until=self.bucket.lockout.until(),
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Stream and poll until ``stop`` is set; link faults never end it."""
        self._started_at = self.clock.now()
        async with httpx.AsyncClient() as client:
            rest = BitsoRest(
                self.settings.rest_url,
                bucket=self.bucket,
                clock=self.clock,
                timeout=self.settings.rest_timeout_seconds,
                lockout_seconds=self.settings.lockout_seconds,
                client=client,
                stats=self._stats,
            )
            workers = [
                asyncio.create_task(self._consume_ws(stop), name="feed-ws"),
                asyncio.create_task(self._poll_rest(rest, stop), name="feed-rest"),
            ]
            stopper = asyncio.create_task(stop.wait(), name="feed-stop")
            try:
                await asyncio.wait([stopper, *workers], return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in [stopper, *workers]:
                    task.cancel()
                results = await asyncio.gather(stopper, *workers, return_exceptions=True)
            for result in results:  # a worker that died of a bug must not pass silently
                if isinstance(result, Exception):
                    raise result

    # -- the WebSocket side --

    async def _consume_ws(self, stop: asyncio.Event) -> None:
        async with aclosing(self.ws.stream(stop)) as stream:  # closes the session on any exit
            async for message, received in stream:
                books = self.full_books
                if books is not None:
                    books.on_connection(self.ws.connected_at)
                if isinstance(message, OrdersMessage) and message.book.book in self._wanted:
                    self._store(top_from_orders(message, received))
                    if books is not None:
                        books.on_orders(message, received)
                elif isinstance(message, DiffOrdersMessage) and books is not None:
                    self._on_diff(books, message, received)

    def _on_diff(self, books: FullBooks, message: DiffOrdersMessage, received: float) -> None:
        if books.on_diff(message, received) and self.on_book is not None:
            self.on_book(message.book, received)

    def _ws_down(self) -> bool:
        if self.ws.alive():
            return False
        started = self._started_at
        return started is not None and self.clock.now() - started >= self.grace_seconds

    # -- the REST side --

    def _book_to_poll(self) -> str | None:
        """Next book that needs REST, or None."""
        if self._ws_down():  # every book, round robin
            if not self.books:
                return None
            book = self.books[self._next % len(self.books)]
            self._next += 1
            return book
        # Stream up: one snapshot per connection for a book it has not delivered yet (the
        # ``orders`` channel only speaks on change, so a quiet book could stay unknown).
        connected = self.ws.connected_at
        if connected is None or self.clock.now() - connected < self.grace_seconds:
            return None
        return next(
            (
                b
                for b in self.books
                if b not in self._latest and self._bootstrapped.get(b) != connected
            ),
            None,
        )

    def _book_to_resync(self) -> str | None:
        """A full book waiting for its snapshot, once its diff stream is known to be flowing
        (a message queued) or the connection is past the grace period (a quiet book)."""
        books, connected = self.full_books, self.ws.connected_at
        if books is None or connected is None or not self.ws.alive():
            return None
        books.on_connection(connected)
        settled = self.clock.now() - connected >= self.grace_seconds
        ready = [b for b, s in books.syncs.items() if settled or s.queued() > 0]
        return books.wanting_snapshot(ready=ready)

    async def _poll_rest(self, rest: BitsoRest, stop: asyncio.Event) -> None:
        while not stop.is_set():
            wait = self.bucket.seconds_until_available()
            if wait > 0:  # wake up regularly: the stream may come back meanwhile
                await self._sleep(min(wait, self._idle))
                continue
            book = self._book_to_poll()
            if book is not None:
                await self._poll_once(rest, book)
                continue
            book = self._book_to_resync()
            if book is not None:
                await self._resync_once(rest, book)
                continue
            await self._sleep(self._idle)

    async def _resync_once(self, rest: BitsoRest, book: str) -> None:
        """One ``aggregate=false`` snapshot for a full book; the budget is the same bucket."""
        books = self.full_books
        assert books is not None
        sync = books.syncs[book]
        generation = sync.snapshot_requested()
        try:
            snapshot = await rest.order_book(book, aggregate=False)
        except ExchangeError as exc:  # budget refusals included: the next turn asks again
            sync.snapshot_failed(generation)
            if not isinstance(exc, BudgetExhausted):
                event(log, "resync_failed", logging.WARNING, book=book, error=str(exc))
            return
        received = self.clock.now()
        live = books.on_snapshot(snapshot, generation, received)
        event(log, "book_resync", logging.DEBUG, book=book, live=live, reason=sync.reason)
        if book not in self._latest:  # serves as the bootstrap; never replaces a stream top
            self._store(snapshot.top(received_at=received, source="rest"))

    async def _poll_once(self, rest: BitsoRest, book: str) -> None:
        asked_at = self.clock.now()
        connection = self.ws.connected_at if self.ws.alive() else None
        try:
            snapshot = await rest.order_book(book)
        except BudgetExhausted:
            return
        except ExchangeError as exc:  # the bucket paces the retries
            event(log, "rest_poll_failed", logging.WARNING, book=book, error=str(exc))
            if connection is not None and not isinstance(exc, Transient):
                self._bootstrapped[book] = connection  # e.g. unknown book: retrying cannot help
            return
        if connection is not None:  # the one snapshot of this connection is done
            self._bootstrapped[book] = connection
        top = snapshot.top(received_at=self.clock.now(), source="rest")
        current = self._latest.get(book)
        if current is not None and current.source == "ws" and current.received_at >= asked_at:
            return  # the stream delivered something newer while we were asking
        self._store(top)

    async def _sleep(self, seconds: float) -> None:
        await self.clock.sleep_until(self.clock.now() + seconds)

    def _store(self, top: TopOfBook) -> None:
        self._latest[top.book] = top
        if self.on_update is not None:
            try:
                self.on_update(top)
            except Exception:  # a consumer bug must not stop the feed
                log.exception("on_update hook failed")


class FakeFeed:
    """A feed driven by the test: ``set_top`` and ``set_link``; ``run`` just waits for ``stop``."""

    def __init__(self, *, on_update: UpdateHook | None = None) -> None:
        self.on_update = on_update
        self._latest: dict[str, TopOfBook] = {}
        self._link = LinkState(
            ws_connected=True, last_frame_at=None, fallback_active=False, locked_out_until=None
        )
        self._stats = FeedStats()
        self._views: dict[str, BookView] = {}

    @property
    def stats(self) -> FeedStats:
        return self._stats

    def latest(self, book: str) -> TopOfBook | None:
        return self._latest.get(book)

    def depth_view(self, book: str) -> BookView | None:
        return self._views.get(book)

    def set_view(self, book: str, view: BookView | None) -> None:
        """Make ``view`` the book depth is measured on (None: no book)."""
        if view is None:
            self._views.pop(book, None)
        else:
            self._views[book] = view

    def link_state(self) -> LinkState:
        return self._link

    def set_top(self, top: TopOfBook) -> None:
        """Make ``top`` the newest top of its book (and call ``on_update``)."""
        self._latest[top.book] = top
        if self.on_update is not None:
            self.on_update(top)

    def clear(self, book: str) -> None:
        """Forget a book, as if nothing had been received for it."""
        self._latest.pop(book, None)

    def set_link(self, state: LinkState) -> None:
        """Replace the reported link state."""
        self._link = state

    async def run(self, stop: asyncio.Event) -> None:
        """Same shape as ``BitsoFeed.run``: returns when ``stop`` is set."""
        await stop.wait()
