"""The Storage contract on the local folder and the in-memory fake; atomic, replacing writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitsodata.errors import LakeError, LakeKeyMissing
from bitsodata.lake.queue import QueuedStorage
from bitsodata.lake.storage import (
    ListingSnapshot,
    LocalStorage,
    MemoryStorage,
    Storage,
    open_storage,
)
from bitsodata.settings import LakeSettings


@pytest.fixture(params=["local", "memory"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return LocalStorage(tmp_path / "lake") if request.param == "local" else MemoryStorage()


def test_put_get_list_delete(storage: Storage) -> None:
    storage.put("spreads/book=btc_mxn/a.parquet", b"A")
    storage.put("spreads/book=usd_mxn/b.parquet", b"B")
    storage.put("alerts/date=2024-05-05/alerts.jsonl", b"C")
    assert storage.get("spreads/book=btc_mxn/a.parquet") == b"A"
    assert storage.list("spreads/") == [
        "spreads/book=btc_mxn/a.parquet",
        "spreads/book=usd_mxn/b.parquet",
    ]
    assert storage.list("spreads/book=usd") == ["spreads/book=usd_mxn/b.parquet"]
    assert storage.list("nothing/") == []
    assert len(storage.list("")) == 3
    storage.delete("spreads/book=btc_mxn/a.parquet")
    storage.delete("spreads/book=btc_mxn/a.parquet")  # absent: ignored
    assert not storage.exists("spreads/book=btc_mxn/a.parquet")
    with pytest.raises(LakeKeyMissing):
        storage.get("spreads/book=btc_mxn/a.parquet")


def test_folders_lists_one_level_of_folders_that_hold_files(storage: Storage) -> None:
    storage.put("spreads/btc_mxn/date=2024-05-05/hour=0/a.parquet", b"A")
    storage.put("spreads/usd_mxn/date=2024-05-05/b.csv", b"B")
    storage.put("spreads/loose.parquet", b"C")  # a file, not a folder
    storage.put("alerts/date=2024-05-05/alerts.jsonl", b"D")
    assert storage.folders("spreads/") == ["btc_mxn", "usd_mxn"]
    assert storage.folders("spreads/btc_mxn/") == ["date=2024-05-05"]
    assert storage.folders("") == ["alerts", "spreads"]
    assert storage.folders("depth/") == []


def test_local_folders_skip_folders_without_a_lake_file(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.put("spreads/btc_mxn/date=2024-05-05/a.parquet", b"A")
    (tmp_path / "spreads" / "empty" / "date=2024-05-05").mkdir(parents=True)
    (tmp_path / "spreads" / "torn").mkdir()
    (tmp_path / "spreads" / "torn" / "a.parquet.tmp-1234").write_bytes(b"half")
    assert storage.folders("spreads/") == ["btc_mxn"]


def test_same_key_twice_replaces(storage: Storage) -> None:
    storage.put("spreads/x/w.csv", b"first")
    storage.put("spreads/x/w.csv", b"second, longer")
    assert storage.list("spreads/") == ["spreads/x/w.csv"]
    assert storage.get("spreads/x/w.csv") == b"second, longer"


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "./a", "a/b.tmp-123"])
def test_keys_cannot_escape_the_lake(storage: Storage, key: str) -> None:
    with pytest.raises(LakeError):
        storage.put(key, b"x")


def test_local_write_leaves_one_file_and_no_temp(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    for i in range(3):
        storage.put("spreads/d/w.parquet", f"v{i}".encode())
    files = sorted(p.name for p in (tmp_path / "spreads" / "d").iterdir())
    assert files == ["w.parquet"]
    assert (tmp_path / "spreads/d/w.parquet").read_bytes() == b"v2"


def test_local_list_ignores_an_interrupted_write(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.put("spreads/d/w.parquet", b"ok")
    (tmp_path / "spreads/d/w2.parquet.tmp-deadbeef").write_bytes(b"half")  # crash mid-write
    assert storage.list("spreads/") == ["spreads/d/w.parquet"]


def test_open_storage_picks_the_backend(tmp_path: Path) -> None:
    local = open_storage(LakeSettings(url=str(tmp_path / "lake")))
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "lake"
    remote = open_storage(
        LakeSettings(
            url="s3://bucket/prefix",
            s3_endpoint_url="http://127.0.0.1:9",
            upload_queue_dir=tmp_path / "queue",
        )
    )
    assert isinstance(remote, QueuedStorage) and remote.url == "s3://bucket/prefix"
    with pytest.raises(LakeError):
        open_storage(LakeSettings(url="ftp://host/lake"))


def test_a_listing_snapshot_answers_narrower_prefixes_from_one_listing(storage: Storage) -> None:
    for key in ("spreads/a/date=1/x.parquet", "spreads/a/date=2/y.parquet", "spreads/b/z.csv"):
        storage.put(key, b"x")
    snap = ListingSnapshot(storage)
    assert snap.list("spreads/") == storage.list("spreads/")
    storage.put("spreads/a/date=1/late.parquet", b"x")  # behind the snapshot's back
    assert snap.list("spreads/a/date=1/") == ["spreads/a/date=1/x.parquet"]
    assert snap.list("spreads/a/date=1/x") == ["spreads/a/date=1/x.parquet"]
    assert snap.list("spreads/c/") == []
    snap.put("spreads/b/new.csv", b"y")  # a write through the snapshot forgets its listings
    assert snap.list("spreads/b/") == ["spreads/b/new.csv", "spreads/b/z.csv"]
    assert snap.list("spreads/a/date=1/") == storage.list("spreads/a/date=1/")
    assert snap.get("spreads/b/new.csv") == b"y" and snap.exists("spreads/b/z.csv")


def test_a_local_lake_at_a_relative_root_lists_its_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    LocalStorage(tmp_path).put("spreads/btc_mxn/date=2024-05-05/a.parquet", b"A")
    for root in (Path("."), Path(""), Path("./")):
        here = LocalStorage(root)
        assert here.list("spreads/btc_mxn/") == ["spreads/btc_mxn/date=2024-05-05/a.parquet"]
        assert here.list("") == ["spreads/btc_mxn/date=2024-05-05/a.parquet"]
    nested = tmp_path / "a"
    nested.mkdir()
    monkeypatch.chdir(nested)
    assert LocalStorage(Path("..")).list("spreads/") == [
        "spreads/btc_mxn/date=2024-05-05/a.parquet"
    ]
