"""Assemble and run the simulated exchange: one aiohttp server for REST, WebSocket and control.

``SimulatorServer(config).start()`` binds (``port=0`` picks a free one) and starts the market clock;
``rest_url``/``ws_url`` then say where clients connect; ``stop()`` shuts everything down.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from decimal import Decimal

from aiohttp import web

from bitsodata.clock import Clock, SystemClock
from bitsodata.simulator import replay
from bitsodata.simulator.config import SimConfig
from bitsodata.simulator.control import ControlApi
from bitsodata.simulator.engine import Exchange
from bitsodata.simulator.faults import FaultSet
from bitsodata.simulator.market import Driver
from bitsodata.simulator.ratelimit import RateLimiter
from bitsodata.simulator.rest import RestApi
from bitsodata.simulator.specs import BookSpec, spec_for, validate_book
from bitsodata.simulator.ws import WsHub

TICK_SECONDS = 0.02
"""How often the market clock is checked; due events are applied in order, batched per tick."""


def build_exchange(config: SimConfig, faults: FaultSet, clock: Clock) -> Exchange:
    """The exchange for a config: synthetic books, plus replayed ones when files are given."""
    drivers: dict[str, Driver] = {}
    specs: dict[str, BookSpec] = {}
    books = [validate_book(b) for b in config.books]
    books += [f"sim{i:03d}_mxn" for i in range(1, config.extra_books + 1)]
    if config.replay:
        recorded = replay.load(config.replay)
        origin = min(rows[0].at for rows in recorded.values())
        for book, rows in recorded.items():
            spec = spec_for(book)
            specs[book] = spec = spec.with_tick(min(spec.tick, replay.finest_tick(rows)))
            drivers[book] = replay.ReplayDriver(rows, origin, spec.tick, loop=config.replay_loop)
            if book not in books:
                books.append(book)
    start = config.start_epoch if config.start_epoch is not None else clock.now()
    return Exchange(
        tuple(books),
        seed=config.seed,
        faults=faults,
        start_ms=int(Decimal(repr(start)) * 1000),
        update_rate=config.update_rate,
        drivers=drivers,
        specs=specs,
    )


class SimulatorServer:
    """The whole simulator in one object; usable in-process from tests."""

    def __init__(
        self,
        config: SimConfig,
        *,
        clock: Clock | None = None,
        autorun: bool = True,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.autorun = autorun
        self.faults = FaultSet(config.faults, seed=config.seed)
        self.ws_paths = tuple(dict.fromkeys(("/", config.ws_path)))
        """Where the WebSocket answers: the root of the host, as on Bitso, and ``ws_path``."""
        self.exchange = build_exchange(config, self.faults, self.clock)
        limiter = RateLimiter(
            config.rate_limit,
            window=config.rate_limit_window,
            lockout=config.lockout_seconds,
            clock=self.clock,
            block_after=config.block_after,
            block_seconds=config.block_seconds,
        )
        self.rest = RestApi(
            self.exchange,
            self.faults,
            limiter,
            limit_status=config.rate_limit_status,
            trust_forwarded_for=config.trust_forwarded_for,
            ws_paths=self.ws_paths,
        )
        self.hub = WsHub(self.exchange, self.faults, ka_interval=config.ka_interval)
        self.app = web.Application()
        self.rest.install(self.app)
        ControlApi(self.exchange, self.faults, self.rest, self.hub).install(self.app)
        for path in self.ws_paths:
            self.app.router.add_get(path, self.hub.handle)
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self.port = config.port
        """The bound port once started (``port=0`` picks one); the configured one before."""

    @property
    def _netloc(self) -> str:
        host = self.config.host
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"  # IPv6 literal

    @property
    def base_url(self) -> str:
        return f"http://{self._netloc}"

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/v3"

    @property
    def ws_url(self) -> str:
        return f"ws://{self._netloc}{self.config.ws_path}"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/_control"

    async def start(self) -> None:
        self._runner = web.AppRunner(
            self.app, handle_signals=False, access_log=None, shutdown_timeout=2.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])
        if self.autorun:
            self._ticker = asyncio.create_task(self._run_market())

    async def _run_market(self) -> None:
        """Market time = wall time since start times ``speed``; events fire when due."""
        started = time.monotonic()
        while True:
            self.exchange.advance_to((time.monotonic() - started) * self.config.speed)
            await asyncio.sleep(TICK_SECONDS)

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self.hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def serve(
    config: SimConfig, stop: asyncio.Event, on_ready: Callable[[SimulatorServer], None]
) -> None:
    """Run until ``stop`` is set; ``on_ready`` is called once the ports are bound."""
    server = SimulatorServer(config)
    await server.start()
    try:
        on_ready(server)
        await stop.wait()
    finally:
        await server.stop()
