"""Webhook outbox against a real HTTP receiver on loopback: outages, redelivery, restarts."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bitsodata.alerts.events import AlertEvent
from bitsodata.alerts.webhook import WebhookOutbox, check_webhook_url, slack_body
from bitsodata.clock import FakeClock, SystemClock
from bitsodata.errors import ConfigError
from tests.alerts.helpers import T0, Records, firing
from tests.fakes.credentials import fake_secret

SECRET = fake_secret("webhook")
"""The secret part of a webhook URL: made at run time (see tests/fakes/credentials.py)."""


class Receiver:
    """A Slack-like endpoint whose health the test controls."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, object]] = []
        self.attempts = 0
        self.status = 200
        self.url = ""
        self.clock: FakeClock | None = None
        self.stamps: list[float] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.clock is not None:
            self.stamps.append(self.clock.now())
        body = await request.json()
        assert request.headers["Idempotency-Key"] == body["key"]
        if self.status != 200:
            return web.Response(status=self.status, text="unavailable")
        self.bodies.append(body)
        return web.Response(text="ok")

    @property
    def keys(self) -> list[object]:
        return [b["key"] for b in self.bodies]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    rec.url = f"http://{host}:{port}/hook"
    yield rec
    await runner.cleanup()


def outbox(rec: Receiver, path: Path) -> WebhookOutbox:
    """Fast retries on the real clock."""
    return WebhookOutbox(
        rec.url, path, SystemClock(), min_backoff=0.01, max_backoff=0.05, idle_poll=0.05
    )


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def events(n: int, start: int = 0) -> list[AlertEvent]:
    return [firing(f"r{i}", "btc_mxn", T0 + i) for i in range(start, start + n)]


async def test_outage_then_recovery_delivers_everything_in_order(
    receiver: Receiver, tmp_path: Path
) -> None:
    box = outbox(receiver, tmp_path / "outbox")
    receiver.status = 503
    sent = events(5)
    for e in sent:
        box.publish(e)
    stop = asyncio.Event()
    task = asyncio.create_task(box.run(stop))
    await until(lambda: receiver.attempts >= 4)
    assert receiver.bodies == [] and len(box.pending()) == 5  # nothing deleted without a 2xx
    receiver.status = 200
    await until(lambda: len(receiver.bodies) == 5)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert receiver.keys == [e.key for e in sent]
    assert box.pending() == [] and box.delivered == 5 and box.failures >= 4


async def test_restart_mid_outage_loses_nothing(receiver: Receiver, tmp_path: Path) -> None:
    first = outbox(receiver, tmp_path / "outbox")
    stop = asyncio.Event()
    task = asyncio.create_task(first.run(stop))
    for e in events(3):
        first.publish(e)
    await until(lambda: len(receiver.bodies) == 3)
    receiver.status = 503
    for e in events(3, start=3):
        first.publish(e)
    await until(lambda: receiver.attempts >= 6)
    task.cancel()  # the process dies mid-outage
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(list((tmp_path / "outbox").glob("*.json"))) == 3

    second = outbox(receiver, tmp_path / "outbox")  # a new process, same outbox
    for e in events(2, start=6):
        second.publish(e)
    receiver.status = 200
    stop = asyncio.Event()
    task = asyncio.create_task(second.run(stop))
    await until(lambda: len(receiver.bodies) >= 8)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert receiver.keys == [e.key for e in events(8)]  # every alert, once, in order
    assert second.pending() == []


async def test_a_refused_alert_is_parked_and_does_not_block_the_queue(
    receiver: Receiver, tmp_path: Path
) -> None:
    box = outbox(receiver, tmp_path / "outbox")
    receiver.status = 400
    box.publish(firing("bad", "btc_mxn", T0))
    stop = asyncio.Event()
    task = asyncio.create_task(box.run(stop))
    await until(lambda: receiver.attempts == 1 and not box.pending())
    receiver.status = 200
    box.publish(firing("good", "btc_mxn", T0 + 1))
    await until(lambda: len(receiver.bodies) == 1)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert [b["rule"] for b in receiver.bodies] == ["good"]
    assert len(list((tmp_path / "outbox" / "dead").iterdir())) == 1


async def test_backoff_grows_and_is_capped(receiver: Receiver, tmp_path: Path) -> None:
    clock = FakeClock(T0)
    box = WebhookOutbox(receiver.url, tmp_path / "o", clock, min_backoff=1, max_backoff=8)
    receiver.status, receiver.clock = 503, clock
    box.publish(firing("a", "btc_mxn", T0))
    stop = asyncio.Event()
    task = asyncio.create_task(box.run(stop))
    await until(lambda: receiver.attempts >= 7)
    stop.set()
    await asyncio.wait_for(task, 2)
    waits = [b - a for a, b in itertools.pairwise(receiver.stamps)][:6]
    for wait, nominal in zip(waits, [1, 2, 4, 8, 8, 8], strict=True):
        assert nominal * 0.5 <= wait <= nominal  # exponential, jittered, capped at max_backoff


