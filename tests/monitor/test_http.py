"""The metrics/health server: loopback unless told otherwise, a clear error for a taken port."""

from __future__ import annotations

import socket

import pytest
from prometheus_client import CollectorRegistry

from bitsodata.errors import ConfigError
from bitsodata.monitor.http import MetricsServer
from bitsodata.monitor.metrics import Health


def _healthy() -> Health:
    return Health(ok=True)


async def test_it_listens_on_loopback_by_default() -> None:
    server = MetricsServer(CollectorRegistry(), _healthy, port=0)
    await server.start()
    try:
        assert server.port
        with pytest.raises(OSError):  # not reachable through another interface's address
            _connect_from_outside(server.port)
        with socket.create_connection(("127.0.0.1", server.port), timeout=5):
            pass
    finally:
        await server.stop()


def _connect_from_outside(port: int) -> None:
    address = _non_loopback_address()
    if address is None:
        raise OSError("no other interface: nothing can reach the port from outside anyway")
    socket.create_connection((address, port), timeout=2).close()


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


async def test_a_taken_port_is_a_config_error_that_names_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = MetricsServer(CollectorRegistry(), _healthy, port=port)
        with pytest.raises(ConfigError, match=f"127.0.0.1:{port}: the port is already in use"):
            await server.start()
