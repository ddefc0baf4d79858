"""Same seed, same market: books depend on the seed and market time, not on the wall clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from bitsodata.simulator import FaultSet
from bitsodata.simulator.engine import Exchange
from bitsodata.simulator.views import order_book
from bitsodata.simulator.wire import Message
from tests.fakes.exchange import RunningExchange

START_MS = 1_716_937_713_000


def run(seed: int, steps: list[float]) -> tuple[list[Message], dict[str, Any]]:
    faults = FaultSet()
    ex = Exchange(("btc_mxn", "usd_mxn", "eth_mxn"), seed=seed, faults=faults, start_ms=START_MS)
    seen: list[Message] = []
    ex.listeners.append(lambda m: seen.append(m) if m["type"] != "orders" else None)
    for step in steps:
        ex.advance(step)
    books = {n: order_book(s, faults, aggregate=False) for n, s in ex.books.items()}
    return seen, books


def test_same_seed_same_messages_however_time_is_sliced() -> None:
    coarse = run(7, [30.0])
    fine = run(7, [0.05] * 600)
    assert coarse == fine
    assert len(coarse[0]) > 200


def test_another_seed_gives_another_market() -> None:
    assert run(7, [5.0])[1] != run(8, [5.0])[1]


def test_two_servers_with_one_seed_serve_identical_books(make_exchange: Callable[..., Any]) -> None:
    bodies = []
    for _ in range(2):
        ex: RunningExchange = make_exchange(seed=42, start_epoch=1_716_937_713.0, autorun=False)
        ex.advance(10)
        bodies.append(httpx.get(f"{ex.rest_url}/order_book/?book=btc_mxn&aggregate=false").text)
    assert bodies[0] == bodies[1]
    assert '"updated_at": "2024-05-28T23:08:' in bodies[0]
