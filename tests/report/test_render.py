"""The page: self-contained, numbers exact, the right charts for the range; figure specs valid."""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import plotly.graph_objects as go
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitsodata.report import charts
from bitsodata.report.model import MAX_POINTS, choose_interval, size_text
from bitsodata.report.render import fmt_duration, render_report
from tests.report.sample import sample_report

DAY = 86_400


def _specs(html: str) -> list[dict[str, object]]:
    found = re.search(r'<script type="application/json" id="report-charts">(.*?)</script>', html)
    assert found
    return json.loads(found.group(1))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("seconds", "name"),
    [(45, "1s"), (3_600, "2s"), (DAY, "1min"), (7 * DAY, "10min"), (30 * DAY, "30min")],
)
def test_interval_follows_the_range(seconds: int, name: str) -> None:
    assert choose_interval(seconds).name == name


@given(st.integers(min_value=1, max_value=365 * DAY))
def test_interval_keeps_series_within_the_point_budget(seconds: int) -> None:
    interval = choose_interval(seconds)
    assert seconds / interval.seconds <= MAX_POINTS or interval.name == "1d"


def test_page_asks_for_nothing_outside_itself() -> None:
    html = render_report(sample_report())
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html)
    assert html.count("<script>") == 2  # plotly.js once, then the page's own boot script
    assert html.count("plotly.js v") == 1


def test_summary_cells_carry_the_exact_stats() -> None:
    report = sample_report()
    html = render_report(report)
    for book in report.books:
        row = re.search(rf'<tr data-book="{book.book}">(.*?)</tr>', html)
        assert row
        cells = dict(re.findall(r'data-field="([^"]+)" data-value="([^"]*)"', row.group(1)))
        assert json.loads(cells["rows"]) == book.stats["rows"]
        assert json.loads(cells["missing_pct"]) == book.stats["missing_pct"]
        for name, value in book.stats["spread"].items():
            assert json.loads(cells[f"spread.{name}"]) == value
        for threshold, seconds in book.stats["seconds_above"].items():
            assert json.loads(cells[f"seconds_above.{threshold}"]) == seconds


def test_every_book_gets_its_charts_and_long_ranges_a_heatmap() -> None:
    specs = _specs(render_report(sample_report(7 * DAY)))
    ids = {s["id"] for s in specs}
    for book in ("btc_mxn", "usd_mxn"):
        assert {f"spread-{book}", f"quality-{book}", f"histogram-{book}", f"heatmap-{book}"} <= ids


def test_short_ranges_say_why_there_is_no_heatmap() -> None:
    html = render_report(sample_report(2 * 3_600))
    assert not any(s["id"].startswith("heatmap-") for s in _specs(html))  # type: ignore[attr-defined]
    assert html.count("Needs a range of three days or more") == 2


def test_figure_specs_are_valid_plotly() -> None:
    report = sample_report(4 * DAY)
    for book in report.books:
        for figure in (
            charts.spread_figure(report, book),
            charts.quality_figure(report, book),
            charts.histogram_figure(report, book),
            charts.heatmap_figure(book),
        ):
            go.Figure(figure)  # raises on any unknown property or bad value


def test_series_points_stay_within_the_budget_over_thirty_days() -> None:
    report = sample_report(30 * DAY)
    for book in report.books:
        x = charts.spread_figure(report, book)["data"][-1]["x"]
        assert len(x) <= MAX_POINTS + 10


def test_thresholds_are_drawn_on_the_spread_chart() -> None:
    report = sample_report()
    layout = charts.spread_figure(report, report.books[0])["layout"]
    assert sorted(s["y0"] for s in layout["shapes"]) == [0.1, 0.5, 1.0]


def test_seconds_without_any_row_show_in_the_quality_strip() -> None:
    report = sample_report(2 * 3_600)
    book = report.books[0]
    absent = charts.absent_spans(report, book.series)
    assert len(absent) == 1  # the sample leaves out four buckets in the middle
    gap = absent[0][1] - absent[0][0]
    assert gap == timedelta(seconds=4 * report.interval.seconds)
    no_row = charts.quality_figure(report, book)["data"][-1]
    assert no_row["name"] == "no row" and no_row["width"][-1] == gap.total_seconds() * 1000


