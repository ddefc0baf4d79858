"""The simulated Bitso exchange as a pytest fixture, for any test that needs an exchange.

Usage: import the fixtures into your test folder's ``conftest.py`` (importing them into a test
module works too, but ruff then flags every test parameter as a redefinition, F811)::

    # tests/<yours>/conftest.py
    from tests.fakes.exchange import exchange, make_exchange  # noqa: F401

    # tests/<yours>/test_x.py
    async def test_feed(exchange):            # defaults: btc_mxn + usd_mxn, seed 1, ka every 1 s
        feed = BitsoFeed(settings(rest_url=exchange.rest_url, ws_url=exchange.ws_url), ...)
        exchange.control.set("frozen", book="btc_mxn")   # faults at run time
        assert exchange.request_count("/v3/order_book") <= 60

    def test_limits(make_exchange):           # custom options: any SimConfig field
        ex = make_exchange(rate_limit=5, lockout_seconds=0.5)

The server runs on its own event loop in a background thread, so sync tests, async tests and
subprocesses can all talk to it over 127.0.0.1; every call on the handle is thread-safe.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import replace
from typing import Any, TypeVar

import pytest

from bitsodata.clock import Clock
from bitsodata.simulator import Fault, SimConfig, SimulatorServer

T = TypeVar("T")
FIXTURE_DEFAULTS = SimConfig(ka_interval=1.0, update_rate=5.0)


class ExchangeControl:
    """Switch faults on the running simulator (names in ``bitsodata.simulator.FAULTS``)."""

    def __init__(self, handle: RunningExchange) -> None:
        self._handle = handle

    def set(
        self,
        name: str,
        book: str | None = None,
        value: float | None = None,
        chance: float | None = None,
    ) -> None:
        """Switch a fault on; ``chance`` (REST faults) hits only that share of requests."""
        fault = Fault(name, book, value, chance)
        self._handle.call(lambda: self._handle.server.faults.set(fault))

    def clear(self, name: str | None = None, book: str | None = None) -> int:
        return self._handle.call(lambda: self._handle.server.faults.clear(name, book))

    def active(self) -> list[Fault]:
        return self._handle.call(self._handle.server.faults.active)


class RunningExchange:
    """A started simulator: ``rest_url``, ``ws_url``, ``control``, ``request_count``, ``stop``."""

    def __init__(self, server: SimulatorServer) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        try:
            self.run(server.start())
        except BaseException:
            self._halt()
            raise
        self.rest_url = server.rest_url
        self.ws_url = server.ws_url
        self.control_url = server.control_url
        self.control = ExchangeControl(self)

    def run(self, coro: Any) -> Any:
        """Run a coroutine on the simulator's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the simulator's loop (its state is not shared across threads)."""
        done: Future[T] = Future()

        def run() -> None:
            try:
                done.set_result(fn())
            except BaseException as exc:
                done.set_exception(exc)

        self.loop.call_soon_threadsafe(run)
        return done.result(timeout=10)

    def request_count(self, path_prefix: str | None = None) -> int:
        """REST requests so far whose path starts with the prefix (raw, e.g. ``/api/v3/ticker/``,
        or canonical ``/v3/<endpoint>``, so ``"/v3/order_book"`` counts every spelling)."""
        return self.call(lambda: self.server.rest.request_count(path_prefix))

    def advance(self, seconds: float) -> None:
        """Move market time by hand (useful with ``autorun=False``)."""
        self.call(lambda: self.server.exchange.advance(seconds))

    def sequence(self, book: str) -> int:
        """The book's current diff-orders sequence."""
        return self.call(lambda: self.server.exchange.books[book].sequence)

    def stop(self) -> None:
        if not self.loop.is_running():
            return
        try:
            self.run(self.server.stop())
        finally:
            self._halt()

    def _halt(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


def start_exchange(
    *, clock: Clock | None = None, autorun: bool = True, **options: Any
) -> RunningExchange:
    """Start a simulator on 127.0.0.1 and a free port; ``options`` are ``SimConfig`` fields."""
    config = replace(FIXTURE_DEFAULTS, **{"host": "127.0.0.1", "port": 0, **options})
    return RunningExchange(SimulatorServer(config, clock=clock, autorun=autorun))


@pytest.fixture
def make_exchange() -> Iterator[Callable[..., RunningExchange]]:
    """A factory: ``make_exchange(rate_limit=5, faults=(Fault("frozen"),), clock=FakeClock())``."""
    started: list[RunningExchange] = []

    def make(**options: Any) -> RunningExchange:
        handle = start_exchange(**options)
        started.append(handle)
        return handle

    yield make
    for handle in started:
        handle.stop()


@pytest.fixture
def exchange(make_exchange: Callable[..., RunningExchange]) -> RunningExchange:
    """A running simulator with the default books (btc_mxn, usd_mxn), seed 1, ka every 1 s."""
    return make_exchange()
