"""``build_report_data`` over a real lake: the series, histogram and heatmap account for every
stored second, the summary is ``spread stats``, and the episodes are the analysis API's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pytest import approx

from bitsodata import analysis
from bitsodata.alerts.rules import DEFAULT_RULES, Rule
from bitsodata.errors import LakeError
from bitsodata.report import build_report_data, rules_for
from tests.report.lakes import FIRST, LAST, WINDOW_STARTS, write_lake


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> analysis.Lake:
    return analysis.open_lake(str(write_lake(tmp_path_factory.mktemp("report") / "lake")))


def test_every_stored_second_is_in_the_charts_and_the_summary(lake: analysis.Lake) -> None:
    data = build_report_data(lake, None, _at(FIRST), _at(LAST))
    assert [b.book for b in data.books] == ["btc_mxn", "usd_mxn"]
    stats = {s.book: s for s in lake.stats(None, FIRST, LAST)}
    for book in data.books:
        want = stats[book.book]
        # DuckDB's parallel avg() may differ in the last bits from one run to the next
        assert book.stats == {**want.to_dict(), "spread": approx(want.to_dict()["spread"])}
        assert sum(b.n_seconds for b in book.series) == want.rows == 600 * len(WINDOW_STARTS)
        with_spread = lake.observations(book.book, FIRST, LAST).filter("spread is not null")
        n_spread = with_spread.count("*").fetchall()[0][0]
        assert sum(b.seconds for b in book.histogram) == n_spread
        assert book.week_hours is not None  # four days: the weekly pattern applies
        assert sum(map(sum, book.week_hours.seconds)) == n_spread


def test_short_ranges_chart_every_second_and_skip_the_heatmap(lake: analysis.Lake) -> None:
    start = WINDOW_STARTS[1]
    data = build_report_data(lake, ["usd_mxn"], _at(start), _at(start + 600))
    (book,) = data.books
    assert data.interval.seconds == 1 and len(book.series) == 600
    assert book.week_hours is None


@pytest.mark.parametrize(
    "rules",
    [
        tuple(Rule(f"spread-{t}", "*", Decimal(t)) for t in ("0.1", "0.5", "1.0")),
        (Rule("hold", "*", Decimal("1.2"), 3, Decimal("0.4")),),
    ],
)
def test_episodes_are_those_of_the_analysis_api(
    lake: analysis.Lake, rules: tuple[Rule, ...]
) -> None:
    start, end = WINDOW_STARTS[0], WINDOW_STARTS[3] + 600
    data = build_report_data(lake, ["btc_mxn"], _at(start), _at(end), rules=rules)
    want = lake.episodes(start, end, ["btc_mxn"], list(rules))
    (book,) = data.books
    for rule in (r for r in rules if r.applies_to("btc_mxn")):
        mine = [e for e in want if e.rule == rule.name]
        summary = next(r for r in book.rules if r.rule == rule.name)
        assert summary.episodes == len(mine) > 0
        lengths = [int(((e.ended_at or _at(end)) - e.started_at).total_seconds()) for e in mine]
        assert summary.firing_seconds == sum(lengths)
        assert summary.longest_seconds == max(lengths)
    listed = {(e.rule, e.started_at, e.ended_at, e.peak_spread) for e in book.episodes}
    assert listed <= {(e.rule, e.started_at, e.ended_at, e.peak_spread) for e in want}


def test_custom_thresholds_bring_their_own_rules() -> None:
    rules = rules_for((Decimal("0.2"), Decimal("0.8"), Decimal("2")))
    assert [(r.name, r.above, r.severity) for r in rules] == [
        ("spread-0.2", Decimal("0.2"), "info"),
        ("spread-0.8", Decimal("0.8"), "warning"),
        ("spread-2", Decimal("2"), "critical"),
    ]
    assert rules_for((Decimal("0.1"), Decimal("0.5"), Decimal("1.0"))) == DEFAULT_RULES


def test_unknown_book_and_empty_ranges_are_clear_errors(lake: analysis.Lake) -> None:
    with pytest.raises(LakeError, match="unknown book 'eth_mxn'"):
        build_report_data(lake, ["eth_mxn"], _at(FIRST), _at(LAST))
    with pytest.raises(LakeError, match="empty range"):
        build_report_data(lake, None, _at(LAST), _at(FIRST))
    with pytest.raises(LakeError, match="no observation"):
        build_report_data(lake, None, _at(FIRST + 600), _at(FIRST + 1200))


@pytest.fixture(scope="module")
def depth_lake(tmp_path_factory: pytest.TempPathFactory) -> analysis.Lake:
    root = write_lake(tmp_path_factory.mktemp("report-depth") / "lake", depth=True)
    return analysis.open_lake(str(root))


def test_liquidity_is_the_depth_table_over_every_second(depth_lake: analysis.Lake) -> None:
    data = build_report_data(depth_lake, None, _at(FIRST), _at(LAST))
    smallest = {"btc_mxn": "0p1btc", "usd_mxn": "1000usd"}
    for book in data.books:
        assert book.depth is not None
        summary, size = book.depth.summary, smallest[book.book]
        assert book.depth.sizes == tuple(
            {"btc_mxn": ("0p1btc", "1btc"), "usd_mxn": ("1000usd", "10000usd")}[book.book]
        )  # smallest first, whatever the configured order
        rows = depth_lake.depth(book.book, FIRST, LAST).df()
        assert summary.rows == len(rows) == 600 * len(WINDOW_STARTS)
        assert summary.measured == rows["depth_source"].notna().sum()
        assert 0.95 * summary.rows < summary.measured < summary.rows  # ~3 % without a book
        assert summary.share_diff == approx((rows["depth_source"] == "diff").mean())
        # medians over every row, straight from the stored rows
        assert summary.median_bid_1pct == approx(rows["depth_1pct_bid_base"].median())
        assert summary.median_ask_1pct == approx(rows["depth_1pct_ask_base"].median())
        assert summary.median_ask_1pct < summary.median_bid_1pct  # the lake's asks are thinner
        assert summary.size == size
        assert summary.median_slippage_buy == approx(rows[f"slippage_buy_{size}_bp"].median())
        assert summary.median_slippage_sell == approx(rows[f"slippage_sell_{size}_bp"].median())
        # the chart buckets are the series' buckets and hold every depth row
        assert [b.bucket_at for b in book.depth.series] == [b.bucket_at for b in book.series]
        assert sum(b.n_seconds for b in book.depth.series) == summary.rows
        assert set(book.depth.series[0].slippage) == {
            f"slippage_{w}_{s}_bp" for s in book.depth.sizes for w in ("buy", "sell")
        }  # only the book's own sizes, not the other book's columns


def test_chart_buckets_are_means_of_the_depth_rows(depth_lake: analysis.Lake) -> None:
    start = WINDOW_STARTS[2]
    data = build_report_data(depth_lake, ["btc_mxn"], _at(start), _at(start + 600))
    (book,) = data.books
    assert book.depth is not None and data.interval.seconds == 1
    rows = depth_lake.depth("btc_mxn", start, start + 600)
    stored = rows.project("depth_1pct_bid_base, depth_source").fetchall()
    assert [b.bid_1pct for b in book.depth.series] == [bid for bid, _ in stored]
    assert [b.share_diff for b in book.depth.series] == [float(s == "diff") for _, s in stored]
    assert any(bid is None for bid, _ in stored)  # seconds without a book stay empty


def test_a_lake_without_depth_rows_reports_no_liquidity(lake: analysis.Lake) -> None:
    data = build_report_data(lake, None, _at(FIRST), _at(LAST))
    assert [b.depth for b in data.books] == [None, None]
