"""``bitsodata spread query`` / ``spread stats`` in-process over a generated lake."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bitsodata.cli.main import app
from bitsodata.domain.observation import Observation
from bitsodata.errors import LakeError
from bitsodata.lake.layout import legacy_window_key
from bitsodata.lake.storage import LocalStorage
from bitsodata.lake.windowfile import V1_SCHEMA, decode_window
from tests.lake.helpers import DAY0, build_lake, window

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
    assert bad_time.exit_code == 2 and "not a time" in bad_time.output
    backwards = runner.invoke(app, [*args, "--from", "2024-05-07"])
    assert isinstance(backwards.exception, LakeError)  # main() prints it and exits 1
    bad_sql = runner.invoke(app, ["spread", "query", "select nope", "--lake", str(root)])
    assert isinstance(bad_sql.exception, LakeError)


def test_stats_of_every_book_in_one_table_json_and_csv(lake: Lake) -> None:
    root, _rows = lake
    args = ["spread", "stats", "--lake", str(root), "--from", "2024-05-04", "--to", "2024-05-06"]
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "btc_mxn" in table.output and "usd_mxn" in table.output
    listed = json.loads(runner.invoke(app, [*args, "--format", "json"]).output)
    assert [s["book"] for s in listed] == ["btc_mxn", "usd_mxn"]
    one = json.loads(runner.invoke(app, [*args, "--books", "usd_mxn", "--format", "json"]).output)
    assert one == listed[1:]
    lines = list(csv.reader(io.StringIO(runner.invoke(app, [*args, "--format", "csv"]).output)))
    assert lines[0][:3] == ["book", "from", "to"] and "spread_p95" in lines[0]
    assert [row[0] for row in lines[1:]] == ["btc_mxn", "usd_mxn"]
    assert lines[1][lines[0].index("rows")] == str(listed[0]["rows"])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--book", "eth_mxn"], "no data for book eth_mxn"),
        (["--from", "2030-01-01", "--to", "2030-01-02"], "no observations"),
        (["--lake", "/nonexistent/lake"], "no lake at /nonexistent/lake"),
        (["--book", "btc_mxn", "--books", "usd_mxn"], "not both"),
    ],
)
def test_stats_refuses_questions_it_cannot_answer(
    lake: Lake, extra: list[str], message: str
) -> None:
    root, _rows = lake
    args = ["spread", "stats", "--lake", str(root), "--from", "2024-05-04", "--to", "2024-05-06"]
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code != 0
    assert message in str(result.exception) + result.output


def test_query_limited_to_books_and_range(lake: Lake) -> None:
    root, _rows = lake
    sql = "select book, count(*) as n from spreads group by book order by book"
    args = ["spread", "query", sql, "--lake", str(root), "--format", "csv", "--books", "usd_mxn"]
    result = runner.invoke(app, [*args, "--from", str(DAY0), "--to", str(DAY0 + 900)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["book,n", "usd_mxn,600"]  # the one window inside


def test_migrate_rewrites_a_version_1_lake(tmp_path: Path) -> None:

    root = tmp_path / "old"
    storage = LocalStorage(root)
    rows = window("btc_mxn", DAY0, seconds=600)

    old = pa.table(
        {
            "orderbook_timestamp": [r.orderbook_timestamp for r in rows],
            "book": [r.book for r in rows],
            "bid": [None if r.bid is None else float(r.bid) for r in rows],
            "ask": [None if r.ask is None else float(r.ask) for r in rows],
            "spread": [None if r.spread is None else float(r.spread) for r in rows],
            "exchange_timestamp": [
                None if r.exchange_timestamp is None else r.exchange_timestamp.isoformat()
                for r in rows
            ],
            "received_at": [r.received_at for r in rows],
            "age_ms": [r.age_ms for r in rows],
            "source": [r.source for r in rows],
            "status": [r.status for r in rows],
            "sequence": [r.sequence for r in rows],
        },
        schema=V1_SCHEMA,
    )
    sink = io.BytesIO()
    pq.write_table(old, sink)
    storage.put(legacy_window_key("btc_mxn", DAY0), sink.getvalue())
    dry = runner.invoke(app, ["spread", "migrate", "--lake", str(root), "--dry-run"])
    assert dry.exit_code == 0 and "would rewrite 1 window files" in dry.output
    done = runner.invoke(app, ["spread", "migrate", "--lake", str(root)])
    assert done.exit_code == 0 and "rewrote 1 window files" in done.output
    (key,) = storage.list("spreads/")
    assert key == "spreads/btc_mxn/date=2024-05-05/hour=0/btc_mxn_20240505T000000Z.parquet"

    assert decode_window(storage.get(key), "parquet") == rows
