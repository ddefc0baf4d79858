"""The REST client against a scripted server on loopback: parsing, errors, budget and lockout."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from bitsodata.clock import FakeClock
from bitsodata.errors import (
    ApiError,
    BudgetExhausted,
    ExchangeUnavailable,
    PayloadError,
    RateLimitedError,
    Transient,
)
from bitsodata.exchange.ratelimit import TokenBucket
from bitsodata.exchange.rest import BitsoRest
from tests.exchange.servers import (
    HTML_PAGE,
    RATE_LIMITED,
    Reply,
    ScriptedRest,
    error_body,
    free_port,
    order_book_body,
)


def client(url: str, clock: FakeClock, *, rate: int = 6000, timeout: float = 2.0) -> BitsoRest:
    return BitsoRest(
        url, bucket=TokenBucket(rate, clock), clock=clock, timeout=timeout, lockout_seconds=60
    )


async def test_order_book_is_fetched_under_the_version_prefix_and_parsed(
    rest_server: ScriptedRest,
) -> None:
    rest_server.script.append(Reply(order_book_body("usd_mxn", "16.782", "16.791", seq=902177113)))
    clock = FakeClock()
    async with client(rest_server.url, clock) as api:
        book = await api.order_book("usd_mxn")
    top = book.top(received_at=0.0, source="rest")
    assert (top.bid, top.ask, book.sequence) == (Decimal("16.782"), Decimal("16.791"), 902177113)
    [req] = rest_server.requests
    assert req.path == "/v3/order_book/"
    assert req.query == {"book": "usd_mxn", "aggregate": "true"}
    assert api.stats.rest_requests == {"order_book:ok": 1}


async def test_ticker_and_available_books(rest_server: ScriptedRest) -> None:
    ticker = {
        "book": "btc_mxn",
        "bid": "1150310",
        "ask": "1152580",
        "last": "1150310",
        "created_at": "2024-03-09T20:58:01+00:00",
    }
    rest_server.script.append(Reply(f'{{"payload": {_json(ticker)}, "success": true}}'))
    books = [{"book": "btc_mxn"}, {"book": "usd_mxn"}]
    rest_server.script.append(Reply(f'{{"success": true, "payload": {_json(books)}}}'))
    clock = FakeClock()
    async with client(rest_server.url, clock) as api:
        t = await api.ticker("btc_mxn")
        clock.advance(1)
        assert await api.available_books() == ["btc_mxn", "usd_mxn"]
    assert (t.bid, t.ask) == (Decimal("1150310"), Decimal("1152580"))
    assert [r.path for r in rest_server.requests] == ["/v3/ticker/", "/v3/available_books/"]


def _json(obj: object) -> str:
    import json

    return json.dumps(obj)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(RATE_LIMITED, status=420), RateLimitedError),
        (Reply(RATE_LIMITED, status=200), RateLimitedError),  # the body decides first
        (Reply(error_body("0802", "Too many attempts")), RateLimitedError),  # throttling too
        (Reply("Too Many Requests", status=429, content_type="text/plain"), RateLimitedError),
        (Reply(HTML_PAGE, status=503, content_type="text/html"), ExchangeUnavailable),
        (Reply(HTML_PAGE, status=200, content_type="text/html"), ExchangeUnavailable),
        (Reply("", status=502, content_type="text/plain"), ExchangeUnavailable),
        (Reply(error_body("0101", "Unknown error"), status=500), ExchangeUnavailable),
        (Reply(error_body("0301", "Unknown OrderBook"), status=400), ApiError),
        (Reply('{"bids": []}', status=200), PayloadError),
        (Reply('{"success": true, "payload": {"bids": "x", "asks": []}}'), PayloadError),
    ],
)
async def test_answers_map_to_the_error_tree(
    rest_server: ScriptedRest, reply: Reply, error: type[Exception]
) -> None:
    rest_server.script.append(reply)
    async with client(rest_server.url, FakeClock()) as api:
        with pytest.raises(error) as info:
            await api.order_book("btc_mxn")
    assert type(info.value) is error
    outcome = {RateLimitedError: "rate_limited", ExchangeUnavailable: "unavailable"}.get(
        error, "error"
    )
    assert api.stats.rest_requests == {f"order_book:{outcome}": 1}


async def test_unknown_book_is_not_retryable(rest_server: ScriptedRest) -> None:
    rest_server.script.append(Reply(error_body("0301", "Unknown OrderBook"), status=400))
    async with client(rest_server.url, FakeClock()) as api:
        with pytest.raises(ApiError) as info:
            await api.order_book("doge_mxn")
    assert info.value.context["code"] == "0301" and not isinstance(info.value, Transient)


async def test_rate_limit_answer_stops_every_call_for_the_lockout(
    rest_server: ScriptedRest,
) -> None:
    rest_server.script.append(Reply(RATE_LIMITED, status=420))
    clock = FakeClock(start=5_000.0)
    async with client(rest_server.url, clock) as api:
        with pytest.raises(RateLimitedError):
            await api.order_book("btc_mxn")
        assert api.bucket.lockout.until() == pytest.approx(5_060.0)
        for endpoint in (api.order_book("btc_mxn"), api.ticker("usd_mxn"), api.available_books()):
            with pytest.raises(BudgetExhausted) as info:
                await endpoint
            assert info.value.context["reason"] == "lockout"
        clock.advance(59.9)
        with pytest.raises(BudgetExhausted):
            await api.order_book("btc_mxn")
        assert len(rest_server.requests) == 1  # nothing left the process during the lockout
        clock.advance(0.1)
        await api.order_book("btc_mxn")
    assert len(rest_server.requests) == 2
    assert api.stats.rest_lockouts == 1
    assert api.stats.rest_requests == {"order_book:rate_limited": 1, "order_book:ok": 1}


async def test_an_empty_bucket_sends_nothing(rest_server: ScriptedRest) -> None:
    clock = FakeClock()
    async with client(rest_server.url, clock, rate=60) as api:
        await api.order_book("btc_mxn")
        with pytest.raises(BudgetExhausted) as info:
            await api.order_book("usd_mxn")
        assert info.value.context["retry_after"] == pytest.approx(61 / 60)  # 1 s safety a minute
        assert isinstance(info.value, Transient)
        clock.advance(61 / 60)
        await api.order_book("usd_mxn")
    assert [r.query["book"] for r in rest_server.requests] == ["btc_mxn", "usd_mxn"]


async def test_a_slow_answer_times_out_as_unavailable(rest_server: ScriptedRest) -> None:
    rest_server.script.append(Reply(order_book_body("btc_mxn", "1", "2"), delay=1.0))
    async with client(rest_server.url, FakeClock(), timeout=0.2) as api:
        with pytest.raises(ExchangeUnavailable, match="timed out"):
            await api.order_book("btc_mxn")
    assert api.stats.rest_requests == {"order_book:unavailable": 1}


async def test_a_refused_connection_is_unavailable() -> None:
    async with client(f"http://127.0.0.1:{free_port()}/v3", FakeClock()) as api:
        with pytest.raises(ExchangeUnavailable):
            await api.order_book("btc_mxn")


async def test_a_shared_http_client_is_left_open(rest_server: ScriptedRest) -> None:
    async with httpx.AsyncClient() as shared:
        clock = FakeClock()
        api = BitsoRest(
            rest_server.url + "/",
            bucket=TokenBucket(600, clock),
            clock=clock,
            timeout=1.0,
            lockout_seconds=1.0,
            client=shared,
        )
        await api.order_book("btc_mxn", aggregate=False)
        await api.aclose()
        assert not shared.is_closed
    assert rest_server.requests[0].path == "/v3/order_book/"
    assert rest_server.requests[0].query["aggregate"] == "false"


async def test_available_books_of_the_wrong_shape_are_a_payload_error(
    rest_server: ScriptedRest,
) -> None:
    rest_server.script.append(Reply('{"success": true, "payload": [{"name": "btc_mxn"}]}'))
    async with client(rest_server.url, FakeClock()) as api:
        with pytest.raises(PayloadError):
            await api.available_books()
    assert api.stats.rest_requests == {"available_books:error": 1}
