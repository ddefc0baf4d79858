"""``/metrics`` (Prometheus text) and ``/healthz`` (200, or 503 with reasons) via aiohttp."""

from __future__ import annotations

import errno
import json
import os

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from bitsodata.errors import ConfigError
from bitsodata.monitor.metrics import HealthProbe

LOOPBACK = "127.0.0.1"


class MetricsServer:
    """Serves the registry and the health probe on ``host:port`` (port 0 picks a free one).

    Loopback unless told otherwise: the metrics and health answers are for this machine's
    scraper or service manager; another interface is a deliberate setting
    (``monitor.metrics_host``).
    """

    def __init__(
        self, registry: CollectorRegistry, health: HealthProbe, *, host: str = LOOPBACK, port: int
    ) -> None:
        self._registry = registry
        self._health = health
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        """Bind and serve in the running event loop."""
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        try:
            await site.start()
        except (OSError, OverflowError) as exc:
            await self._runner.cleanup()
            self._runner = None
            raise ConfigError(self._bind_failure(exc)) from None
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self._port

    def _bind_failure(self, exc: Exception) -> str:
        where = f"{self._host}:{self._port}"
        if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
            return f"cannot serve metrics on {where}: the port is already in use"
        if isinstance(exc, OSError) and exc.errno:
            return f"cannot serve metrics on {where}: {os.strerror(exc.errno).lower()}"
        return f"cannot serve metrics on {where}: not a valid address or port"

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(self._registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, _request: web.Request) -> web.Response:
        verdict = self._health()
        body = {"status": "ok" if verdict.ok else "unhealthy", "reasons": list(verdict.reasons)}
        return web.Response(
            text=json.dumps(body),
            status=200 if verdict.ok else 503,
            content_type="application/json",
        )
