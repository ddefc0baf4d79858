"""The REST half: ``available_books``, ``catalogues``, ``ticker``, ``order_book``, ``trades`` and
``ohlc`` under ``/v3`` and ``/api/v3`` (trailing slash optional), behind the per-IP rate limit and
the REST faults. Any other path or method gets Bitso's error envelope and counts against the limit.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

from aiohttp import web

from bitsodata.simulator import catalogue, stats, views
from bitsodata.simulator.engine import BookState, Exchange
from bitsodata.simulator.faults import FaultSet
from bitsodata.simulator.ratelimit import RateLimiter
from bitsodata.simulator.tape import KEPT_MS

ENDPOINTS = ("available_books", "catalogues", "ticker", "order_book", "trades", "ohlc")
PREFIXES = ("/v3", "/api/v3")
UNMETERED = ("/_control",)
"""Paths outside Bitso's API: never limited, never counted."""
NOT_FOUND = ("1401", "Resource not found", 404)
BAD_METHOD = ("0901", "Unsupported HTTP method", 400)
RATE_LIMIT_MESSAGE = "You have hit the request rate-limit"
BLOCKED_MESSAGE = "Blocked after repeated rate-limit lockouts"
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>Access denied | api.bitso.com used Cloudflare to restrict "
    "access</title></head><body><h1>Error 1020</h1><p>Access denied</p></body></html>"
)


def envelope(payload: Any, *, payload_first: bool = False) -> dict[str, Any]:
    if payload_first:
        return {"payload": payload, "success": True}
    return {"success": True, "payload": payload}


