"""Webhook delivery through a durable outbox: at-least-once, survives restarts and outages.

``publish`` writes the event as one file in the outbox directory (atomic, fsynced) and returns;
its key goes to a ledger (``accepted.keys``), so an event re-derived after a restart is queued
once, never twice, even when it was delivered long ago.
``run`` POSTs the files oldest first and deletes each only after a 2xx answer. Failures back off
exponentially (with jitter); a 4xx other than 408/425/429 will never succeed, so that file moves
to ``dead/`` instead of blocking the queue. No single attempt can end the delivery loop: any
error is logged and counted (``failures``) and retried with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import re
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bitsodata.alerts.events import FIRING, AlertEvent, describe
from bitsodata.clock import Clock
from bitsodata.crashpoints import crash_point
from bitsodata.errors import ConfigError
from bitsodata.lake.storage import write_atomic
from bitsodata.logs import event

log = logging.getLogger(__name__)

_FILE = re.compile(r"^(\d{12})-[A-Za-z0-9_.-]+\.json$")
_LEDGER = "accepted.keys"
_TMP_MARK = ".tmp-"
_RETRYABLE_4XX = frozenset({408, 425, 429})
_COLORS = {"critical": "#d00000", "warning": "#f2c744", "info": "#439fe0"}


def check_webhook_url(url: str) -> str:
    """An ``http(s)`` URL with a host and a valid port; errors never repeat the URL (a secret)."""
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
        usable = usable and parts.port != 0  # .port raises ValueError outside 0-65535
    except ValueError:
        usable = False
    if not usable:
        raise ConfigError(
            "alerts.webhook_url must be an http:// or https:// URL with a host "
            "and a port between 1 and 65535"
        )
    return url


def slack_body(alert: AlertEvent) -> dict[str, Any]:
    """Slack-compatible JSON (``text`` + ``attachments``) with every event field on top."""
    icon = ":rotating_light:" if alert.state == FIRING else ":white_check_mark:"
    text = f"{icon} [{alert.severity.upper()}] {alert.state} {alert.rule} on {alert.book}: "
    fields = [
        {"title": "Value", "value": describe(alert.value), "short": True},
        {"title": "Threshold", "value": describe(alert.threshold), "short": True},
        {"title": "At", "value": alert.to_dict()["at"], "short": True},
        {"title": "Since", "value": alert.to_dict()["since"], "short": True},
    ]
    color = "#2eb886" if alert.state != FIRING else _COLORS.get(alert.severity, "#f2c744")
    attachment = {"color": color, "fallback": text + alert.message, "fields": fields}
    return {"text": text + alert.message, "attachments": [attachment], **alert.to_dict()}


class WebhookOutbox:
    """An ``AlertSink`` whose deliveries survive receiver outages and process restarts."""

    def __init__(
        self,
        url: str,
        outbox_dir: Path,
        clock: Clock,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float = 5.0,
        min_backoff: float = 0.5,
        max_backoff: float = 60.0,
        idle_poll: float = 1.0,
    ) -> None:
        self.url = check_webhook_url(url)
        self.dir = outbox_dir
        self.dead_dir = outbox_dir / "dead"
        self._clock = clock
        self._client = client
        self._timeout = timeout
        self._min_backoff, self._max_backoff = min_backoff, max_backoff
        self._idle_poll = idle_poll
        self._lock = threading.Lock()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.dir.mkdir(parents=True, exist_ok=True)
        self._drop_torn_files()
        self._seq = max((int(m[1]) for m in map(_FILE.match, self._names()) if m), default=0)
        self._accepted = self._read_accepted()
        self.delivered = 0
        self.failures = 0

    # -- what the outbox has accepted: every event once, across restarts ---------------------

    @property
    def _ledger(self) -> Path:
        return self.dir / _LEDGER

    def _drop_torn_files(self) -> None:
        """A temp file is an event whose save a crash interrupted: it was never accepted (the
        collector re-derives it from its journal on the next start), so it goes."""
        for path in self.dir.glob(f"*{_TMP_MARK}*"):
            path.unlink(missing_ok=True)
            event(log, "alert_outbox_torn_file_dropped", logging.WARNING, file=path.name)

    def _read_accepted(self) -> dict[str, int]:
        """Event key -> its tick, from the ledger and from the files still waiting."""
        accepted: dict[str, int] = {}
        try:
            lines = self._ledger.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            lines = []
        for line in lines:
            key = line.strip()
            if key:
                accepted[key] = _tick_of(key)
        for path in self.pending():
            with contextlib.suppress(OSError, ValueError, KeyError):
                key = str(json.loads(path.read_bytes())["key"])
                accepted[key] = _tick_of(key)
        return accepted

    def accepted(self, key: str) -> bool:
        """Whether the event with this key is (or was) in the outbox."""
        with self._lock:
            return key in self._accepted

    def forget_before(self, tick: int, keep: Collection[str] = ()) -> int:
        """Drop ledger entries of events before ``tick`` (they can no longer be re-derived),
        except ``keep`` (alerts still firing, which a restart publishes again)."""
        with self._lock:
            old = [k for k, at in self._accepted.items() if at < tick and k not in keep]
            if not old:
                return 0
            for key in old:
                del self._accepted[key]
            body = "".join(f"{k}\n" for k in self._accepted)
            write_atomic(self._ledger, body.encode())
        return len(old)

    def _names(self) -> list[str]:
        return sorted(p.name for p in self.dir.iterdir() if _FILE.match(p.name))

    def pending(self) -> list[Path]:
        """Outbox files waiting for delivery, oldest first."""
        return [self.dir / name for name in self._names()]

    idempotent = True
    """Publishing an event twice (a replay after a restart) queues it once."""

    def publish(self, alert: AlertEvent) -> None:
        """Persist the event to the outbox (durable before returning) and wake the sender.

        An event already accepted (same key), even one delivered long ago, is not queued again.
        """
        with self._lock:
            if alert.key in self._accepted:
                return
            self._seq += 1
            slug = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{alert.rule}-{alert.book}-{alert.state}")
            path = self.dir / f"{self._seq:012d}-{slug[:80]}.json"
            write_atomic(path, json.dumps(alert.to_dict(), sort_keys=True).encode())
            crash_point("outbox_saved")
            self._accepted[alert.key] = alert.at
            with self._ledger.open("a") as ledger:  # after the file: a crash here costs a copy
                ledger.write(alert.key + "\n")
                ledger.flush()
                os.fsync(ledger.fileno())
        self._notify()

    def _notify(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wake.set()
        else:
            loop.call_soon_threadsafe(wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; undelivered files stay for the next run."""
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        client = self._client or httpx.AsyncClient(timeout=self._timeout)
        try:
            await self._loop_until(stop, client)
        finally:
            self._wake = None
            if self._client is None:
                await client.aclose()

    async def _loop_until(self, stop: asyncio.Event, client: httpx.AsyncClient) -> None:
        failures = 0
        while not stop.is_set():
            assert self._wake is not None
            self._wake.clear()
            try:
                files = self.pending()
            except OSError as exc:  # the outbox folder itself is unreadable: retry later
                failures += 1
                self._count_failure("outbox", f"{type(exc).__name__}: {exc}")
                await self._backoff(stop, failures)
                continue
            if not files:
                await _first(stop.wait(), self._wake.wait(), timeout=self._idle_poll)
                continue
            for path in files:
                if stop.is_set():
                    return
                if await self._attempt(client, path):
                    failures = 0
                    continue
                failures += 1
                await self._backoff(stop, failures)
                break

    async def _attempt(self, client: httpx.AsyncClient, path: Path) -> bool:
        """One delivery attempt that never raises: a bug or an odd error is a failed attempt."""
        try:
            return await self._deliver(client, path)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the loop must outlive any single attempt
            self._count_failure(path.name, self._redact(f"{type(exc).__name__}: {exc}"))
            return False

    async def _deliver(self, client: httpx.AsyncClient, path: Path) -> bool:
        """True when the file is done with (delivered or dead); False to retry later."""
        try:
            alert = AlertEvent.from_dict(json.loads(path.read_bytes()))
        except FileNotFoundError:
            return True  # another sender got it
        except (ValueError, KeyError) as exc:
            return self._bury(path, f"unreadable outbox file: {exc}")
        except OSError as exc:  # e.g. permissions: keep the file, retry with backoff
            event(log, "alert_outbox_unreadable", logging.ERROR, file=path.name, error=str(exc))
            return False
        headers = {"Idempotency-Key": alert.key}
        try:
            resp = await client.post(self.url, json=slack_body(alert), headers=headers)
        except Exception as exc:  # not only httpx.HTTPError: e.g. OverflowError on a bad port
            return self._failed(alert, self._redact(f"{type(exc).__name__}: {exc}"))
        if 200 <= resp.status_code < 300:
            path.unlink(missing_ok=True)
            self.delivered += 1
            event(log, "alert_delivered", key=alert.key, status=resp.status_code)
            return True
        if 400 <= resp.status_code < 500 and resp.status_code not in _RETRYABLE_4XX:
            return self._bury(path, f"receiver refused it with HTTP {resp.status_code}")
        return self._failed(alert, f"HTTP {resp.status_code}")

    def _redact(self, text: str) -> str:
        """The URL is a secret (Slack): never in the log."""
        return text.replace(self.url, "<url>")

    def _failed(self, alert: AlertEvent, why: str) -> bool:
        self._count_failure(alert.key, why)
        return False

    def _count_failure(self, what: str, why: str) -> None:
        self.failures += 1
        event(log, "alert_delivery_failed", logging.WARNING, key=what, error=why)

    def _bury(self, path: Path, why: str) -> bool:
        self.dead_dir.mkdir(exist_ok=True)
        os.replace(path, self.dead_dir / path.name)
        event(log, "alert_undeliverable", logging.ERROR, file=path.name, error=why)
        return True

    async def _backoff(self, stop: asyncio.Event, failures: int) -> None:
        delay = min(self._max_backoff, self._min_backoff * 2 ** min(failures - 1, 30))
        delay *= random.uniform(0.5, 1.0)  # jitter: many senders do not retry in lockstep
        await _first(stop.wait(), self._clock.sleep_until(self._clock.now() + delay))


def _tick_of(key: str) -> int:
    """The tick an event key ends with (``kind:rule:book:state:at``); 0 when unreadable."""
    tail = key.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


async def _first(*aws: Any, timeout: float | None = None) -> None:
    """Wait until the first awaitable finishes (or the timeout), then cancel the rest."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
