"""``bitsodata spread collect``: options reach the settings, bad input fails cleanly, a real run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bitsodata.cli.main import app
from bitsodata.cli.spread_collect import overrides, parse_books
from bitsodata.errors import ConfigError
from bitsodata.lake.windowfile import FILE_COLUMNS
from tests.cli.outcome import error_line
from tests.fakes.exchange import RunningExchange, exchange, make_exchange  # noqa: F401


def test_books_are_split_trimmed_and_deduplicated() -> None:
    assert parse_books(" btc_mxn, usd_mxn ,btc_mxn,") == ("btc_mxn", "usd_mxn")
    with pytest.raises(ConfigError):
        parse_books(" , ")


def test_the_metrics_address_flags_reach_the_settings() -> None:
    got = overrides(metrics_port=9108, metrics_host="0.0.0.0")
    assert got == {"monitor": {"metrics_port": 9108, "metrics_host": "0.0.0.0"}}


def test_only_given_options_override_settings() -> None:
    got = overrides(books=("eth_mxn",), lake=None, fmt="csv", ws_url="ws://x", journal_dir=None)
    assert got == {
        "monitor": {"books": ("eth_mxn",), "format": "csv"},
        "exchange": {"ws_url": "ws://x"},
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window-seconds", "7"], "window_seconds must divide"),
        (["--books", "BTC/MXN"], "not a book id"),
        (["--format", "xlsx"], "invalid setting monitor.format"),
        (["--duration", "0"], "--duration must be positive"),
    ],
)
def test_bad_options_are_refused_before_anything_runs(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(
        app,
        ["spread", "collect", *args,
         "--journal-dir", str(tmp_path / "j"), "--lake", str(tmp_path / "lake")],
    )  # fmt: skip
    assert message in error_line(result)
    assert not (tmp_path / "lake").exists()  # refused before the collector started


def test_a_bad_option_is_a_one_line_error_from_the_real_command(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bitsodata", "spread", "collect", "--window-seconds", "7",
         "--journal-dir", str(tmp_path / "j"), "--lake", str(tmp_path / "lake")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 1
    assert "window_seconds must divide" in out.stderr and "Traceback" not in out.stderr


def test_a_short_run_writes_csv_windows_with_the_brief_columns_first(
    exchange: RunningExchange,  # noqa: F811
    tmp_path: Path,
) -> None:
    lake = tmp_path / "lake"
    result = CliRunner().invoke(
        app,
        [
            "spread", "collect", "--books", "btc_mxn", "--lake", str(lake), "--format", "csv",
            "--window-seconds", "1", "--duration", "3", "--exchange-url", exchange.rest_url,
            "--ws-url", exchange.ws_url, "--journal-dir", str(tmp_path / "journal"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "windows written" in result.output
    files = sorted(lake.rglob("*.csv"))
    assert len(files) >= 2  # one per second that ended during the run
    header, *rows = files[-1].read_text().splitlines()
    assert header.split(",") == list(FILE_COLUMNS)
    assert len(rows) == 1 and rows[0].split(",")[1].strip('"') == "btc_mxn"
    assert files[-1].relative_to(lake).parts[:2] == ("spreads", "btc_mxn")


def test_a_lake_that_is_a_file_fails_at_start(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    lake.write_text("a file where the lake should be")
    result = CliRunner().invoke(
        app,
        ["spread", "collect", "--duration", "5", "--lake", str(lake),
         "--journal-dir", str(tmp_path / "j"), "--exchange-url", "http://127.0.0.1:9/v3",
         "--ws-url", "ws://127.0.0.1:9"],
    )  # fmt: skip
    assert "is a file, not a folder" in error_line(result)


def test_a_run_writes_depth_windows_next_to_the_spread_windows(
    exchange: RunningExchange,  # noqa: F811
    tmp_path: Path,
) -> None:
    import pyarrow.parquet as pq

    from bitsodata.lake.layout import parse_window_key

    lake = tmp_path / "lake"
    result = CliRunner().invoke(
        app,
        [
            "spread", "collect", "--books", "btc_mxn,usd_mxn", "--lake", str(lake),
            "--window-seconds", "2", "--duration", "7", "--exchange-url", exchange.rest_url,
            "--ws-url", exchange.ws_url, "--journal-dir", str(tmp_path / "journal"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    def windows(table: str) -> set[tuple[str, int]]:
        return {parse_window_key(str(p))[:2] for p in (lake / table).rglob("*.parquet")}

    assert windows("depth") == windows("spreads") and len(windows("depth")) >= 6
    last = max(windows("depth"), key=lambda w: w[1])[1]
    rows = pq.read_table(next((lake / "depth" / "btc_mxn").rglob(f"*{_stamp(last)}Z.parquet")))
    assert rows.num_rows == 2 and rows.schema.metadata[b"bitsodata.table"] == b"depth"
    assert set(rows.column("depth_source").to_pylist()) == {"diff"}  # the full book, exact
    assert all(v is not None and v > 0 for v in rows.column("depth_2pct_ask_base").to_pylist())
    assert "slippage_buy_1btc_bp" in rows.column_names


def _stamp(start: int) -> str:
    from datetime import UTC, datetime

    return f"{datetime.fromtimestamp(start, tz=UTC):%Y%m%dT%H%M%S}"
