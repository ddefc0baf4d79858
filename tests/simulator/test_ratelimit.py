"""Bitso's public limit: 60 requests a minute per IP, then 420 + 0801 and a one-minute lockout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bitsodata.clock import FakeClock
from bitsodata.simulator.ratelimit import RateLimiter
from tests.fakes.exchange import RunningExchange
from tests.simulator import contract

Make = Callable[..., RunningExchange]


def ticker(ex: RunningExchange, client: httpx.Client, ip: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": ip} if ip else {}
    return client.get(f"{ex.rest_url}/ticker/?book=btc_mxn", headers=headers)


def test_the_61st_request_in_a_minute_is_refused_for_a_minute(make_exchange: Make) -> None:
    clock = FakeClock()
    ex = make_exchange(clock=clock)
    with httpx.Client() as client:
        statuses = [ticker(ex, client).status_code for _ in range(60)]
        assert statuses == [200] * 60
        refused = ticker(ex, client)
        assert refused.status_code == 420
        contract.check_error(refused.json(), "0801")
        clock.advance(59)
        assert ticker(ex, client).status_code == 420, "still locked out after 59 s"
        clock.advance(1.5)
        assert ticker(ex, client).status_code == 200, "served again after the lockout"
    assert ex.request_count("/v3/ticker") == 63


def test_a_new_window_starts_the_count_again(make_exchange: Make) -> None:
    clock = FakeClock()
    ex = make_exchange(clock=clock, rate_limit=3)
    with httpx.Client() as client:
        assert [ticker(ex, client).status_code for _ in range(3)] == [200] * 3
        clock.advance(60)
        assert [ticker(ex, client).status_code for _ in range(3)] == [200] * 3
        assert ticker(ex, client).status_code == 420


def test_status_can_be_429_and_limits_are_per_ip(make_exchange: Make) -> None:
    ex = make_exchange(
        clock=FakeClock(), rate_limit=2, rate_limit_status=429, trust_forwarded_for=True
    )
    with httpx.Client() as client:
        codes = [ticker(ex, client, "10.0.0.1").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert ticker(ex, client, "10.0.0.2").status_code == 200


@pytest.mark.parametrize("lockout", [5.0, 30.0])
def test_limiter_lockout_length_is_configurable(lockout: float) -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, window=60, lockout=lockout, clock=clock)
    assert limiter.allow("a") and not limiter.allow("a")
    clock.advance(lockout - 0.5)
    assert not limiter.allow("a")
    assert limiter.locked_until("a") is not None
    clock.advance(0.51)
    assert limiter.allow("a"), "served again once the lockout is over"
    assert limiter.lockouts == 1


def test_refused_requests_do_not_extend_the_lockout() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, window=60, lockout=60, clock=clock)
    results: list[Any] = [limiter.allow("a"), limiter.allow("a")]
    for _ in range(5):
        clock.advance(10)
        results.append(limiter.allow("a"))
    clock.advance(10.01)
    assert results == [True] + [False] * 6
    assert limiter.allow("a") is True


def test_lockouts_in_a_row_escalate_to_a_long_block() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, window=60, lockout=60, clock=clock, block_after=3, block_seconds=900)
    for n in range(1, 4):  # straight back over the limit after each lockout
        assert limiter.allow("a") and not limiter.allow("a")
        assert limiter.blocked("a") is (n == 3)
        clock.advance(60)
    assert not limiter.allow("a"), "a block outlasts a lockout"
    assert (limiter.lockouts, limiter.blocks) == (3, 1)
    clock.advance(900 - 60)
    assert limiter.allow("a") and not limiter.blocked("a")


def test_a_quiet_window_between_lockouts_resets_the_escalation() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, window=60, lockout=60, clock=clock, block_after=2)
    assert limiter.allow("a") and not limiter.allow("a")
    clock.advance(60)
    assert limiter.allow("a")  # within the limit for a whole window
    clock.advance(61)
    assert limiter.allow("a") and not limiter.allow("a")
    assert not limiter.blocked("a") and limiter.blocks == 0


def test_without_block_after_lockouts_never_escalate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, window=60, lockout=60, clock=clock)
    for _ in range(10):
        assert limiter.allow("a") and not limiter.allow("a")
        clock.advance(60)
    assert limiter.blocks == 0


def test_a_blocked_client_is_told_so_over_http(make_exchange: Make) -> None:
    clock = FakeClock()
    ex = make_exchange(clock=clock, rate_limit=1, block_after=2, block_seconds=600)
    with httpx.Client() as client:
        bodies = []
        for _ in range(2):
            assert ticker(ex, client).status_code == 200
            refused = ticker(ex, client)
            assert refused.status_code == 420
            bodies.append(refused.json())
            clock.advance(60)
        assert ticker(ex, client).status_code == 420, "blocked, not served after a minute"
        clock.advance(541)
        assert ticker(ex, client).status_code == 200
    contract.check_error(bodies[1], "0801")
    assert "rate-limit" in bodies[0]["error"]["message"]
    assert "Blocked" in bodies[1]["error"]["message"]
