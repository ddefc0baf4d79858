"""``bitsodata warehouse load|ask|export|erd|checks`` in-process, on hand-made batches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bitsodata.cli.main import app
from tests.cli.outcome import error_line

HANDMADE = Path(__file__).resolve().parent.parent / "warehouse" / "data" / "handmade"
runner = CliRunner()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    shutil.copytree(HANDMADE / "day1", root / "date=2020-01-10")
    shutil.copytree(HANDMADE / "day2", root / "date=2020-01-11")
    return root


def _ok(*args: str) -> str:
    result = runner.invoke(app, ["warehouse", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_load_one_day_then_ask_in_json(landing: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "wh.duckdb")
    out = _ok("load", "--day", "2020-01-10", "--landing", str(landing), "--db", db)
    assert "35 rows in, 30 loaded, 5 quarantined" in out
    answer = json.loads(
        _ok(
            "ask",
            "deposit-total",
            "--day",
            "2020-01-10",
            "--currency",
            "mxn",
            "--db",
            db,
            "--format",
            "json",
        )
    )
    assert answer == {
        "question": "deposit-total",
        "params": {"day": "2020-01-10", "currency": "mxn"},
        "answer": "100.500000000000000001",
    }
    login = json.loads(
        _ok(
            "ask",
            "login-count",
            "--user",
            "u1",
            "--from",
            "2020-01-10",
            "--to",
            "2020-01-12",
            "--db",
            db,
            "--format",
            "json",
        )
    )
    assert login["answer"] == 4 and login["params"]["user_id"] == "u1"


def test_ask_in_another_time_zone(tmp_path: Path) -> None:
    db = str(tmp_path / "wh.duckdb")
    _ok("load", "--batch", str(HANDMADE / "day1"), "--db", db)
    args = ("ask", "active-users", "--day", "2020-01-09", "--db", db, "--format", "json")
    assert json.loads(_ok(*args))["answer"] == 0
    shifted = json.loads(_ok(*args, "--tz", "America/Argentina/Buenos_Aires"))
    assert shifted["answer"] == 1
    assert shifted["params"] == {"day": "2020-01-09", "tz": "America/Argentina/Buenos_Aires"}


def test_load_every_landed_day_and_answer_as_csv(landing: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "wh.duckdb")
    assert "2 batches" in _ok("load", "--landing", str(landing), "--db", db)
    out = _ok("ask", "users-without-deposit", "--db", db, "--format", "csv")
    assert out.split() == ["user_id", "u2", "u6"]
    table = _ok("ask", "last-login", "--user", "u2", "--db", db)
    assert "(null)" in table


def test_default_db_comes_from_settings(tmp_path: Path) -> None:
    _ok("load", "--batch", str(HANDMADE / "day1"))
    assert Path("warehouse.duckdb").is_file()  # relative to the test's working directory
    assert _ok("ask", "active-users", "--day", "2020-01-10").splitlines()[-1] == "4"


def test_bad_usage_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["warehouse", "load", "--db", str(tmp_path / "x.duckdb")])
    assert "exactly one of --batch" in error_line(result)
    result = runner.invoke(app, ["warehouse", "ask", "active-users", "--db", "x.duckdb"])
    assert "needs --day" in error_line(result)
    result = runner.invoke(
        app, ["warehouse", "load", "--day", "2020-13-40", "--landing", str(tmp_path)]
    )
    assert "--day must be a date" in error_line(result)


def test_schema_mismatch_reaches_the_user(tmp_path: Path) -> None:
    batch = tmp_path / "bad"
    batch.mkdir()
    (batch / "event_sample_data.csv").write_text("id,when\n1,2\n")
    result = runner.invoke(app, ["warehouse", "load", "--batch", str(batch)])
    assert "event_sample_data.csv" in error_line(result)
    assert not (tmp_path / "warehouse.duckdb").exists(), "a refused batch creates no database"


def test_export_erd_and_checks(tmp_path: Path) -> None:
    db = str(tmp_path / "wh.duckdb")
    _ok("load", "--batch", str(HANDMADE / "day1"), "--db", db)
    _ok("export", "--out", str(tmp_path / "out"), "--db", db)
    assert (tmp_path / "out" / "fct_transaction.csv").is_file()
    assert (tmp_path / "out" / "fct_transaction.parquet").is_file()
    _ok(
        "erd",
        "--out",
        str(tmp_path / "erd.svg"),
        "--mermaid",
        str(tmp_path / "erd.mmd"),
        "--db",
        db,
    )
    assert (tmp_path / "erd.svg").read_text().startswith("<svg")
    assert "erDiagram" in (tmp_path / "erd.mmd").read_text()
    out = _ok("checks", "--db", db)
    assert "0 failed" in out


def test_checks_exit_1_on_a_failed_check(tmp_path: Path) -> None:
    from bitsodata.warehouse.db import DuckDatabase

    db = str(tmp_path / "wh.duckdb")
    _ok("load", "--batch", str(HANDMADE / "day1"), "--db", db)
    handle = DuckDatabase(db)
    handle.execute("delete from dim_user where user_id = 'u1'")  # facts now point nowhere
    handle.close()
    result = runner.invoke(app, ["warehouse", "checks", "--db", db, "--format", "json"])
    assert result.exit_code == 1
    failed = [r["name"] for r in json.loads(result.output) if not r["passed"]]
    assert "relationships fct_transaction.user_id -> dim_user.user_id" in failed


def test_compact_keeps_dim_user_in_user_order(landing: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "wh.duckdb")
    _ok("load", "--day", "2020-01-10", "--landing", str(landing), "--db", db)
    assert "left as is" in _ok("compact", "--db", db)  # a small table never needs it
    assert "rewritten in user order" in _ok("compact", "--db", db, "--force")
