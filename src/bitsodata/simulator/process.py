"""Run ``bitsodata simulate exchange`` as a child process and read the endpoints it announces.

For scripts that need a real exchange process (the demo, the benchmarks); tests use the in-process
fixture in ``tests/fakes/exchange.py`` instead.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

_ANNOUNCE = re.compile(r"(REST|WS) (\S+)")


def spawn_exchange(
    options: Sequence[str],
    *,
    timeout: float = 60.0,
    echo: Callable[[str], None] | None = None,
) -> tuple[subprocess.Popen[str], str, str]:
    """Start the simulator with ``options`` (after ``simulate exchange``) and wait for its
    ``REST <url>`` and ``WS <url>`` lines; returns (process, REST base URL, WebSocket URL).

    ``echo`` sees every line read meanwhile. The process is killed if it does not announce both
    endpoints within ``timeout`` seconds.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "bitsodata", "simulate", "exchange", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    urls: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(urls) < 2:
        line = proc.stdout.readline()
        if not line:
            break  # the process ended
        if echo is not None:
            echo(line.rstrip())
        if match := _ANNOUNCE.match(line):
            urls[match.group(1)] = match.group(2)
    if len(urls) < 2:
        proc.kill()
        proc.wait()
        raise RuntimeError("the simulated exchange did not announce its endpoints")
    return proc, urls["REST"], urls["WS"]
