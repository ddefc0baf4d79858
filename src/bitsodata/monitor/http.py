"""``/metrics`` (Prometheus text) and ``/healthz`` (200, or 503 with reasons) via aiohttp."""

from __future__ import annotations

import json

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from bitsodata.monitor.metrics import HealthProbe


class MetricsServer:
    """Serves the registry and the health probe on ``host:port`` (port 0 picks a free one)."""

    def __init__(
        self, registry: CollectorRegistry, health: HealthProbe, *, host: str = "0.0.0.0", port: int
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
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self._port

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
