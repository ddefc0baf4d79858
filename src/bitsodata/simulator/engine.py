"""The exchange's state machine: books move in market time and every change is published.

``advance_to(elapsed)`` applies every driver event due by ``elapsed`` market seconds, in a
fixed order, so the same seed gives the same books however fast or slow the wall clock runs.
Listeners (the WebSocket hub) receive each message synchronously, so a REST snapshot always sits
between two ``diff-orders`` messages: its ``sequence`` is the last one published.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bitsodata.simulator.faults import FaultSet
from bitsodata.simulator.liquidity import Liquidity
from bitsodata.simulator.market import Driver, MarketModel, ModelDriver
from bitsodata.simulator.orderbook import Fill, SimBook
from bitsodata.simulator.specs import BookSpec, spec_for
from bitsodata.simulator.tape import Tape, past_day
from bitsodata.simulator.wire import Message, diff_message, legacy, trades_message

Listener = Callable[[Message], None]
TRADES_KEPT = 1_000
"""Trades kept per book for REST paging (``marker``): ten pages of 100."""
ID_EPOCH_MS = 1_577_836_800_000
"""2020-01-01: sequences and trade ids are counted from here in market time."""
SEQUENCES_PER_MS = 10
TIDS_PER_MS = 0.1


def sequence_floor(at_ms: int) -> int:
    """The lowest sequence a book may carry at ``at_ms``: it grows faster than any book publishes,
    so a restarted exchange (same seed or not) never goes back below an earlier run's numbers."""
    return 2**31 + (at_ms - ID_EPOCH_MS) * SEQUENCES_PER_MS


def tid_floor(at_ms: int) -> int:
    """The lowest trade id at ``at_ms`` (10 per second, more than any book trades)."""
    return int((at_ms - ID_EPOCH_MS) * TIDS_PER_MS)


@dataclass(frozen=True, slots=True)
class Trade:
    tid: int
    fill: Fill


@dataclass
class BookState:
    """Everything the exchange knows about one book."""

    spec: BookSpec
    book: SimBook
    driver: Driver
    sequence: int
    updated_ms: int
    next_tid: int
    tape: Tape
    trades: deque[Trade] = field(default_factory=lambda: deque(maxlen=TRADES_KEPT))
    diff_published: int = 0
    dirty: bool = False
    held: Message | None = None
    """A diff-orders message held back by the ``diff_reorder`` fault."""
    wide_since: float | None = None
    """Market time the ``wide_spread`` fault was first seen on for this book."""

    @property
    def name(self) -> str:
        return self.spec.book


