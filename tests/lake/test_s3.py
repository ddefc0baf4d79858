"""The lake on a real S3 API on loopback (moto's server), including an outage of the endpoint."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr

from bitsodata.errors import LakeError, LakeKeyMissing
from bitsodata.lake.catalog import books_in
from bitsodata.lake.query import iter_observations, run_query
from bitsodata.lake.queue import QueuedStorage
from bitsodata.lake.s3 import S3Storage
from bitsodata.lake.stats import spread_stats
from bitsodata.lake.storage import open_storage
from bitsodata.lake.windowfile import decode_window, write_window
from bitsodata.settings import LakeSettings
from tests.fakes.credentials import fake_secret
from tests.fakes.s3 import Endpoint
from tests.fakes.s3 import client as s3_client
from tests.lake.helpers import DAY0, window

if TYPE_CHECKING:
    pass

SECRET = fake_secret("s3key")


def _settings(endpoint: Endpoint, tmp_path: Path, bucket: str) -> LakeSettings:
    client = s3_client(endpoint.url)
    client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return LakeSettings(
        url=f"s3://{bucket}/team/lake",
        s3_endpoint_url=endpoint.url,
        s3_access_key_id=SecretStr("testing"),
        s3_secret_access_key=SecretStr(SECRET),
        s3_timeout_seconds=1.0,
        s3_max_attempts=1,
        upload_queue_dir=tmp_path / "queue",
    )


def _versions(settings: LakeSettings) -> Counter[str]:
    """How many times each key was PUT (the bucket is versioned)."""
    bucket = settings.url.removeprefix("s3://").split("/")[0]
    answer = s3_client(settings.s3_endpoint_url).list_object_versions(Bucket=bucket)
    return Counter(v["Key"] for v in answer.get("Versions", []))


def test_s3_storage_contract(endpoint: Endpoint, tmp_path: Path) -> None:
    s3 = S3Storage.from_settings(_settings(endpoint, tmp_path, "contract"))
    s3.put("spreads/book=btc_mxn/a.parquet", b"A")
    s3.put("spreads/book=btc_mxn/a.parquet", b"A2")
    s3.put("alerts/date=2024-05-05/alerts.jsonl", b"C")
    assert s3.get("spreads/book=btc_mxn/a.parquet") == b"A2"
    assert s3.list("spreads/") == ["spreads/book=btc_mxn/a.parquet"]
    assert s3.exists("alerts/date=2024-05-05/alerts.jsonl")
    s3.delete("alerts/date=2024-05-05/alerts.jsonl")
    assert not s3.exists("alerts/date=2024-05-05/alerts.jsonl")
    with pytest.raises(LakeKeyMissing):
        s3.get("spreads/none.parquet")
    assert SECRET not in repr(s3)
    # a missing bucket is a setup error, never mistaken for an absent key
    no_bucket = S3Storage("s3://no-such-bucket/lake", s3_client(endpoint.url))
    with pytest.raises(LakeError, match="bucket does not exist") as info:
        no_bucket.get("spreads/a.parquet")
    assert not isinstance(info.value, LakeKeyMissing)


def test_the_books_of_an_s3_lake_take_one_listing_of_folders_not_of_every_file(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    s3 = S3Storage.from_settings(_settings(endpoint, tmp_path, "folders"))
    day = "date=2024-05-05/hour=0"
    for i in range(1_100):  # more keys than one listing page holds
        s3.put(f"spreads/btc_mxn/{day}/btc_mxn_{i:04d}.parquet", b"x")
    s3.put(f"spreads/usd_mxn/{day}/usd_mxn_0000.csv", b"x")
    s3.put("spreads/book=eth_mxn/hour=00/eth_mxn_0000.parquet", b"x")  # a version 1 file
    lists: list[str] = []
    s3._client.meta.events.register(
        "before-send.s3.ListObjectsV2", lambda request, **_: lists.append(request.url)
    )
    assert books_in(s3) == ["btc_mxn", "eth_mxn", "usd_mxn"]
    assert len(lists) == 1 and "delimiter=%2F" in lists[0]
    assert s3.folders("spreads/btc_mxn/") == ["date=2024-05-05"]
    assert s3.folders("nothing/") == []


def test_outage_queues_locally_and_uploads_each_file_once(
    endpoint: Endpoint, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = _settings(endpoint, tmp_path, "outage")
    lake = open_storage(settings)
    assert isinstance(lake, QueuedStorage)
    before = write_window(lake, "btc_mxn", DAY0, window("btc_mxn", DAY0))

    endpoint.stop()
    during = [
        write_window(lake, book, DAY0 + 600, window(book, DAY0 + 600))  # no exception
        for book in ("btc_mxn", "usd_mxn")
    ]
    assert lake.pending() == 2
    assert len(list((tmp_path / "queue").iterdir())) == 2  # durable copies, not memory

    endpoint.start()  # same port, same data
    restarted = open_storage(settings)  # a fresh process over the same queue folder
    assert isinstance(restarted, QueuedStorage)
    assert restarted.flush() == 2
    assert restarted.pending() == 0 and restarted.flush() == 0

    prefix = "team/lake/"
    assert _versions(settings) == {prefix + key: 1 for key in [before, *during]}
    assert decode_window(restarted.get(during[1]), "parquet") == window("usd_mxn", DAY0 + 600)
    assert SECRET not in caplog.text


def test_query_and_stats_read_an_s3_lake(endpoint: Endpoint, tmp_path: Path) -> None:
    settings = _settings(endpoint, tmp_path, "reads")
    lake = open_storage(settings)
    rows = {}
    for book in ("btc_mxn", "usd_mxn"):
        rows[book] = window(book, DAY0)
        write_window(lake, book, DAY0, rows[book])
    write_window(lake, "btc_mxn", DAY0 + 86_400, window("btc_mxn", DAY0 + 86_400))  # next day
    counts = run_query(settings, "select book, count(*) from spreads group by book order by book")
    assert list(counts.rows) == [("btc_mxn", 1200), ("usd_mxn", 600)]
    assert list(iter_observations(settings, "usd_mxn", DAY0, DAY0 + 600)) == rows["usd_mxn"]
    stats = spread_stats(settings, "btc_mxn", DAY0, DAY0 + 600)
    assert stats.rows == 600
    assert stats.missing_rows == sum(o.status == "missing" for o in rows["btc_mxn"])