def test_slack_body_has_text_attachments_and_every_event_field() -> None:
    event = AlertEvent(
        "spread",
        "wide",
        "btc_mxn",
        "FIRING",
        Decimal("0.61234"),
        Decimal("0.5"),
        T0,
        T0 - 3,
        "critical",
        "btc_mxn spread wide",
    )
    body = slack_body(event)
    assert "FIRING wide on btc_mxn" in str(body["text"]) and "CRITICAL" in str(body["text"])
    assert body["attachments"][0]["fields"][0] == {
        "title": "Value",
        "value": "0.6123%",
        "short": True,
    }
    assert {k: body[k] for k in event.to_dict()} == event.to_dict()
    assert json.loads(json.dumps(body)) == body


async def test_publish_wakes_an_idle_sender_even_from_another_thread(
    receiver: Receiver, tmp_path: Path
) -> None:
    box = WebhookOutbox(receiver.url, tmp_path / "o", SystemClock(), idle_poll=30)
    stop = asyncio.Event()
    task = asyncio.create_task(box.run(stop))
    await asyncio.sleep(0.05)  # the sender is now idle, waiting up to 30 s
    box.publish(firing("same-thread", "btc_mxn", T0))
    await until(lambda: len(receiver.bodies) == 1, timeout=2)
    await asyncio.to_thread(box.publish, firing("other-thread", "btc_mxn", T0 + 1))
    await until(lambda: len(receiver.bodies) == 2, timeout=2)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert [b["rule"] for b in receiver.bodies] == ["same-thread", "other-thread"]


async def test_delivery_failures_never_log_the_webhook_url(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook/{SECRET}"
    box = WebhookOutbox(url, tmp_path / "o", SystemClock(), min_backoff=0.01, max_backoff=0.02)
    box.publish(firing("a", "btc_mxn", T0))
    stop = asyncio.Event()
    with Records("bitsodata.alerts.webhook") as logged:
        task = asyncio.create_task(box.run(stop))
        await until(lambda: box.failures >= 2)
        stop.set()
        await asyncio.wait_for(task, 2)
    failures = logged.events("alert_delivery_failed")
    assert len(failures) >= 2 and len(box.pending()) == 1  # kept for a later delivery
    assert all(SECRET not in str(fields) for fields in failures)
    assert all(SECRET not in r.getMessage() for r in logged.records)


@pytest.mark.parametrize(
    "url",
    [
        f"http://127.0.0.1:99999/{SECRET}",  # port out of range (an OverflowError in the sender)
        f"http://127.0.0.1:0/{SECRET}",
        f"http://127.0.0.1:port/{SECRET}",
        f"ftp://hooks.example.com/{SECRET}",
        f"https:///{SECRET}",
        f"hooks.example.com/{SECRET}",
    ],
)
def test_a_bad_webhook_url_is_refused_at_start_without_echoing_it(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        WebhookOutbox(url, tmp_path / "o", SystemClock())
    assert "alerts.webhook_url" in str(err.value) and SECRET not in str(err.value)
    assert not (tmp_path / "o").exists()


def test_good_webhook_urls_pass() -> None:
    for url in (f"https://hooks.example.com/hook/{SECRET}", "http://127.0.0.1:8080/hook"):
        assert check_webhook_url(url) == url


async def test_an_unexpected_error_in_an_attempt_never_ends_the_delivery_loop(
    tmp_path: Path,
) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content)["rule"])
        if len(calls) <= 2:
            raise OverflowError("port must be 0-65535.")  # not an httpx.HTTPError
        return httpx.Response(200)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    url = f"http://127.0.0.1:8080/{SECRET}"
    box = WebhookOutbox(
        url, tmp_path / "o", SystemClock(), client=client, min_backoff=0.01, max_backoff=0.02
    )
    box.publish(firing("a", "btc_mxn", T0))
    stop = asyncio.Event()
    with Records("bitsodata.alerts.webhook") as logged:
        task = asyncio.create_task(box.run(stop))
        await until(lambda: box.delivered == 1)
        stop.set()
        await asyncio.wait_for(task, 2)
    await client.aclose()
    assert calls == ["a", "a", "a"] and box.failures == 2 and not box.pending()
    failed = logged.events("alert_delivery_failed")
    assert len(failed) == 2 and "OverflowError" in str(failed[0]["error"])
    assert all(SECRET not in r.getMessage() for r in logged.records)
