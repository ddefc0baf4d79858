"""Invariants of the order-generating book, whatever path the top of book takes."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bitsodata.simulator.orderbook import ASK, BID, MAX_LEVELS, SimBook
from bitsodata.simulator.specs import spec_for

TICK = Decimal("10")
moves = st.lists(st.tuples(st.integers(-300, 300), st.integers(1, 2000)), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None)
@given(moves=moves, seed=st.integers(0, 10**6))
def test_best_prices_follow_the_targets_and_changes_replay_the_book(
    moves: list[tuple[int, int]], seed: int
) -> None:
    book = SimBook(spec_for("btc_mxn"), random.Random(seed))
    bid = Decimal(1_150_000)
    book.seed(bid, bid + 200 * TICK, 0)
    mirror: dict[str, tuple[int, Decimal, Decimal]] = {
        o.oid: (o.side, o.price, o.amount) for o in book.orders.values()
    }
    for step, (drift, width) in enumerate(moves, start=1):
        bid += drift * TICK
        ask = bid + width * TICK
        changes, fills = book.move(bid, ask, step * 1000)
        assert (book.best(BID), book.best(ASK)) == (bid, ask)
        for change in changes:  # a client applying the diffs keeps an identical book
            if change.amount is None:
                del mirror[change.order.oid]
            else:
                mirror[change.order.oid] = (change.order.side, change.order.price, change.amount)
        assert mirror == {o.oid: (o.side, o.price, o.amount) for o in book.orders.values()}
        assert all(f.amount > 0 for f in fills)
        for side in (BID, ASK):
            assert len({o.price for o in book.side(side)}) <= MAX_LEVELS + 1
