"""Third-party check: the official ``bitso-py`` 3.0.1 client (only its URLs changed) and our feed
rebuild the same simulated book, and both equal the exchange's REST snapshot, order by order."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest

from bitsodata.exchange.feed import BitsoFeed
from bitsodata.simulator import Fault
from tests.conftest import REPO
from tests.exchange.helpers import eventually, running
from tests.exchange.test_full_books_simulator import depth_feed, ours, rest_book
from tests.fakes.exchange import RunningExchange

BITSOPY = REPO / ".venv-bitsopy" / "bin" / "python"
LISTENER = Path(__file__).with_name("bitsopy_listener.py")
MakeExchange = Callable[..., RunningExchange]


def caught_up(feed: BitsoFeed, sequence: int) -> bool:
    book = ours(feed, "btc_mxn")
    return book is not None and book.sequence == sequence


@pytest.mark.skipif(not BITSOPY.exists(), reason="no .venv-bitsopy: run `make bitsopy-venv`")
@pytest.mark.parametrize("faults", [(), (Fault("diff_gap", "btc_mxn", 15),)], ids=["clean", "gaps"])
async def test_bitso_py_and_our_feed_both_rebuild_the_exchange_book(
    make_exchange: MakeExchange, faults: tuple[Fault, ...]
) -> None:
    # Two clients share one address: a high exchange limit keeps one from locking the other out.
    ex = make_exchange(update_rate=10.0, ka_interval=0.2, faults=faults, rate_limit=100_000)
    feed = depth_feed(ex)
    async with running(feed):
        theirs = await asyncio.create_subprocess_exec(
            str(BITSOPY), str(LISTENER), ex.rest_url, ex.ws_url, "btc_mxn", "4",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await asyncio.sleep(3.0)
        ex.control.set("frozen", "btc_mxn")  # the book stops: every copy can catch up
        out, err = await asyncio.wait_for(theirs.communicate(), timeout=20)
        assert theirs.returncode == 0, err.decode()[-2000:]
        exchange = await rest_book(ex, "btc_mxn")
        their_sequence = exchange.sequence
        for _ in range(5):  # a message lost just before the freeze shows only with the next one
            try:
                await eventually(partial(caught_up, feed, exchange.sequence), timeout=3.0)
                break
            except TimeoutError:
                ex.control.clear("frozen")
                await asyncio.sleep(0.3)
                ex.control.set("frozen", "btc_mxn")
                await asyncio.sleep(0.3)
                exchange = await rest_book(ex, "btc_mxn")
        mine = ours(feed, "btc_mxn")
    result = json.loads(out.decode().strip().splitlines()[-1])
    their_orders = {
        oid: (side, Decimal(price), Decimal(amount))
        for oid, (side, price, amount) in (result["orders"] or {}).items()
    }
    theirs_exact = result["sequence"] == their_sequence and their_orders == (
        exchange.orders() if exchange.sequence == their_sequence else None
    )
    assert mine is not None and mine.sequence == exchange.sequence
    assert mine.orders() == exchange.orders()
    assert mine.aggregated() == exchange.aggregated()
    if not faults:  # on a clean stream the official client is exact too: the two agree
        assert theirs_exact and their_orders == mine.orders()
    print(f"bitso-py exact: {theirs_exact}, its resyncs: {result['resyncs']}", file=sys.stderr)
