"""Loopback servers for the exchange tests (started per test, closed afterwards)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tests.exchange.servers import Script, ScriptedRest, ScriptedWs
from tests.fakes.exchange import make_exchange  # noqa: F401  (the simulator fixture)


@pytest.fixture
async def rest_server() -> AsyncIterator[ScriptedRest]:
    server = ScriptedRest()
    await server.start()
    yield server
    await server.close()


WsFactory = Callable[..., Awaitable[ScriptedWs]]


@pytest.fixture
async def ws_server() -> AsyncIterator[WsFactory]:
    started: list[ScriptedWs] = []

    async def start(*scripts: Script, books: int = 2) -> ScriptedWs:
        server = ScriptedWs(list(scripts), books=books)
        await server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.close()
