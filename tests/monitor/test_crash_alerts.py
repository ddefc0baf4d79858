"""kill -9 of the real collector at many points of its tick: no alert event is lost or orphaned.

The collector runs as a subprocess against the simulator with a webhook to a loopback receiver.
A wide-spread episode fires a rule; the first process dies by SIGKILL at a named step
(``_BITSODATA_CRASH_AT``, see ``bitsodata.crashpoints``) or at a plain delay; a second process
runs on the same journal and outbox until the episode is over and its RESOLVED delivered.
Then: every RESOLVED the receiver got came after its FIRING, and the spread events delivered (or
still waiting in the outbox) are exactly those a replay of the rules over the lake's rows gives.
A few seconds each, with 1-second windows.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bitsodata.alerts.engine import AlertEngine
from bitsodata.alerts.rules import parse_rules
from bitsodata.lake.layout import parse_window_key
from bitsodata.lake.storage import LocalStorage
from bitsodata.lake.windowfile import decode_window
from bitsodata.simulator import Fault
from tests.fakes.exchange import RunningExchange, make_exchange  # noqa: F401

pytestmark = pytest.mark.slow
WS = 1
RULES = (
    '[[rule]]\nname = "wide"\nbook = "btc_mxn"\nabove = 0.9\nclear_below = 0.7\n'
    'severity = "critical"\n'
)


class Receiver(ThreadingHTTPServer):
    """A webhook endpoint on loopback that keeps every body, in arrival order."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def spread(self) -> list[dict[str, Any]]:
        with self.lock:
            return [b for b in self.bodies if b["kind"] == "spread"]


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.bodies.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def start(
    ex: RunningExchange, work: Path, hook: str, crash_at: str | None
) -> subprocess.Popen[str]:
    (work / "rules.toml").write_text(RULES)
    args = [
        sys.executable, "-m", "bitsodata", "spread", "collect", "--books", "btc_mxn,usd_mxn",
        "--lake", str(work / "lake"), "--window-seconds", str(WS),
        "--journal-dir", str(work / "journal"), "--alerts", str(work / "rules.toml"),
        "--exchange-url", ex.rest_url, "--ws-url", ex.ws_url,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BITSODATA_", "_BITSODATA"))}
    env |= {
        "BITSODATA_ALERTS__WEBHOOK_URL": hook,
        "BITSODATA_ALERTS__OUTBOX_DIR": str(work / "outbox"),
        "BITSODATA_ALERTS__WEBHOOK_MAX_BACKOFF_SECONDS": "0.5",
        "BITSODATA_LOGGING__FORMAT": "console",
    }
    if crash_at is not None:
        env["_BITSODATA_CRASH_AT"] = crash_at
    return subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
    )


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _interesting(log: str) -> str:
    words = ("alert", "collector_", "replayed", "error", "Error", "failed")
    return "\n".join(line for line in log.splitlines() if any(w in line for w in words))[-8000:]


def lake_replay(work: Path) -> tuple[set[str], int]:
    """Spread event keys a crash-free engine derives from the lake's rows, and the lake's end."""
    storage = LocalStorage(work / "lake")
    rows = []
    for key in storage.list("spreads/"):
        rows += decode_window(storage.get(key), parse_window_key(key)[2])
    engine = AlertEngine(parse_rules(RULES))
    keys = set()
    for row in sorted(rows, key=lambda r: (r.tick, r.book)):
        keys |= {e.key for e in engine.observe(row)}
    return keys, max(r.tick for r in rows) + 1


def outbox_keys(work: Path) -> set[str]:
    return {json.loads(p.read_bytes())["key"] for p in (work / "outbox").glob("0*.json")}


@pytest.mark.parametrize(
    "crash_at",
    [
        "alert_events",  # rows journaled, the FIRING not yet handed to the outbox
        "outbox_saved",  # the FIRING file saved, its key not yet in the outbox ledger
        "alert_state_saved@3",  # a window's alert state saved, its journal segment not dropped
        "window_dropped@3",  # a window left the journal while the alert fires
        "delay:2.7",  # a plain kill -9 at some point of a second
    ],
)
def test_kill_9_at_any_step_loses_no_alert_event(
    make_exchange: Callable[..., RunningExchange],  # noqa: F811
    receiver: Receiver,
    tmp_path: Path,
    crash_at: str,
) -> None:
    ex = make_exchange(faults=(Fault("wide_spread", "btc_mxn"),))
    delay = float(crash_at.removeprefix("delay:")) if crash_at.startswith("delay:") else None
    first = start(ex, tmp_path, receiver.url, None if delay else crash_at)
    if delay is not None:
        time.sleep(delay)
        first.send_signal(signal.SIGKILL)
    first.wait(timeout=20)
    assert first.returncode == -signal.SIGKILL, first.stderr.read() if first.stderr else ""
    second = start(ex, tmp_path, receiver.url, None)

    def fired() -> bool:
        return any(b["state"] == "FIRING" for b in receiver.spread())

    def resolved() -> bool:
        return any(b["state"] == "RESOLVED" for b in receiver.spread())

    try:
        wait_for(fired, 20, "the FIRING of the wide-spread alert")
        time.sleep(1.0)  # still wide for a while after the restart
        ex.control.clear("wide_spread")
        wait_for(resolved, 20, "the RESOLVED of the wide-spread alert")
    except AssertionError:
        second.kill()
        err = second.communicate()[1]
        first_err = first.stderr.read() if first.stderr else ""
        print("received:", [b["key"] for b in receiver.bodies])  # shown by pytest on failure
        print("outbox:", sorted(p.name for p in (tmp_path / "outbox").iterdir()))
        print("first:", first_err[-3000:], "second:", _interesting(err))
        raise
    time.sleep(WS + 0.5)  # the window holding the RESOLVED reaches the lake
    second.send_signal(signal.SIGTERM)
    _out, err = second.communicate(timeout=20)
    assert second.returncode == 0, err[-3000:]

    received = receiver.spread()
    opened: set[tuple[str, str, str]] = set()
    for body in received:
        ident = (body["rule"], body["book"], body["since"])
        if body["state"] == "FIRING":
            opened.add(ident)
        else:
            assert ident in opened, f"RESOLVED without its FIRING: {body['key']}"
    expected, lake_end = lake_replay(tmp_path)
    got = {b["key"] for b in received} | outbox_keys(tmp_path)
    in_lake = {k for k in got if int(k.rsplit(":", 1)[1]) < lake_end}
    assert expected and in_lake == expected
    assert [b["state"] for b in received] == ["FIRING", "RESOLVED"]  # once each