class Exchange:
    """All books of the simulated exchange, moved by ``advance_to`` and read by the views."""

    def __init__(
        self,
        books: tuple[str, ...],
        *,
        seed: int,
        faults: FaultSet,
        start_ms: int,
        update_rate: float = 3.0,
        drivers: Mapping[str, Driver] | None = None,
        specs: Mapping[str, BookSpec] | None = None,
    ) -> None:
        self.faults = faults
        self.start_ms = start_ms
        self.elapsed = 0.0
        self.listeners: list[Listener] = []
        self.books: dict[str, BookState] = {}
        for name in books:
            spec = (specs or {}).get(name) or spec_for(name)
            rng = random.Random(f"{seed}:{name}:model")
            driver = (drivers or {}).get(name) or ModelDriver(MarketModel(spec, rng), update_rate)
            wide = faults.on("wide_spread", name)
            self.books[name] = self._seed_book(
                spec, driver, random.Random(f"{seed}:{name}:book"), wide=wide
            )
        # (next event offset, book rank, book): the next event of any book, ties in book order
        self._queue: list[tuple[float, int, str]] = [
            (offset, rank, name)
            for rank, (name, state) in enumerate(self.books.items())
            if (offset := state.driver.next_offset()) is not None
        ]
        heapq.heapify(self._queue)

    def _seed_book(
        self, spec: BookSpec, driver: Driver, rng: random.Random, *, wide: bool
    ) -> BookState:
        book = SimBook(spec, rng, liquidity=Liquidity(random.Random(rng.random())))
        bid, ask = driver.pop(force_wide=wide)
        book.seed(bid, ask, self.start_ms)
        state = BookState(
            spec,
            book,
            driver,
            sequence=sequence_floor(self.start_ms) + rng.randrange(SEQUENCES_PER_MS),
            updated_ms=self.start_ms - rng.randint(0, 5_000),
            next_tid=0,
            tape=Tape(spec.tick, spec.amount_decimals),
        )
        history = past_day(
            spec, book.depth, rng, end_ms=self.start_ms, mid=(bid + ask) / 2, spread=ask - bid
        )
        kept_from = len(history) - TRADES_KEPT
        for i, past in enumerate(history):
            if i < kept_from:  # only counted: the tape needs it, paging does not reach it
                state.next_tid = max(state.next_tid, tid_floor(past.at_ms)) + 1
                state.tape.add(past.at_ms, past.price, past.amount)
                continue
            # REST trades show no order ids, and past trades are never published on the socket
            self._record(state, Fill(past.price, past.amount, past.maker_side, "", "", past.at_ms))
        return state

    # -- time --------------------------------------------------------------------------------
    def now_ms(self) -> int:
        return self.start_ms + int(self.elapsed * 1000)

    def advance(self, seconds: float) -> None:
        self.advance_to(self.elapsed + seconds)

    def advance_to(self, elapsed: float) -> None:
        """Apply every event due by ``elapsed`` market seconds (books in a fixed order)."""
        queue = self._queue
        while queue and queue[0][0] <= elapsed:
            offset, rank, name = heapq.heappop(queue)
            state = self.books[name]
            self.elapsed = max(self.elapsed, offset)
            self._apply(state)
            if (following := state.driver.next_offset()) is not None:
                heapq.heappush(queue, (following, rank, name))
        self.elapsed = max(self.elapsed, elapsed)
        for state in self.books.values():
            if state.dirty:
                state.dirty = False
                self._publish({"type": "orders", "book": state.name})

    def _apply(self, state: BookState) -> None:
        bid, ask = state.driver.pop(force_wide=self._wide(state))
        if self.faults.on("frozen", state.name):
            return
        now = self.now_ms()
        changes, fills = state.book.move(bid, ask, now)
        for change in changes:
            state.sequence += 1
            state.updated_ms = now
            message = diff_message(
                state.name, state.sequence, state.spec.amount_decimals, change, now
            )
            self._publish_diff(state, message)
        if fills:
            trades = [self._record(state, fill) for fill in fills]
            self._publish(trades_message(state.name, [(t.tid, t.fill) for t in trades], now))
        state.dirty = state.dirty or bool(changes)

    def _wide(self, state: BookState) -> bool:
        """``wide_spread`` forces an episode; with a VALUE it ends after VALUE market seconds."""
        fault = self.faults.get("wide_spread", state.name)
        if fault is None:
            state.wide_since = None
            return False
        if state.wide_since is None:
            state.wide_since = self.elapsed
        return fault.value is None or self.elapsed - state.wide_since < fault.value

    def _record(self, state: BookState, fill: Fill) -> Trade:
        trade = Trade(max(state.next_tid, tid_floor(fill.at_ms)), fill)
        state.next_tid = trade.tid + 1
        state.trades.append(trade)
        state.tape.add(fill.at_ms, fill.price, fill.amount)
        return trade

    # -- publishing --------------------------------------------------------------------------
    def _publish(self, message: Message) -> None:
        if message["type"] != "orders" and self.faults.on("legacy", message["book"]):
            message = legacy(message)
        for listener in list(self.listeners):
            listener(message)

    def _publish_diff(self, state: BookState, message: Message) -> None:
        """Deliver one diff-orders message, unless a fault loses, repeats or delays it."""
        state.diff_published += 1
        n, name = state.diff_published, state.name
        if self._every(n, "diff_gap", name, minimum=2):
            return
        if self._every(n, "diff_reorder", name, minimum=2) and state.held is None:
            state.held = message
            return
        self._publish(message)
        if state.held is not None and state.held is not message:
            self._publish(state.held)
            state.held = None
        if self._every(n, "diff_duplicate", name, minimum=1):
            self._publish(message)

    def _every(self, n: int, fault: str, book: str, *, minimum: int) -> bool:
        if not self.faults.on(fault, book):
            return False
        return n % max(minimum, int(self.faults.value(fault, book, 5))) == 0
