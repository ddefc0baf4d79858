"""The lake must be writable at start; later write failures show in logs, metrics and /healthz."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from pydantic import SecretStr

from bitsodata.clock import FakeClock
from bitsodata.errors import LakeError
from bitsodata.lake.storage import LocalStorage, MemoryStorage, open_storage
from bitsodata.monitor.writer import check_lake_writable
from bitsodata.settings import LakeSettings
from tests.alerts.helpers import Records
from tests.fakes.s3 import Endpoint
from tests.fakes.s3 import free_port as _free_port
from tests.monitor.helpers import BOOKS, T0, make_collector, top


def test_a_lake_path_that_is_a_file_is_refused_at_start(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    lake.write_text("not a folder")
    with pytest.raises(LakeError, match="not writable"):
        check_lake_writable(LocalStorage(lake))


def test_a_writable_lake_passes_and_keeps_no_probe(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    assert check_lake_writable(LocalStorage(lake)) is True
    assert list(lake.iterdir()) == []


def _s3(url: str, endpoint_url: str, tmp_path: Path) -> LakeSettings:
    return LakeSettings(
        url=url,
        s3_endpoint_url=endpoint_url,
        s3_access_key_id=SecretStr("testing"),
        s3_secret_access_key=SecretStr("testing"),
        s3_timeout_seconds=0.5,
        s3_max_attempts=1,
        upload_queue_dir=tmp_path / "queue",
    )


def test_an_s3_bucket_that_does_not_exist_is_refused_at_start(
    endpoint: Endpoint,
    tmp_path: Path,
) -> None:
    storage = open_storage(_s3("s3://no-such-bucket/lake", endpoint.url, tmp_path))
    with pytest.raises(LakeError, match="not writable"):
        check_lake_writable(storage)


def test_an_unreachable_s3_endpoint_only_warns_the_windows_queue(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"  # nobody listens: a transient outage
    storage = open_storage(_s3("s3://bucket/lake", url, tmp_path))
    with Records("bitsodata.monitor.writer") as logged:
        assert check_lake_writable(storage) is False
    assert logged.events("lake_unreachable_at_start")


class BrokenLake(MemoryStorage):
    def put(self, key: str, data: bytes) -> None:
        raise LakeError("disk full", key=key)


async def test_failing_window_writes_show_in_metrics_and_healthz(tmp_path: Path) -> None:
    clock = FakeClock(T0 - 0.5)
    collector, *_ = make_collector(tmp_path, clock, storage=BrokenLake())
    collector.start()
    for tick in range(T0, T0 + 11):
        clock.set(tick + 0.001)
        for book in BOOKS:
            collector.parts.feed.set_top(top(book, received_at=tick - 0.2))  # type: ignore[attr-defined]
        collector.tick(tick)
    assert collector.health().ok
    stop = asyncio.Event()
    with Records("bitsodata.monitor.writer") as logged:
        task = asyncio.create_task(collector.writer.run(stop, 0.0))
        while collector.writer.failures < 2:
            await asyncio.sleep(0.01)
        verdict = collector.health()
        stop.set()
        await task
    assert not verdict.ok and any("lake write failing" in r for r in verdict.reasons)
    assert logged.events("window_write_failed")
    text = generate_latest(collector.metrics.registry).decode()
    line = next(ln for ln in text.splitlines() if ln.startswith("bitsodata_window_write_failures"))
    assert Decimal(line.split()[-1]) >= 2