def test_thresholds_other_than_the_defaults_are_drawn() -> None:
    report = sample_report()
    custom = type(report)(**{**report.__dict__, "thresholds": (Decimal("0.2"),)})
    layout = charts.spread_figure(custom, custom.books[0])["layout"]
    assert [a["text"] for a in layout["annotations"]] == ["0.2 %"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(45, "45 s"), (725, "12 min 05 s"), (12_000, "3 h 20 min"), (187_200, "2 d 4 h")],
)
def test_durations_read_naturally(seconds: int, text: str) -> None:
    assert fmt_duration(seconds) == text


def test_rare_alerts_are_shaded_full_height_and_frequent_ones_only_in_their_lane() -> None:
    report = sample_report()
    traces = charts.spread_figure(report, report.books[0])["data"]
    names = [t["name"] for t in traces if t.get("yaxis") == "y2"]
    assert names.count("spread-0.5 firing") == 2  # its lane, and the full-height shading
    assert names.count("spread-0.1 firing") == 1  # firing all along: the lane only


def test_books_with_depth_rows_get_a_liquidity_chart_and_the_others_say_why_not() -> None:
    report = sample_report(DAY, depth=("btc_mxn",))
    html = render_report(report)
    ids = {s["id"] for s in _specs(html)}  # type: ignore[misc]
    assert "liquidity-btc_mxn" in ids and "liquidity-usd_mxn" not in ids
    section = html.split('id="book-usd_mxn"', 1)[1]
    assert "No depth rows for this book in the range" in section
    btc = re.search(
        r'<table class="summary" id="liquidity">.*?<tr data-book="btc_mxn">(.*?)</tr>', html
    )
    assert btc
    cells = dict(re.findall(r'data-field="([^"]+)" data-value="([^"]*)"', btc.group(1)))
    summary = report.books[0].depth.summary  # type: ignore[union-attr]
    assert json.loads(cells["depth.bid_1pct"]) == summary.median_bid_1pct
    assert json.loads(cells["depth.ask_1pct"]) == summary.median_ask_1pct
    assert json.loads(html_lib.unescape(cells["depth.size"])) == "0p1btc"
    assert json.loads(cells["depth.slippage_buy"]) == summary.median_slippage_buy
    assert json.loads(cells["depth.slippage_sell"]) == summary.median_slippage_sell


def test_the_liquidity_chart_draws_both_sides_and_every_size_per_side() -> None:
    report = sample_report(4 * DAY, depth=("btc_mxn", "usd_mxn"))
    for book in report.books:
        figure = charts.liquidity_figure(report, book)
        assert figure is not None
        go.Figure(figure)  # a valid plotly spec
        names = [t["name"] for t in figure["data"]]
        base = book.book.split("_")[0]
        assert names[:2] == [f"bids within 1 % ({base})", f"asks within 1 % ({base})"]
        sizes = book.depth.sizes  # type: ignore[union-attr]
        shown = [size_text(s) for s in sizes]
        assert names[2:] == [f"{w} {s} slippage (bp)" for s in shown for w in ("buy", "sell")]
        assert all(t.get("yaxis") == "y2" for t in figure["data"][2:])
        bids = figure["data"][0]["y"]
        assert None in bids  # the sample's missing buckets break the lines
        assert len([y for y in bids if y is not None]) == len(book.series)


@pytest.mark.parametrize(
    ("label", "text"),
    [("0p1btc", "0.1 btc"), ("10000usd", "10000 usd"), ("1btc", "1 btc"), ("5pen", "5 pen")],
)
def test_sizes_read_as_amount_and_currency(label: str, text: str) -> None:
    assert size_text(label) == text


def test_depth_rows_without_any_measured_book_say_so_instead_of_an_empty_chart() -> None:
    report = sample_report(DAY, books=("btc_mxn",), depth=("btc_mxn",))
    (book,) = report.books
    assert book.depth is not None
    empty = replace(book.depth, summary=replace(book.depth.summary, measured=0))
    html = render_report(replace(report, books=(replace(book, depth=empty),)))
    assert not any(str(s["id"]).startswith("liquidity-") for s in _specs(html))
    assert "no book measured in the range" in html


def test_no_depth_at_all_means_no_liquidity_chart() -> None:
    report = sample_report(DAY)
    html = render_report(report)
    assert not any(str(s["id"]).startswith("liquidity-") for s in _specs(html))
    assert charts.liquidity_figure(report, report.books[0]) is None
    assert html.count("No depth rows for this book in the range") == 2 * 2  # table and section
