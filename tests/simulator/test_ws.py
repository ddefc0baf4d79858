"""WebSocket: subscribe/ack, keep-alives, top-20 ``orders``, ``diff-orders`` matching REST."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from decimal import Decimal

import aiohttp
import httpx

from tests.fakes.exchange import RunningExchange
from tests.simulator.wsclient import Msg, collect, of, subscribe

Make = Callable[..., RunningExchange]


async def test_subscriptions_are_acknowledged_without_payload_or_book(
    make_exchange: Make,
) -> None:
    ex = make_exchange(autorun=False, ka_interval=60)
    async with aiohttp.ClientSession() as s, s.ws_connect(ex.ws_url) as ws:
        await subscribe(ws, [("btc_mxn", "diff-orders"), ("usd_mxn", "trades")])
        got = await collect(ws, seconds=3, until=lambda m: len(m) >= 2)
    assert [m["type"] for m in got] == ["diff-orders", "trades"]
    for ack in got:
        assert ack["action"] == "subscribe" and ack["response"] == "ok"
        assert "payload" not in ack and "book" not in ack
        assert isinstance(ack["time"], int) and ack["time"] > 10**12


async def test_keep_alives_come_at_the_configured_interval(make_exchange: Make) -> None:
    ex = make_exchange(autorun=False, ka_interval=0.2)
    async with aiohttp.ClientSession() as s, s.ws_connect(ex.ws_url) as ws:
        got = await collect(ws, seconds=1.1)
    assert got and all(m == {"type": "ka"} for m in got)
    assert 3 <= len(got) <= 6


async def test_orders_is_a_top_20_replacement_matching_rest(make_exchange: Make) -> None:
    ex = make_exchange(autorun=False, ka_interval=60)
    async with aiohttp.ClientSession() as s, s.ws_connect(ex.ws_url) as ws:
        await subscribe(ws, [("btc_mxn", "orders"), ("usd_mxn", "orders")])
        await collect(ws, seconds=3, until=lambda m: len(of(m, "orders")) == 2)
        ex.advance(3)
        got = await collect(ws, seconds=5, idle=0.3)
    btc = of(got, "orders", "btc_mxn")
    assert btc and of(got, "orders", "usd_mxn"), "both books on one socket"
    for message in btc:
        assert isinstance(message["sent"], int) and message["sent"] > 10**12
        bids, asks = message["payload"]["bids"], message["payload"]["asks"]
        assert len(bids) == len(asks) == 20
        assert [Decimal(b["r"]) for b in bids] == sorted(
            (Decimal(b["r"]) for b in bids), reverse=True
        )
        assert [Decimal(a["r"]) for a in asks] == sorted(Decimal(a["r"]) for a in asks)
        assert {"o", "r", "a", "v", "t", "d", "s"} <= set(bids[0])
    rest = httpx.get(f"{ex.rest_url}/order_book/?book=btc_mxn&aggregate=false").json()["payload"]
    last = btc[-1]["payload"]
    assert [b["o"] for b in last["bids"]] == [b["oid"] for b in rest["bids"][:20]]
    assert [a["o"] for a in last["asks"]] == [a["oid"] for a in rest["asks"][:20]]


async def test_orders_is_sent_only_when_the_top_20_changes(make_exchange: Make) -> None:
    ex = make_exchange(autorun=False, ka_interval=60)
    async with aiohttp.ClientSession() as s, s.ws_connect(ex.ws_url) as ws:
        # usd_mxn's top rarely moves, so many updates only touch orders below the top 20
        await subscribe(ws, [("usd_mxn", "orders"), ("usd_mxn", "diff-orders")])
        await collect(ws, seconds=3, until=lambda m: bool(of(m, "orders")))
        for _ in range(30):
            ex.advance(0.2)  # one update at a time
        got = await collect(ws, seconds=5, idle=0.3)
    tops = [m["payload"] for m in of(got, "orders")]
    assert tops and all(a != b for a, b in itertools.pairwise(tops))
    assert len(tops) < len({m["sequence"] for m in of(got, "diff-orders")})


def _apply(book: dict[str, tuple[Decimal, Decimal]], message: Msg) -> None:
    for entry in message["payload"]:
        amount = entry.get("a")
        if entry.get("s") in ("cancelled", "completed") or amount is None or Decimal(amount) == 0:
            book.pop(entry["o"], None)
        else:
            book[entry["o"]] = (Decimal(entry["r"]), Decimal(amount))


def _snapshot(ex: RunningExchange) -> tuple[int, dict[str, tuple[Decimal, Decimal]]]:
    data = httpx.get(f"{ex.rest_url}/order_book/?book=btc_mxn&aggregate=false").json()["payload"]
    book = {
        e["oid"]: (Decimal(e["price"]), Decimal(e["amount"])) for e in data["bids"] + data["asks"]
    }
    return int(data["sequence"]), book


async def test_diff_orders_continue_the_rest_snapshot_exactly(make_exchange: Make) -> None:
    """Bitso's procedure: buffer diffs, snapshot, drop diffs <= its sequence, apply the rest."""
    ex = make_exchange(autorun=False, ka_interval=60)
    async with aiohttp.ClientSession() as s, s.ws_connect(ex.ws_url) as ws:
        await subscribe(ws, [("btc_mxn", "diff-orders"), ("usd_mxn", "diff-orders")])
        ex.advance(2)
        sequence, book = _snapshot(ex)
        ex.advance(5)
        final = ex.sequence("btc_mxn")
        got = await collect(
            ws, seconds=3, until=lambda m: any(x.get("sequence") == final for x in m)
        )
    diffs = [m for m in of(got, "diff-orders", "btc_mxn") if m["sequence"] > sequence]
    assert of(got, "diff-orders", "usd_mxn"), "books interleave on one socket"
    assert [m["sequence"] for m in diffs] == list(range(sequence + 1, final + 1))
    for message in diffs:
        assert isinstance(message["sequence"], int)
        _apply(book, message)
    final_sequence, expected = _snapshot(ex)
    assert final_sequence == final
    assert book == expected


async def test_live_stream_with_the_market_running(exchange: RunningExchange) -> None:
    async with aiohttp.ClientSession() as s, s.ws_connect(exchange.ws_url) as ws:
        await subscribe(ws, [("btc_mxn", c) for c in ("orders", "diff-orders", "trades")])
        got = await collect(ws, seconds=1.5)
    kinds = {m.get("type") for m in got}
    assert {"orders", "diff-orders", "ka"} <= kinds
    seqs = [m["sequence"] for m in of(got, "diff-orders")]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    for trade in of(got, "trades"):
        entry = trade["payload"][0]
        assert {"i", "a", "r", "v", "t", "x"} <= set(entry) and isinstance(entry["x"], int)


async def test_stopping_closes_sockets_and_leaves_no_task_behind(make_exchange: Make) -> None:
    ex = make_exchange(ka_interval=0.1)
    async with aiohttp.ClientSession() as s, s.ws_connect(ex.ws_url) as ws:
        await subscribe(ws, [("btc_mxn", "orders"), ("btc_mxn", "diff-orders")])
        await collect(ws, seconds=3, until=lambda m: bool(of(m, "orders")))
        stopping = asyncio.create_task(asyncio.to_thread(ex.run, ex.server.stop()))
        got = await collect(ws, seconds=3)  # the client answers the close handshake meanwhile
        await stopping
    assert got[-1] == {"_closed": "CLOSE", "_code": 1001}, "a close frame, server going away"
    left = ex.call(lambda: [t for t in asyncio.all_tasks(ex.loop) if not t.done()])
    assert left == []
