"""``bitsodata.analysis``: observations, resampling, stats, episodes and the alert log of a
collector-written lake, local and on a real S3 API (moto on loopback), reading only what a
question needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from bitsodata.alerts.events import AlertEvent
from bitsodata.alerts.replay import replay_lake
from bitsodata.alerts.rules import DEFAULT_RULES, Rule
from bitsodata.alerts.sinks import LakeAlertLog
from bitsodata.analysis import Lake, open_lake, parse_interval, to_epoch
from bitsodata.errors import LakeError
from bitsodata.lake.s3 import S3Storage
from bitsodata.lake.stats import spread_stats
from bitsodata.lake.storage import LocalStorage
from tests.fakes.s3 import Endpoint
from tests.lake.collected import HOUR, START, collect
from tests.lake.test_s3 import _settings
from tests.monitor.helpers import BOOKS

SECONDS = 300
END = START + SECONDS


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("analysis") / "lake"
    collect(path, seconds=SECONDS)
    return path


@pytest.fixture
def lake(root: Path) -> Lake:
    return open_lake(root)


def test_observations_limit_books_and_range(lake: Lake) -> None:
    rel = lake.observations("btc_mxn", START + 30, START + 90)
    frame = rel.df()
    assert len(frame) == 60 and set(frame["book"]) == {"btc_mxn"}
    assert frame["observed_at"].is_monotonic_increasing
    assert frame["observed_at"].iloc[0] == pd.Timestamp(START + 30, unit="s", tz="UTC")
    assert rel.pl().height == 60 and rel.arrow().read_all().num_rows == 60
    first = rel.limit(1).fetchall()[0]  # plain Python rows too, times as aware datetimes
    assert first[5] == datetime.fromtimestamp(START + 30, tz=UTC)
    assert lake.books() == list(BOOKS)


def test_times_take_the_forms_analysts_write() -> None:
    at = datetime.fromtimestamp(START, tz=UTC)
    assert to_epoch(at) == to_epoch(at.replace(tzinfo=None)) == to_epoch(START) == START
    assert to_epoch("2024-05-28T05:58:00Z") == START
    assert to_epoch(at.date()) == START - START % 86_400
    assert parse_interval("1min") == parse_interval(timedelta(minutes=1)) == 60
    assert parse_interval("1d") == 86_400 and parse_interval("15 s") == 15
    for bad in ("2 weeks", "0s", "1.5h", "25h"):
        with pytest.raises(LakeError):
            parse_interval(bad)


def test_resample_matches_a_direct_computation(lake: Lake) -> None:
    got = lake.resample("1min", ["btc_mxn"], START, END).df()
    rows = lake.observations("btc_mxn", START, END).df()
    rows["bucket"] = rows["observed_at"].dt.floor("min")
    assert len(got) == 5 and got["n_seconds"].tolist() == [60] * 5
    for (_, want), (_, row) in zip(rows.groupby("bucket"), got.iterrows(), strict=True):
        spread = want["spread"].dropna()
        assert row["bucket_at"] == want["bucket"].iloc[0]
        assert row["open"] == spread.iloc[0] and row["close"] == spread.iloc[-1]
        assert row["high"] == spread.max() and row["low"] == spread.min()
        assert row["mean"] == pytest.approx(spread.mean())
        assert row["share_missing"] == pytest.approx((want["status"] == "missing").mean())
        assert row["share_stale"] == pytest.approx((want["status"] == "stale").mean())
        assert row["share_above_0_1"] == pytest.approx((want["spread"] > 0.1).mean())
        assert row["n_ok"] + row["n_stale"] + row["n_missing"] + row["n_crossed"] == 60


def test_resample_at_a_day_and_custom_thresholds(lake: Lake) -> None:
    day = lake.resample("1d", thresholds=[0.12]).df()
    assert day["n_seconds"].tolist() == [SECONDS, SECONDS]
    assert "share_above_0_12" in day.columns
    assert day["bucket_at"].dt.hour.tolist() == [0, 0]  # buckets start at UTC midnight


def test_compare_puts_books_side_by_side(lake: Lake) -> None:
    wide = lake.compare(list(BOOKS), START, END, "1min").df()
    series = lake.resample("1min", None, START, END).df()
    assert list(wide.columns) == ["bucket_at", *BOOKS]
    usd = series[series["book"] == "usd_mxn"]["mean"].tolist()
    assert wide["usd_mxn"].tolist() == pytest.approx(usd)


def test_stats_equal_spread_stats(lake: Lake, root: Path) -> None:
    many = lake.stats(None, START, END)
    assert [s.book for s in many] == list(BOOKS)
    alone = spread_stats(root, "btc_mxn", START, END).to_dict()
    assert many[0].to_dict()["spread"] == pytest.approx(alone["spread"], rel=1e-12)
    assert {**many[0].to_dict(), "spread": None} == {**alone, "spread": None}


def test_episodes_replay_the_rules(lake: Lake, root: Path) -> None:
    rules = [Rule("wide", "btc_mxn", Decimal("1.0"), for_seconds=3, severity="critical")]
    spells = lake.episodes(START, END, rules=rules)
    report = replay_lake(root, rules, START, END, "btc_mxn")
    assert len(spells) == 1 and len(report.events) == 2
    spell = spells[0]
    assert spell.started_at == datetime.fromtimestamp(START + 200, tz=UTC)
    assert spell.fired_at == datetime.fromtimestamp(START + 203, tz=UTC)
    assert spell.ended_at == datetime.fromtimestamp(START + 215, tz=UTC)
    assert spell.seconds == 15 and spell.peak_spread == pytest.approx(
        14_000 / 1_164_740 * 100, 1e-3
    )
    every = lake.episodes(START, END)  # the default rules
    assert {e.rule for e in every} <= {r.name for r in DEFAULT_RULES}
    assert any(e.rule == "spread-1.0" for e in every)


def test_an_open_episode_has_no_end(lake: Lake) -> None:
    rules = [Rule("wide", "btc_mxn", Decimal("1.0"))]
    (spell,) = lake.episodes(START, START + 205, rules=rules)
    assert spell.ended_at is None and spell.seconds is None


def test_alert_log_reads_what_the_collector_logged(lake: Lake, root: Path) -> None:
    log = LakeAlertLog(LocalStorage(root))
    for at, state in ((START + 10, "FIRING"), (START + 40, "RESOLVED")):
        log.publish(
            AlertEvent("spread", "wide", "btc_mxn", state, Decimal("1.2"), Decimal("1.0"),  # type: ignore[arg-type]
                       at, START + 10, "critical", "wide spread")
        )  # fmt: skip
    frame = lake.alert_log(START, END).df()
    assert frame["state"].tolist() == ["FIRING", "RESOLVED"]
    assert frame["at"].iloc[1] == pd.Timestamp(START + 40, unit="s", tz="UTC")
    assert lake.alert_log().df()["rule"].tolist() == ["wide", "wide"]


def test_bad_questions_are_clear_errors(root: Path, tmp_path: Path) -> None:
    with pytest.raises(LakeError, match="no lake at"):
        open_lake(tmp_path / "nope")
    lake = open_lake(root)
    with pytest.raises(LakeError, match="no data for book eth_mxn"):
        lake.observations("eth_mxn")
    with pytest.raises(LakeError, match="empty time range"):
        lake.observations("btc_mxn", END, START)
    with pytest.raises(LakeError, match="not a time"):
        lake.observations("btc_mxn", "yesterday-ish", END)


def test_an_s3_lake_is_read_in_place_one_get_per_needed_file(
    root: Path,
    endpoint: Endpoint,
    tmp_path: Path,
) -> None:
    settings = _settings(endpoint, tmp_path, "analysis")
    remote = S3Storage.from_settings(settings)
    local = LocalStorage(root)
    for key in local.list("spreads/"):
        remote.put(key, local.get(key))
    gets: list[str] = []
    remote._client.meta.events.register(
        "before-send.s3.GetObject", lambda request, **_: gets.append(unquote(request.url))
    )
    lake = open_lake(remote)
    hour = lake.observations("btc_mxn", HOUR, HOUR + 3600).df()
    assert len(gets) == 3  # the three btc_mxn window files of 06:00 (of 10 in the lake)
    assert all("/btc_mxn/date=2024-05-28/hour=6/" in url for url in gets)
    assert hour["observed_at"].tolist() == (
        open_lake(root).observations("btc_mxn", HOUR, HOUR + 3600).df()["observed_at"].tolist()
    )
    # the same answers (sums may add up in another order: equal to float precision)
    here = [s.to_dict() for s in open_lake(root).stats(None, START, END)]
    there = [s.to_dict() for s in open_lake(settings).stats(None, START, END)]
    for a, b in zip(here, there, strict=True):
        assert a["spread"] == pytest.approx(b["spread"], rel=1e-12)
        assert {**a, "spread": None} == {**b, "spread": None}
    pd.testing.assert_frame_equal(
        lake.resample("1min", None, START, END).df(),
        open_lake(root).resample("1min", None, START, END).df(),
        rtol=1e-12,
    )
