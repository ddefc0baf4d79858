"""The rendered page in real headless Chromium, network cut: it draws every chart, asks for nothing
and logs no error."""

from __future__ import annotations

from pathlib import Path

from bitsodata.report.render import render_report
from tests.report.browser import CHARTS_DRAWN, distinct_colors, open_report
from tests.report.sample import sample_report

DAY = 86_400


def test_a_week_report_draws_every_chart_offline(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_report(sample_report(7 * DAY, depth=("btc_mxn", "usd_mxn"))))
    with open_report(path) as run:
        drawn = run.page.evaluate(CHARTS_DRAWN)
        shot = run.page.screenshot(full_page=True)
        colors = distinct_colors(run, shot)
    assert run.requests == []
    assert run.console_errors == [] and run.page_errors == []
    kinds = {(c["book"], c["kind"]) for c in drawn}
    for book in ("btc_mxn", "usd_mxn"):
        kinds_of_book = ("spread", "quality", "liquidity", "histogram", "heatmap")
        assert {(book, k) for k in kinds_of_book} <= kinds
    for chart in drawn:
        assert chart["plotted"] and chart["svg"] >= 1 and chart["traces"] >= 1, chart
        assert chart["marks"] >= 1, chart
    assert colors > 500  # axes, text, fills and a colour scale: far from a blank page


def test_a_short_report_has_no_heatmap_and_no_error(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_report(sample_report(30 * 60, books=("btc_mxn",))))
    with open_report(path) as run:
        drawn = run.page.evaluate(CHARTS_DRAWN)
        note = run.page.locator("text=Needs a range of three days or more").count()
        no_depth = run.page.locator("text=No depth rows for this book in the range").count()
    assert run.requests == [] and run.console_errors == [] and run.page_errors == []
    assert sorted(c["kind"] for c in drawn) == ["histogram", "quality", "spread"]
    assert note == 1
    assert no_depth == 2  # the liquidity table and the book's section


def test_the_harness_sees_a_page_that_reaches_out(tmp_path: Path) -> None:
    path = tmp_path / "leaky.html"
    path.write_text(
        '<html><body><img src="http://192.0.2.1/x.png"><script>'
        'document.body.dataset.charts = "0"; console.error("boom")</script></body></html>'
    )
    with open_report(path) as run:
        pass
    assert run.requests == ["http://192.0.2.1/x.png"]
    assert "boom" in run.console_errors
