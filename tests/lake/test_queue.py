"""The durable upload queue: a store outage queues files; each is uploaded once, in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitsodata.clock import FakeClock
from bitsodata.errors import LakeError
from bitsodata.lake.queue import QueuedStorage
from tests.lake.helpers import FlakyStorage


def _queued(tmp_path: Path, inner: FlakyStorage, clock: FakeClock) -> QueuedStorage:
    return QueuedStorage(inner, tmp_path / "queue", retry_seconds=5.0, clock=clock)


def test_store_up_uploads_at_once(tmp_path: Path) -> None:
    inner = FlakyStorage()
    store = _queued(tmp_path, inner, FakeClock())
    store.put("spreads/a.parquet", b"A")
    assert inner.objects == {"spreads/a.parquet": b"A"}
    assert store.pending() == 0
    assert list((tmp_path / "queue").iterdir()) == []


def test_outage_queues_then_flush_uploads_each_once_in_order(tmp_path: Path) -> None:
    inner, clock = FlakyStorage(), FakeClock()
    store = _queued(tmp_path, inner, clock)
    inner.down = True
    for name in ("a", "b", "c"):
        store.put(f"spreads/{name}.parquet", name.encode())  # no exception while down
        clock.advance(1)
    assert store.pending() == 3
    assert store.get("spreads/b.parquet") == b"b"  # readable while queued
    inner.down = False
    assert store.flush() == 3
    assert store.pending() == 0
    assert inner.order == ["spreads/a.parquet", "spreads/b.parquet", "spreads/c.parquet"]
    assert inner.puts == {k: 1 for k in inner.order}
    assert store.flush() == 0  # nothing is uploaded twice


def test_writes_only_queue_while_backing_off(tmp_path: Path) -> None:
    inner, clock = FlakyStorage(), FakeClock()
    store = _queued(tmp_path, inner, clock)
    inner.down = True
    store.put("spreads/a.parquet", b"a")
    attempts = inner.attempts
    store.put("spreads/b.parquet", b"b")  # within retry_seconds: no call to the store
    assert inner.attempts == attempts
    inner.down = False
    clock.advance(5)
    store.put("spreads/c.parquet", b"c")  # back off over: everything goes, oldest first
    assert inner.order == ["spreads/a.parquet", "spreads/b.parquet", "spreads/c.parquet"]


def test_same_key_queued_twice_is_uploaded_once_with_the_newest_bytes(tmp_path: Path) -> None:
    inner, clock = FlakyStorage(), FakeClock()
    store = _queued(tmp_path, inner, clock)
    inner.down = True
    store.put("spreads/a.parquet", b"old")
    store.put("spreads/a.parquet", b"new")
    assert store.pending() == 1
    inner.down = False
    store.flush()
    assert inner.puts == {"spreads/a.parquet": 1}
    assert inner.objects["spreads/a.parquet"] == b"new"


def test_queue_survives_a_restart(tmp_path: Path) -> None:
    inner = FlakyStorage()
    inner.down = True
    _queued(tmp_path, inner, FakeClock()).put("spreads/a.parquet", b"a")
    inner.down = False
    restarted = _queued(tmp_path, inner, FakeClock())  # a new process over the same folder
    assert restarted.pending_keys() == ["spreads/a.parquet"]
    restarted.put("spreads/b.parquet", b"b")
    assert inner.order == ["spreads/a.parquet", "spreads/b.parquet"]


def test_terminal_failure_raises_and_keeps_the_file(tmp_path: Path) -> None:
    class Refusing(FlakyStorage):
        def put(self, key: str, data: bytes) -> None:
            raise LakeError("access denied", key=key)

    store = _queued(tmp_path, Refusing(), FakeClock())
    with pytest.raises(LakeError, match="access denied"):
        store.put("spreads/a.parquet", b"a")
    assert store.pending_keys() == ["spreads/a.parquet"]


def test_list_and_exists_include_queued_files(tmp_path: Path) -> None:
    inner, clock = FlakyStorage(), FakeClock()
    store = _queued(tmp_path, inner, clock)
    store.put("spreads/a.parquet", b"a")
    inner.down = True
    store.put("spreads/b.parquet", b"b")
    inner.down = False
    assert store.list("spreads/") == ["spreads/a.parquet", "spreads/b.parquet"]
    assert store.exists("spreads/b.parquet")
    store.delete("spreads/b.parquet")
    assert store.pending() == 0 and not store.exists("spreads/b.parquet")
