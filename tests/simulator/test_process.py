"""Scripts start the simulator as a child process and learn its endpoints from its first lines."""

from __future__ import annotations

import httpx
import pytest

from bitsodata.simulator.process import spawn_exchange


def test_the_announced_endpoints_serve_the_api() -> None:
    proc, rest, ws = spawn_exchange(["--port", "0", "--seed", "1"], timeout=30)
    try:
        assert ws.startswith("ws://127.0.0.1:")
        body = httpx.get(f"{rest}/ticker/?book=usd_mxn", timeout=5).json()
        assert body["success"] is True and body["payload"]["book"] == "usd_mxn"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_process_that_never_announces_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="did not announce"):
        spawn_exchange(["--no-such-option"], timeout=30)
