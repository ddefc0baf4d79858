"""Every fault mode is observable by a plain client, switched at start or at run time."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from decimal import Decimal

import aiohttp
import httpx
import pytest

from bitsodata.clock import FakeClock
from bitsodata.errors import ConfigError
from bitsodata.simulator import Fault, parse_fault
from tests.fakes.exchange import RunningExchange
from tests.simulator import contract
from tests.simulator.wsclient import collect, of, subscribe

Make = Callable[..., RunningExchange]


def book(ex: RunningExchange, name: str = "btc_mxn") -> httpx.Response:
    return httpx.get(f"{ex.rest_url}/order_book/?book={name}")


def test_latency_delays_answers(exchange: RunningExchange) -> None:
    exchange.control.set("latency", value=0.4)
    started = time.monotonic()
    assert book(exchange).status_code == 200
    assert time.monotonic() - started >= 0.4
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{exchange.rest_url}/ticker/", timeout=0.1)


def test_http_5xx_html_and_malformed_json(exchange: RunningExchange) -> None:
    exchange.control.set("http_5xx", value=503)
    failed = book(exchange)
    assert failed.status_code == 503
    contract.check_error(failed.json(), "0101")
    exchange.control.clear()
    exchange.control.set("html_error")
    html = book(exchange)
    assert html.status_code == 403 and html.headers["content-type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        html.json()
    exchange.control.clear("html_error")
    exchange.control.set("malformed_json")
    broken = book(exchange)
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        broken.json()
    exchange.control.clear()
    assert book(exchange).json()["success"] is True


def _statuses(ex: RunningExchange, n: int) -> list[int]:
    with httpx.Client() as client:
        return [client.get(f"{ex.rest_url}/available_books/").status_code for _ in range(n)]


def test_a_fault_with_a_chance_hits_that_share_of_requests_repeatably(make_exchange: Make) -> None:
    options = {"rate_limit": 1000, "autorun": False, "seed": 4}
    runs = [
        _statuses(make_exchange(faults=(Fault("http_5xx", value=502, chance=0.3),), **options), 80)
        for _ in range(2)
    ]
    assert set(runs[0]) == {200, 502}
    assert 0.15 < runs[0].count(502) / 80 < 0.45
    assert runs[0] == runs[1], "same seed, same requests: same failures"
    ex = make_exchange(**options)
    ex.control.set("html_error", chance=0.5)
    assert set(_statuses(ex, 30)) == {200, 403}
    ex.control.set("html_error")
    assert set(_statuses(ex, 5)) == {403}, "without a chance every request is hit"


def test_rate_limit_fault_locks_out_until_the_lockout_ends(make_exchange: Make) -> None:
    clock = FakeClock()
    ex = make_exchange(clock=clock, faults=(Fault("rate_limit"),))
    first = book(ex)
    assert first.status_code == 420
    contract.check_error(first.json(), "0801")
    ex.control.clear("rate_limit")
    assert book(ex).status_code == 420, "the lockout outlives the switch"
    clock.advance(60.5)
    assert book(ex).status_code == 200


@pytest.mark.parametrize(
    ("fault", "bids_empty", "asks_empty"),
    [("empty_bids", True, False), ("empty_asks", False, True), ("empty_book", True, True)],
)
async def test_empty_sides(
    make_exchange: Make, fault: str, bids_empty: bool, asks_empty: bool
) -> None:
    ex = make_exchange(autorun=False, ka_interval=60, faults=(Fault(fault, "btc_mxn"),))
    data = book(ex).json()["payload"]
    assert (data["bids"] == []) is bids_empty and (data["asks"] == []) is asks_empty
    assert book(ex, "usd_mxn").json()["payload"]["bids"], "other books are untouched"
    ticker = httpx.get(f"{ex.rest_url}/ticker/?book=btc_mxn").json()["payload"]
    assert (ticker["bid"] is None) is bids_empty and (ticker["ask"] is None) is asks_empty
    async with aiohttp.ClientSession() as s, s.ws_connect(ex.ws_url) as ws:
        await subscribe(ws, [("btc_mxn", "orders")])
        got = await collect(ws, seconds=3, until=lambda m: bool(of(m, "orders")))
    payload = of(got, "orders")[0]["payload"]
    assert (payload["bids"] == []) is bids_empty and (payload["asks"] == []) is asks_empty


async def test_crossed_books(exchange: RunningExchange) -> None:
    exchange.control.set("crossed", "btc_mxn")
    data = book(exchange).json()["payload"]
    assert Decimal(data["asks"][0]["price"]) <= Decimal(data["bids"][0]["price"])
    async with aiohttp.ClientSession() as s, s.ws_connect(exchange.ws_url) as ws:
        await subscribe(ws, [("btc_mxn", "orders")])
        got = await collect(ws, seconds=3, until=lambda m: bool(of(m, "orders")))
    top = of(got, "orders")[0]["payload"]
    assert Decimal(top["asks"][0]["r"]) <= Decimal(top["bids"][0]["r"])


def test_frozen_book_stops_changing_while_others_move(make_exchange: Make) -> None:
    ex = make_exchange(autorun=False, faults=(Fault("frozen", "btc_mxn"),))
    before, usd_before = book(ex).json()["payload"], ex.sequence("usd_mxn")
    ex.advance(5)
    assert book(ex).json()["payload"] == before
    assert ex.sequence("usd_mxn") > usd_before
    ex.control.clear("frozen")
    ex.advance(1)
    assert book(ex).json()["payload"]["sequence"] != before["sequence"]


def spread(ex: RunningExchange, name: str) -> Decimal:
    data = book(ex, name).json()["payload"]
    bid, ask = Decimal(data["bids"][0]["price"]), Decimal(data["asks"][0]["price"])
    return (ask - bid) * 100 / ask


def test_wide_spread_episode(make_exchange: Make) -> None:
    ex = make_exchange(autorun=False)
    ex.control.set("wide_spread", "btc_mxn")
    ex.advance(2)
    assert 1 < spread(ex, "btc_mxn") < 2
    assert spread(ex, "usd_mxn") < Decimal("0.3")


def test_wide_spread_episode_with_a_duration_ends_by_itself(make_exchange: Make) -> None:
    ex = make_exchange(autorun=False, faults=(Fault("wide_spread", "btc_mxn", 3.0),))
    ex.advance(2)
    assert spread(ex, "btc_mxn") > 1
    ex.advance(2)
    assert spread(ex, "btc_mxn") < Decimal("0.5")


async def test_legacy_websocket_shapes(make_exchange: Make) -> None:
    ex = make_exchange(autorun=False, ka_interval=60, faults=(Fault("legacy"),))
    async with aiohttp.ClientSession() as s, s.ws_connect(ex.ws_url) as ws:
        await subscribe(ws, [("btc_mxn", "diff-orders"), ("btc_mxn", "trades")])
        await collect(ws, seconds=3, until=lambda m: len(m) == 2)
        ex.advance(120)  # a trade every ~14 s on btc_mxn, as recorded
        got = await collect(ws, seconds=5, idle=0.3)
    diffs, trades = of(got, "diff-orders"), of(got, "trades")
    assert diffs and trades
    assert all("sent" not in m for m in diffs + trades)
    entries = [e for m in diffs for e in m["payload"]]
    assert all(set(e) <= {"o", "d", "r", "t", "a", "v"} for e in entries)
    assert any("a" not in e for e in entries), "removals are entries without an amount"
    assert all(set(e) == {"i", "a", "r", "v"} for m in trades for e in m["payload"])


@pytest.mark.parametrize(("fault", "with_frame"), [("ws_disconnect", True), ("ws_drop", False)])
async def test_websocket_disconnects(make_exchange: Make, fault: str, with_frame: bool) -> None:
    ex = make_exchange(ka_interval=0.2)
    async with aiohttp.ClientSession() as s, s.ws_connect(ex.ws_url, autoclose=False) as ws:
        await subscribe(ws, [("btc_mxn", "orders")])
        await collect(ws, seconds=0.3)
        ex.control.set(fault)
        msg = await ws.receive(timeout=3)
        while msg.type == aiohttp.WSMsgType.TEXT:
            msg = await ws.receive(timeout=3)
    if with_frame:
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1001
    else:
        assert msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)


@pytest.mark.parametrize(
    ("fault", "steps"),
    [("diff_gap", {1, 2}), ("diff_duplicate", {0, 1}), ("diff_reorder", {1, 2, -1})],
)
async def test_diff_orders_gaps_duplicates_and_reordering(
    make_exchange: Make, fault: str, steps: set[int]
) -> None:
    ex = make_exchange(autorun=False, ka_interval=60, faults=(Fault(fault, value=3),))
    async with aiohttp.ClientSession() as s, s.ws_connect(ex.ws_url) as ws:
        await subscribe(ws, [("btc_mxn", "diff-orders")])
        await collect(ws, seconds=3, until=lambda m: len(m) == 1)
        ex.advance(3)
        got = await collect(ws, seconds=5, idle=0.3)
    seqs = [m["sequence"] for m in of(got, "diff-orders")]
    assert {b - a for a, b in itertools.pairwise(seqs)} == steps


async def test_silence_without_keep_alives(make_exchange: Make) -> None:
    ex = make_exchange(ka_interval=0.1)
    async with aiohttp.ClientSession() as s, s.ws_connect(ex.ws_url) as ws:
        await subscribe(ws, [("btc_mxn", "orders")])
        await collect(ws, seconds=0.3)
        ex.control.set("silence")
        await collect(ws, seconds=0.15)  # whatever was already in flight
        assert await collect(ws, seconds=0.6) == []
        assert not ws.closed
        ex.control.clear("silence")
        assert {"type": "ka"} in await collect(ws, seconds=0.5)


def test_hostile_spellings(exchange: RunningExchange) -> None:
    exchange.control.set("hostile")
    error = httpx.get(f"{exchange.rest_url}/ticker/?book=nope_mxn").json()
    assert error["error"]["code"] == 301
    trades = httpx.get(f"{exchange.rest_url}/trades/?book=btc_mxn").json()["payload"]
    assert {type(t["tid"]) for t in trades} == {int, str}
    styles = set()
    for _ in range(40):
        stamp = book(exchange).json()["payload"]["updated_at"]
        styles.add(re.sub(r"\d", "9", stamp[19:]))  # +99:99, +9999, .999+99:99
        exchange.advance(0.5)
    assert styles == {"+99:99", "+9999", ".999+99:99"}


def test_control_endpoint_over_http(exchange: RunningExchange) -> None:
    url = exchange.control_url + "/faults"
    listing = httpx.post(url, json=[{"name": "frozen", "book": "usd_mxn"}, {"name": "silence"}])
    assert listing.status_code == 200
    frozen = {"name": "frozen", "book": "usd_mxn", "value": None, "chance": None}
    assert frozen in listing.json()["active"]
    assert "ws_drop" in httpx.get(url).json()["known"]
    assert httpx.post(url, json={"name": "nonsense"}).status_code == 400
    assert httpx.delete(url, params={"name": "silence"}).json()["cleared"] == 1
    assert [f.name for f in exchange.control.active()] == ["frozen"]


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("frozen", Fault("frozen")),
        ("frozen:btc_mxn", Fault("frozen", "btc_mxn")),
        ("latency=1.5", Fault("latency", None, 1.5)),
        ("diff_gap:usd_mxn=10", Fault("diff_gap", "usd_mxn", 10.0)),
        ("http_5xx=503@0.2", Fault("http_5xx", None, 503.0, 0.2)),
        ("html_error:btc_mxn@1", Fault("html_error", "btc_mxn", None, 1.0)),
    ],
)
def test_fault_spelling(text: str, fault: Fault) -> None:
    assert parse_fault(text) == fault


@pytest.mark.parametrize(
    "text", ["nope", "frozen:BTC", "latency=fast", "", "frozen@0.5", "http_5xx@0", "http_5xx@1.5"]
)
def test_bad_fault_spelling(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_fault(text)