class RestApi:
    """Handlers and middleware of the REST endpoints; ``counts`` records every request."""

    def __init__(
        self,
        exchange: Exchange,
        faults: FaultSet,
        limiter: RateLimiter,
        *,
        limit_status: int,
        trust_forwarded_for: bool = False,
        ws_paths: tuple[str, ...] = (),
    ) -> None:
        self.exchange = exchange
        self.faults = faults
        self.limiter = limiter
        self.limit_status = limit_status
        self.trust_forwarded_for = trust_forwarded_for
        self.ws_paths = ws_paths
        """Paths where a WebSocket upgrade goes to the hub unmetered (real Bitso's socket lives on
        its own host); anything else sent there is an ordinary REST request."""
        self.counts: Counter[tuple[str, str]] = Counter()
        """(raw path, canonical ``/v3/<endpoint>`` or the raw path of an unknown one) -> number of
        requests received."""

    def install(self, app: web.Application) -> None:
        handlers = {
            "available_books": self.available_books,
            "catalogues": self.catalogues,
            "ticker": self.ticker,
            "order_book": self.order_book,
            "trades": self.trades,
            "ohlc": self.ohlc,
        }
        for name, handler in handlers.items():
            for prefix in PREFIXES:
                app.router.add_get(f"{prefix}/{name}", handler)
                app.router.add_get(f"{prefix}/{name}/", handler)
        app.middlewares.append(self.middleware)

    def request_count(self, path_prefix: str | None = None) -> int:
        """Requests whose raw path or canonical ``/v3/<endpoint>`` path starts with the prefix."""
        return sum(
            n
            for (raw, canonical), n in self.counts.items()
            if path_prefix is None
            or raw.startswith(path_prefix)
            or canonical.startswith(path_prefix)
        )

    # -- cross-cutting -----------------------------------------------------------------------
    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith(UNMETERED) or self._upgrade(request):
            result: web.StreamResponse = await handler(request)
            return result
        endpoint = _endpoint(request.path)
        self.counts[(request.path, f"/v3/{endpoint}" if endpoint else request.path)] += 1
        book = request.query.get("book")
        if (delay := self.faults.hits("latency", book)) is not None:
            await asyncio.sleep(delay.value if delay.value is not None else 2.0)
        ip = self._client_ip(request)
        if self.limiter.locked_until(ip) is None and self.faults.hits("rate_limit", book):
            self.limiter.lock(ip)
        if not self.limiter.allow(ip):
            message = BLOCKED_MESSAGE if self.limiter.blocked(ip) else RATE_LIMIT_MESSAGE
            return self.error("0801", message, self.limit_status, book)
        if (fault := self.faults.hits("http_5xx", book)) is not None:
            status = int(fault.value or 500)
            return self.error("0101", "Unknown error", status, book)
        if (fault := self.faults.hits("html_error", book)) is not None:
            status = int(fault.value or 403)
            return web.Response(status=status, text=HTML_PAGE, content_type="text/html")
        if (unrouted := self._unrouted(request)) is not None:
            return self.error(*unrouted, book)
        response: web.StreamResponse = await handler(request)
        if isinstance(response, web.Response) and self.faults.hits("malformed_json", book):
            body = response.text or ""
            return web.Response(
                text=body[: max(1, len(body) // 2)], content_type="application/json"
            )
        return response

    def _upgrade(self, request: web.Request) -> bool:
        return (
            request.path in self.ws_paths
            and request.headers.get("Upgrade", "").lower() == "websocket"
        )

    def _unrouted(self, request: web.Request) -> tuple[str, str, int] | None:
        """Bitso's answer to a path it does not serve or a method it does not take."""
        exception = request.match_info.http_exception
        if request.path in self.ws_paths or isinstance(exception, web.HTTPNotFound):
            return NOT_FOUND
        if exception is not None:
            return BAD_METHOD
        return None

    def _client_ip(self, request: web.Request) -> str:
        forwarded = request.headers.get("X-Forwarded-For")
        if self.trust_forwarded_for and forwarded:
            return forwarded.split(",")[0].strip()
        return request.remote or "unknown"

    def error(self, code: str, message: str, status: int, book: str | None) -> web.Response:
        wire_code: str | int = int(code) if self.faults.on("hostile", book) else code
        body = {"success": False, "error": {"code": wire_code, "message": message}}
        return web.json_response(body, status=status)

    def _book(self, request: web.Request, *, required: bool) -> BookState | web.Response | None:
        book = request.query.get("book")
        if book is None:
            if required:
                return self.error("0303", "Required field missing: book", 400, None)
            return None
        state = self.exchange.books.get(book)
        if state is None:
            return self.error("0301", "Unknown OrderBook", 400, book)
        return state

    # -- endpoints ---------------------------------------------------------------------------
    async def available_books(self, request: web.Request) -> web.Response:
        payload = [catalogue.available_book(s) for s in self.exchange.books.values()]
        return _json(envelope(payload, payload_first=True))

    async def catalogues(self, request: web.Request) -> web.Response:
        return _json(envelope(catalogue.catalogues(list(self.exchange.books.values()))))

    async def ticker(self, request: web.Request) -> web.Response:
        found = self._book(request, required=False)
        if isinstance(found, web.Response):
            return found
        if found is None:
            payload: Any = [stats.ticker(self.exchange, s) for s in self.exchange.books.values()]
        else:
            payload = stats.ticker(self.exchange, found)
        return _json(envelope(payload))

    async def order_book(self, request: web.Request) -> web.Response:
        found = self._book(request, required=True)
        if not isinstance(found, BookState):
            assert found is not None
            return found
        flag = request.query.get("aggregate", "true").lower()
        if flag not in ("true", "false"):
            return self.error("0304", "Invalid field: aggregate", 400, found.name)
        payload = views.order_book(found, self.faults, aggregate=flag == "true")
        return _json(envelope(payload))

    async def trades(self, request: web.Request) -> web.Response:
        found = self._book(request, required=True)
        if not isinstance(found, BookState):
            assert found is not None
            return found
        query = request.query
        sort = query.get("sort", "desc").lower()
        try:
            limit = int(query.get("limit", "25"))
            marker = int(query["marker"]) if "marker" in query else None
        except ValueError:
            return self.error("0320", "Invalid pagination parameters", 400, found.name)
        if sort not in ("asc", "desc") or not 1 <= limit <= 100:
            return self.error("0320", "Invalid pagination parameters", 400, found.name)
        rows = views.trades(self.exchange, found, marker=marker, sort=sort, limit=limit)
        return _json(envelope(rows))

    async def ohlc(self, request: web.Request) -> web.Response:
        found = self._book(request, required=True)
        if not isinstance(found, BookState):
            assert found is not None
            return found
        query = request.query
        now = self.exchange.now_ms()
        bucket = query.get("time_bucket", "")
        if not bucket.isdigit() or int(bucket) not in stats.BUCKETS:
            return self.error(
                "0304", f"The field time_bucket ({bucket}) is either invalid or missing", 400, None
            )
        bounds: list[int] = []
        for name, default in (("start", now - KEPT_MS), ("end", now)):
            value = query.get(name, str(default))
            if not value.isdigit():
                return self.error("0304", f"The field {name} ({value}) is invalid", 400, None)
            bounds.append(int(value))
        rows = stats.ohlc(found, int(bucket), bounds[0], bounds[1])
        return _json(envelope(rows))


def _endpoint(path: str) -> str | None:
    for prefix in PREFIXES:
        if path.startswith(prefix + "/"):
            name = path[len(prefix) + 1 :].rstrip("/")
            if name in ENDPOINTS:
                return name
    return None


def _json(body: dict[str, Any]) -> web.Response:
    return web.Response(text=json.dumps(body), content_type="application/json")
