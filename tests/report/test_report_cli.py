"""``bitsodata spread report`` end to end: a lake written by the collector's window writer, the
command, then the page in headless Chromium with the network cut, checked against
``spread stats --format json``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest import approx
from typer.testing import CliRunner

from bitsodata.cli.main import app
from bitsodata.report.render import fmt_count, fmt_spread
from tests.cli.outcome import error_line
from tests.lake.helpers import BOOKS
from tests.report.browser import CHARTS_DRAWN, SUMMARY_CELLS, distinct_colors, open_report
from tests.report.lakes import FIRST, LAST, write_lake

runner = CliRunner()


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lake(tmp_path_factory.mktemp("report-cli") / "lake")


def _stats(lake: Path, book: str) -> dict[str, Any]:
    args = ["spread", "stats", "--book", book, "--lake", str(lake), "--format", "json"]
    out = runner.invoke(app, [*args, "--from", str(FIRST), "--to", str(LAST)])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)  # type: ignore[no-any-return]


def _check_cell(cells: dict[str, dict[str, str]], field: str, want: Any, text: str) -> None:
    got = json.loads(cells[field]["value"])
    assert got == (want if isinstance(want, int) else approx(want)), field
    assert cells[field]["text"] == text, field


def test_report_in_chromium_matches_spread_stats(lake: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    args = ["spread", "report", "--lake", str(lake), "--from", str(FIRST), "--to", str(LAST)]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"report written to {out}" in result.output
    with open_report(out) as run:
        drawn = run.page.evaluate(CHARTS_DRAWN)
        summary = run.page.evaluate(SUMMARY_CELLS)
        no_depth = run.page.locator("text=No depth rows for this book in the range").count()
        shot = run.page.screenshot(full_page=True)
        (tmp_path / "report.png").write_bytes(shot)
        colors = distinct_colors(run, shot)
    assert run.requests == [] and run.console_errors == [] and run.page_errors == []
    assert {(c["book"], c["kind"]) for c in drawn} == {
        (b, k) for b in BOOKS for k in ("spread", "quality", "histogram", "heatmap")
    }
    assert all(c["plotted"] and c["traces"] and c["marks"] for c in drawn), drawn
    assert no_depth == 2 * len(BOOKS)  # a lake without depth/: the table and each section say so
    assert colors > 500
    assert [row["book"] for row in summary] == list(BOOKS)
    for row in summary:
        want, cells = _stats(lake, row["book"]), row["cells"]
        for field in ("rows", "missing_rows", "absent_seconds"):
            _check_cell(cells, field, want[field], fmt_count(want[field]))
        _check_cell(cells, "missing_pct", want["missing_pct"], f"{want['missing_pct']:.3f}")
        for name, value in want["spread"].items():
            _check_cell(cells, f"spread.{name}", value, fmt_spread(value))
        for threshold, seconds in want["seconds_above"].items():
            _check_cell(cells, f"seconds_above.{threshold}", seconds, fmt_count(seconds))


@pytest.fixture(scope="module")
def depth_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lake(tmp_path_factory.mktemp("report-cli-depth") / "lake", depth=True)


LIQUIDITY_CELLS = """
() => Array.from(document.querySelectorAll("#liquidity tbody tr")).map((tr) => ({
  book: tr.dataset.book,
  text: tr.textContent,
  cells: Object.fromEntries(Array.from(tr.querySelectorAll("td[data-field]")).map(
    (td) => [td.dataset.field, td.dataset.value])),
}))
"""


def test_liquidity_in_chromium_matches_the_depth_medians(depth_lake: Path, tmp_path: Path) -> None:
    out = tmp_path / "depth.html"
    args = ["spread", "report", "--lake", str(depth_lake), "--from", str(FIRST)]
    result = runner.invoke(app, [*args, "--to", str(LAST), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with open_report(out) as run:
        drawn = run.page.evaluate(CHARTS_DRAWN)
        liquidity = run.page.evaluate(LIQUIDITY_CELLS)
        no_depth = run.page.locator("text=No depth rows").count()
    assert run.requests == [] and run.console_errors == [] and run.page_errors == []
    charts = {c["book"]: c for c in drawn if c["kind"] == "liquidity"}
    assert sorted(charts) == list(BOOKS) and no_depth == 0
    for chart in charts.values():  # two depth lines and two sizes a side, drawn
        assert chart["plotted"] and chart["traces"] == 6 and chart["marks"] >= 6, chart
    assert [row["book"] for row in liquidity] == list(BOOKS)
    for row in liquidity:
        want, cells = _stats(depth_lake, row["book"])["depth"], row["cells"]
        size = json.loads(cells["depth.size"])
        assert size == {"btc_mxn": "0p1btc", "usd_mxn": "1000usd"}[row["book"]]
        pairs = {
            "depth.bid_1pct": "median_depth_1pct_bid_base",
            "depth.ask_1pct": "median_depth_1pct_ask_base",
            "depth.slippage_buy": f"median_slippage_buy_{size}_bp",
            "depth.slippage_sell": f"median_slippage_sell_{size}_bp",
            "depth.share_diff": "exact_book_share",
        }
        for field, name in pairs.items():
            assert json.loads(cells[field]) == approx(want[name]), field


def test_books_and_thresholds_are_chosen_on_the_command_line(lake: Path, tmp_path: Path) -> None:
    out = tmp_path / "one.html"
    args = ["spread", "report", "--lake", str(lake), "--books", "usd_mxn", "--out", str(out)]
    args += ["--from", str(FIRST), "--to", str(FIRST + 600), "--thresholds", "0.25,1.5"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert 'data-book="usd_mxn"' in page and 'data-book="btc_mxn"' not in page
    assert 'data-field="seconds_above.0.25"' in page and "spread-1.5" in page


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--books", "eth_mxn"], "unknown book 'eth_mxn'"),
        (["--from", str(LAST), "--to", str(FIRST)], "--to must be after --from"),
        (["--from", str(FIRST + 600), "--to", str(FIRST + 900)], "no observation"),
    ],
)
def test_bad_requests_are_one_clear_line(lake: Path, extra: list[str], message: str) -> None:
    args = ["spread", "report", "--lake", str(lake), "--from", str(FIRST), "--to", str(LAST)]
    result = runner.invoke(app, [*args, *extra, "--out", "r.html"])
    assert message in error_line(result)
    assert not Path("r.html").exists()


def test_a_missing_lake_is_one_line_and_exit_1(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "bitsodata", "spread", "report", "--lake", str(tmp_path / "no")]
    cmd += ["--from", "2024-05-01", "--to", "2024-05-02", "--out", str(tmp_path / "r.html")]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert not (tmp_path / "r.html").exists()


def test_a_rules_file_is_replayed_instead_of_the_thresholds(lake: Path, tmp_path: Path) -> None:
    rules = tmp_path / "alerts.toml"
    rules.write_text(
        '[[rule]]\nname = "btc-wide"\nbook = "btc_mxn"\nabove = 1.5\nclear_below = 1.0\n'
        'for_seconds = 2\nseverity = "critical"\n'
    )
    out = tmp_path / "rules.html"
    args = ["spread", "report", "--lake", str(lake), "--alerts", str(rules), "--out", str(out)]
    result = runner.invoke(app, [*args, "--from", str(FIRST), "--to", str(FIRST + 600)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.count("<td>btc-wide</td>") >= 1 and "spread-0.5" not in page
