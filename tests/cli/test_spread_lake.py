"""``bitsodata spread query`` / ``spread stats`` in-process over a generated lake."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bitsodata.cli.main import app
from bitsodata.domain.observation import Observation
from bitsodata.lake.storage import LocalStorage
from tests.cli.outcome import error_line
from tests.lake.helpers import DAY0, build_lake

runner = CliRunner()
Lake = tuple[Path, dict[str, list[Observation]]]


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    root = tmp_path / "lake"
    return root, build_lake(LocalStorage(root))


SQL = "select book, count(*) as n, max(hour) as last_hour from spreads group by book order by book"


def test_query_csv(lake: Lake) -> None:
    root, _rows = lake
    result = runner.invoke(app, ["spread", "query", SQL, "--lake", str(root), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.output))) == [
        ["book", "n", "last_hour"],
        ["btc_mxn", "2400", "23"],
        ["usd_mxn", "2400", "23"],
    ]


def test_query_json_and_table(lake: Lake) -> None:
    root, _rows = lake
    out = runner.invoke(app, ["spread", "query", SQL, "--lake", str(root), "--format", "json"])
    assert json.loads(out.output) == [
        {"book": "btc_mxn", "n": 2400, "last_hour": 23},
        {"book": "usd_mxn", "n": 2400, "last_hour": 23},
    ]
    table = runner.invoke(app, ["spread", "query", SQL, "--lake", str(root)])
    assert table.exit_code == 0 and "btc_mxn" in table.output and "2400" in table.output


def test_lake_comes_from_settings_when_no_flag(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _rows = lake
    monkeypatch.setenv("BITSODATA_LAKE__URL", str(root))
    out = runner.invoke(
        app, ["spread", "query", "select count(*) as n from spreads", "--format", "csv"]
    )
    assert out.output.splitlines() == ["n", "4800"]


def test_stats_json_matches_a_direct_computation(lake: Lake) -> None:
    root, rows = lake
    args = ["spread", "stats", "--book", "usd_mxn", "--lake", str(root), "--format", "json"]
    args += ["--from", "2024-05-04T23:55:00Z", "--to", str(DAY0 + 3900), "--thresholds", "0.2,1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    start = DAY0 - 300
    inside = [o for o in rows["usd_mxn"] if start <= o.tick < DAY0 + 3900]
    spreads = np.array([float(o.spread) for o in inside if o.spread is not None])
    assert got["rows"] == len(inside) == 1800
    assert got["missing_pct"] == pytest.approx(
        100 * sum(o.status == "missing" for o in inside) / len(inside)
    )
    assert got["spread"]["p95"] == pytest.approx(np.percentile(spreads, 95))
    assert got["spread"]["mean"] == pytest.approx(spreads.mean())
    assert got["spread"]["max"] == pytest.approx(spreads.max())
    for text in ("0.2", "1"):
        above = sum(o.spread is not None and o.spread > Decimal(text) for o in inside)
        assert got["seconds_above"][text] == above
    assert got["from"] == "2024-05-04T23:55:00+00:00"


def test_stats_table(lake: Lake) -> None:
    root, _rows = lake
    args = ["spread", "stats", "--book", "btc_mxn", "--lake", str(root)]
    result = runner.invoke(app, [*args, "--from", "2024-05-05", "--to", "2024-05-06"])
    assert result.exit_code == 0, result.output
    assert "seconds above 0.5 %" in result.output and "p99" in result.output
    assert "84600" in result.output  # seconds of the day with no window file


def test_bad_input(lake: Lake) -> None:
    root, _rows = lake
    args = ["spread", "stats", "--book", "btc_mxn", "--lake", str(root), "--to", "2024-05-06"]
    bad_time = runner.invoke(app, [*args, "--from", "yesterday"])
    assert "--from: not a time: 'yesterday'" in error_line(bad_time)
    backwards = runner.invoke(app, [*args, "--from", "2024-05-07"])
    assert "--to must be after --from" in error_line(backwards)
    bad_sql = runner.invoke(app, ["spread", "query", "select nope", "--lake", str(root)])
    assert "nope" in error_line(bad_sql)
