"""Bitso public REST client: every call passes the shared budget, answers become typed objects.

Body first, HTTP status as fallback (the official clients trust ``success``); timeouts, 5xx and
HTML pages are ``ExchangeUnavailable``; a rate-limit answer stops every REST call for the lockout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import httpx

from bitsodata.clock import Clock
from bitsodata.domain.book import OrderBook
from bitsodata.errors import (
    ApiError,
    BudgetExhausted,
    ExchangeError,
    ExchangeUnavailable,
    PayloadError,
    RateLimitedError,
)
from bitsodata.exchange.parse import (
    RATE_LIMIT_STATUSES,
    Ticker,
    loads,
    parse_available_books,
    parse_order_book,
    parse_ticker,
    unwrap,
)
from bitsodata.exchange.ratelimit import TokenBucket
from bitsodata.exchange.stats import FeedStats
from bitsodata.logs import event

log = logging.getLogger(__name__)
T = TypeVar("T")


def _snippet(content: bytes) -> str:
    return content[:80].decode("utf-8", "replace")


def interpret(status: int, content: bytes) -> Any:
    """The payload of one HTTP answer, or the matching exchange error raised."""
    try:
        body = loads(content)
    except PayloadError:
        if status in RATE_LIMIT_STATUSES:
            raise RateLimitedError("rate limited", code="0801", status=status) from None
        if status >= 400 or content.lstrip()[:1] == b"<":
            raise ExchangeUnavailable(
                "non-JSON answer", status=status, snippet=_snippet(content)
            ) from None
        raise
    try:
        return unwrap(body, status=status)
    except RateLimitedError:
        raise
    except ApiError as exc:
        if status >= 500:
            raise ExchangeUnavailable(
                exc.message, code=exc.context.get("code"), status=status
            ) from exc
        raise
    except PayloadError:
        if status in RATE_LIMIT_STATUSES:
            raise RateLimitedError("rate limited", code="0801", status=status) from None
        if status >= 500:
            raise ExchangeUnavailable("server error", status=status) from None
        raise


class BitsoRest:
    """Public market-data endpoints under one base URL (host + version prefix, e.g. ``…/v3``)."""

    def __init__(
        self,
        base_url: str,
        *,
        bucket: TokenBucket,
        clock: Clock,
        timeout: float = 5.0,
        lockout_seconds: float = 60.0,
        client: httpx.AsyncClient | None = None,
        stats: FeedStats | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.bucket = bucket
        self.clock = clock
        self.timeout = timeout
        self.lockout_seconds = lockout_seconds
        self.stats = stats if stats is not None else FeedStats()
        self._own_client = client is None
        self._client = client if client is not None else httpx.AsyncClient()

    async def __aenter__(self) -> BitsoRest:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._own_client:
            await self._client.aclose()

    async def order_book(self, book: str, aggregate: bool = True) -> OrderBook:
        """``GET order_book/?book=…&aggregate=…`` as a typed book."""
        params = {"book": book, "aggregate": "true" if aggregate else "false"}
        return await self._call("order_book", params, lambda p: parse_order_book(p, book))

    async def ticker(self, book: str) -> Ticker:
        """``GET ticker/?book=…``."""
        return await self._call("ticker", {"book": book}, parse_ticker)

    async def available_books(self) -> list[str]:
        """``GET available_books/``: the book ids."""
        return await self._call("available_books", {}, parse_available_books)

    def _admit(self, endpoint: str) -> None:
        locked = self.bucket.lockout.remaining()
        if locked > 0:
            raise BudgetExhausted(
                "REST lockout in force", reason="lockout", retry_after=locked, endpoint=endpoint
            )
        if not self.bucket.try_acquire():
            raise BudgetExhausted(
                "REST budget spent",
                reason="bucket",
                retry_after=self.bucket.seconds_until_available(),
                endpoint=endpoint,
            )

    async def _send(self, endpoint: str, params: dict[str, str]) -> httpx.Response:
        url = f"{self.base_url}/{endpoint}/"
        try:
            return await self._client.get(url, params=params, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise ExchangeUnavailable("request timed out", endpoint=endpoint) from exc
        except httpx.HTTPError as exc:
            raise ExchangeUnavailable(
                f"request failed: {type(exc).__name__}", endpoint=endpoint
            ) from exc

    async def _call(self, endpoint: str, params: dict[str, str], parse: Callable[[Any], T]) -> T:
        self._admit(endpoint)  # raises before anything is sent
        try:
            response = await self._send(endpoint, params)
            result = parse(interpret(response.status_code, response.content))
        except RateLimitedError as exc:
            self.stats.count_rest(endpoint, "rate_limited")
            self._lock_out(endpoint, exc)
            raise
        except ExchangeUnavailable:
            self.stats.count_rest(endpoint, "unavailable")
            raise
        except ExchangeError:
            self.stats.count_rest(endpoint, "error")
            raise
        self.stats.count_rest(endpoint, "ok")
        return result

    def _lock_out(self, endpoint: str, exc: RateLimitedError) -> None:
        self.bucket.lock_out(self.lockout_seconds)
        self.stats.rest_lockouts += 1
        event(
            log,
            "rest_lockout",
            logging.WARNING,
            endpoint=endpoint,
            status=getattr(exc, "status", None),
            seconds=self.lockout_seconds,
        )
