"""Bad command lines of every command: one line on stderr naming the problem, a non-zero exit,
no traceback, and nothing written (no file or folder appears in the working folder)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bitsodata.cli.edge import ErrorEdge
from bitsodata.cli.main import app
from tests.cli.outcome import error_line
from tests.cli.test_help import all_commands
from tests.fakes.credentials import fake_secret

SECRET = fake_secret("s3key")
DB_PASSWORD = fake_secret("dbpass")


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    says: str
    """A piece of the one stderr line (names the problem)."""
    env: dict[str, str] = field(default_factory=dict)


def case(*args: str, says: str, **env: str) -> Case:
    return Case(args, says, {f"BITSODATA_{k}": v for k, v in env.items()})


DAY = ("--day", "2021-01-01")
ACTIVE = ("warehouse", "ask", "active-users", *DAY)
CASES: dict[str, Case] = {
    # settings: files, environment, values
    "config-broken-toml": case("--config", "broken.toml", "alerts", "list", says="not valid TOML"),
    "config-missing": case("--config", "nope.toml", "alerts", "list", says="not found"),
    "config-folder": case("--config", "batch", "alerts", "list", says="is a folder"),
    "config-unknown-key": case(
        "--config", "typo.toml", "alerts", "list", says="unknown setting monitor.window_secnds"
    ),
    "env-typo-sim": case("simulate", "exchange", says="BITSODATA_BOGUS__X", BOGUS__X="1"),
    "env-typo-sample": case(
        "warehouse", "sample", "--out", "s", says="BITSODATA_LAKE_URL", LAKE_URL="x"
    ),
    "config-broken-land": case(
        "--config",
        "broken.toml",
        "warehouse",
        "land",
        "--source",
        "batch",
        "--out",
        "l",
        says="not valid TOML",
    ),
    "env-typo-fetch": case("warehouse", "fetch-sample", "--out", "f", says="BITSODATA_X", X="1"),
    "env-log-level": case("alerts", "list", says="logging.level", LOGGING__LEVEL="LOUD"),
    "env-single-underscore": case("alerts", "list", says="BITSODATA_LAKE_URL", LAKE_URL="x"),
    "env-unknown-section": case("alerts", "list", says="BITSODATA_BOGUS__X", BOGUS__X="1"),
    "env-list-not-json": case("alerts", "list", says="must be JSON", MONITOR__BOOKS="btc_mxn"),
    "env-port-range": case(
        "spread", "collect", says="monitor.metrics_port", MONITOR__METRICS_PORT="70000"
    ),
    # simulate exchange
    "sim-port-range": case("simulate", "exchange", "--port", "99999", says="--port"),
    "sim-port-busy": case("simulate", "exchange", "--port", "{busy}", says="already in use"),
    "sim-port-word": case("simulate", "exchange", "--port", "abc", says="--port"),
    "sim-fault": case("simulate", "exchange", "--fault", "meltdown", says="unknown fault"),
    "sim-book": case("simulate", "exchange", "--books", "BTC-MXN", says="not a book id"),
    "sim-replay": case("simulate", "exchange", "--replay", "gone.csv", says="does not exist"),
    # spread collect
    "collect-journal-under-file": case(
        "spread", "collect", "--journal-dir", "afile/j", says="afile is a file"
    ),
    "collect-lake-is-file": case("spread", "collect", "--lake", "afile", says="afile is a file"),
    "collect-lake-scheme": case(
        "spread", "collect", "--lake", "gs://b/x", says="not a local folder or s3://"
    ),
    "collect-s3-no-bucket": case("spread", "collect", "--lake", "s3://", says="needs a bucket"),
    "collect-port-range": case(
        "spread", "collect", "--metrics-port", "99999", says="--metrics-port"
    ),
    "collect-port-busy": case(
        "spread", "collect", "--metrics-port", "{busy}", says="already in use"
    ),
    "collect-host": case(
        "spread", "collect", "--metrics-port", "0", "--metrics-host", "a b", says="metrics_host"
    ),
    "collect-window": case("spread", "collect", "--window-seconds", "7", says="must divide"),
    "collect-books": case("spread", "collect", "--books", " , ", says="--books"),
    "collect-bad-book": case("spread", "collect", "--books", "BTC/MXN", says="not a book id"),
    "collect-format": case("spread", "collect", "--format", "xlsx", says="monitor.format"),
    "collect-duration": case("spread", "collect", "--duration", "0", says="--duration"),
    "collect-duration-nan": case("spread", "collect", "--duration", "nan", says="--duration"),
    "collect-duration-inf": case("spread", "collect", "--duration", "inf", says="finite"),
    "sim-speed-inf": case("simulate", "exchange", "--ka-interval", "inf", says="--ka-interval"),
    "sample-scale-inf": case("warehouse", "sample", "--out", "s", "--scale", "inf", says="finite"),
    "query-empty": case("spread", "query", " ", says="give a SQL statement"),
    "collect-rules-missing": case(
        "spread", "collect", "--alerts", "gone.toml", says="rules file not found"
    ),
    "collect-rules-broken": case("spread", "collect", "--alerts", "broken.toml", says="TOML"),
    "collect-rest-url": case(
        "spread", "collect", "--exchange-url", "not-a-url", says="exchange.rest_url"
    ),
    "collect-ws-port": case(
        "spread", "collect", "--ws-url", "ws://x:99999/", says="exchange.ws_url"
    ),
    # spread query / stats
    "query-lake-is-file": case(
        "spread", "query", "select 1", "--lake", "afile", says="not a folder"
    ),
    "query-lake-missing": case("spread", "query", "select 1", "--lake", "gone", says="no lake"),
    "stats-time": case(
        "spread",
        "stats",
        "--book",
        "btc_mxn",
        "--from",
        "yesterday",
        "--to",
        "now",
        says="--from: not a time",
    ),
    "stats-backwards": case(
        "spread",
        "stats",
        "--book",
        "btc_mxn",
        "--from",
        "-1h",
        "--to",
        "-2h",
        says="--to must be after --from",
    ),
    "report-range": case(
        "spread", "report", "--from", "now", "--to", "-1h", says="--to must be after --from"
    ),
    "report-lake-missing": case(
        "spread", "report", "--from", "-1h", "--to", "now", "--lake", "gone", says="no lake"
    ),
    "migrate-lake-missing": case("spread", "migrate", "--lake", "gone", says="no lake"),
    "query-book": case("spread", "query", "select 1", "--books", "BTC", says="not a book id"),
    "stats-books-both": case(
        "spread",
        "stats",
        "--book",
        "btc_mxn",
        "--books",
        "usd_mxn",
        "--from",
        "-1h",
        "--to",
        "now",
        says="not both",
    ),
    "stats-book": case(
        "spread", "stats", "--book", "BTC", "--from", "-1h", "--to", "now", says="not a book id"
    ),
    "stats-lake-missing": case(
        "spread",
        "stats",
        "--book",
        "btc_mxn",
        "--from",
        "-1h",
        "--to",
        "now",
        "--lake",
        "gone",
        says="no lake",
    ),
    # alerts
    "alerts-list-broken": case("alerts", "list", "--file", "broken.toml", says="TOML"),
    "alerts-test-nan": case("alerts", "test", "--spread", "nan", says="--spread"),
    "alerts-test-inf": case("alerts", "test", "--spread", "-inf", says="--spread"),
    "alerts-test-word": case("alerts", "test", "--spread", "wide", says="--spread"),
    "alerts-test-book": case("alerts", "test", "--spread", "1", "--book", "X", says="not a book"),
    "alerts-add-nan": case(
        "alerts", "add", "-n", "x", "--above", "nan", "--file", "r.toml", says="--above"
    ),
    "alerts-add-under-file": case(
        "alerts", "add", "-n", "x", "--above", "1", "--file", "afile/r.toml", says="afile is a file"
    ),
    "alerts-add-no-file": case("alerts", "add", "-n", "x", "--above", "1", says="no rules file"),
    "alerts-remove-missing": case(
        "alerts", "remove", "-n", "x", "--file", "gone.toml", says="rules file not found"
    ),
    "alerts-replay-time": case(
        "alerts", "replay", "--from", "soon", "--to", "now", says="--from: not a time"
    ),
    "alerts-replay-lake": case(
        "alerts", "replay", "--from", "-1h", "--to", "now", "--lake", "afile", says="not a folder"
    ),
    # warehouse
    "ask-not-duckdb": case(*ACTIVE, "--db", "notdb.duckdb", says="not a DuckDB database"),
    "ask-missing-db": case(*ACTIVE, "--db", "gone.duckdb", says="no warehouse database"),
    "ask-empty-db": case(*ACTIVE, "--db", "empty.duckdb", says="holds no warehouse"),
    "ask-mysql": case(*ACTIVE, "--db", "mysql://u:pw@h/db", says="mysql:// is not supported"),
    "ask-dates-backwards": case(
        "warehouse",
        "ask",
        "login-count",
        "--user",
        "u1",
        "--from",
        "2021-12-31",
        "--to",
        "2021-01-01",
        "--db",
        "empty.duckdb",
        says="date_from=2021-12-31",
    ),
    "ask-unknown": case(
        "warehouse", "ask", "nope", "--db", "empty.duckdb", says="unknown question"
    ),
    "load-landing-missing": case("warehouse", "load", "--landing", "gone", says="does not exist"),
    "load-batch-is-file": case("warehouse", "load", "--batch", "afile", says="not a folder"),
    "load-db-not-duckdb": case(
        "warehouse", "load", "--batch", "batch", "--db", "notdb.duckdb", says="not a DuckDB"
    ),
    "load-db-under-file": case(
        "warehouse", "load", "--batch", "batch", "--db", "afile/w.duckdb", says="afile is a file"
    ),
    "load-mysql": case(
        "warehouse", "load", "--batch", "batch", "--db", "mysql://h/d", says="mysql"
    ),
    "checks-not-duckdb": case("warehouse", "checks", "--db", "notdb.duckdb", says="not a DuckDB"),
    "checks-missing-db": case("warehouse", "checks", "--db", "gone.duckdb", says="no warehouse"),
    "export-out-under-file": case(
        "warehouse", "export", "--out", "afile/x", "--db", "empty.duckdb", says="afile is a file"
    ),
    "erd-out-under-file": case(
        "warehouse", "erd", "--out", "afile/e.svg", "--db", "empty.duckdb", says="afile is a file"
    ),
    "compact-missing-db": case("warehouse", "compact", "--db", "gone.duckdb", says="no warehouse"),
    "compact-empty-db": case("warehouse", "compact", "--db", "empty.duckdb", says="holds no"),
    "checks-empty-db": case("warehouse", "checks", "--db", "empty.duckdb", says="holds no"),
    "export-empty-db": case(
        "warehouse", "export", "--out", "x", "--db", "empty.duckdb", says="holds no warehouse"
    ),
    "erd-empty-db": case("warehouse", "erd", "--db", "empty.duckdb", says="holds no warehouse"),
    "ask-postgres-password": case(
        *ACTIVE, "--db", f"postgresql://u:{DB_PASSWORD}@127.0.0.1:1/db", says="cannot connect"
    ),
    "sample-out-under-file": case(
        "warehouse", "sample", "--out", "afile/s", says="afile is a file"
    ),
    "land-source-missing": case(
        "warehouse", "land", "--source", "gone", "--out", "l", says="does not exist"
    ),
    "fetch-out-under-file": case(
        "warehouse", "fetch-sample", "--out", "afile/x", says="afile is a file"
    ),
    "fetch-base-url": case(
        "warehouse", "fetch-sample", "--out", "x", "--base-url", "ftp://h/", says="--base-url"
    ),
}


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port another socket listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The working folder (tmp_path, see conftest) with the files the bad lines point at."""
    import duckdb

    (tmp_path / "afile").write_text("a file, not a folder\n")
    (tmp_path / "broken.toml").write_text("[monitor\nx = 1\n")
    (tmp_path / "typo.toml").write_text("[monitor]\nwindow_secnds = 60\n")
    (tmp_path / "notdb.duckdb").write_text("not a database\n")
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "user_id_sample_data.csv").write_text("user_id\nu1\n")
    return tmp_path


def snapshot(root: Path) -> dict[str, int]:
    """Every path under ``root`` with its size (a new file, folder or write shows up)."""
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*")}


def invoke(args: tuple[str, ...], env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env or {})


@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_invocation_is_one_clear_line_and_writes_nothing(
    name: str, workdir: Path, busy_port: int
) -> None:
    bad = CASES[name]
    args = tuple(a.replace("{busy}", str(busy_port)) for a in bad.args)
    before = snapshot(workdir)
    result = invoke(args, bad.env)
    line = error_line(result)
    assert bad.says in line, line
    assert "datetime." not in line and "pydantic" not in line and "input_value" not in line
    assert DB_PASSWORD not in result.output, "a password reached the output"
    assert snapshot(workdir) == before, "a refused command wrote something"


def test_the_table_covers_every_command() -> None:
    root = typer.main.get_command(app)
    paths = all_commands(root)
    every = {p for p in paths if not any(q[: len(p)] == p and q != p for q in paths)}
    tried = {c.args[i : i + 2] for c in CASES.values() for i in range(len(c.args) - 1)}
    assert every - tried == set(), "commands without a bad invocation in the table"


def test_settings_errors_name_the_key_never_the_value(workdir: Path) -> None:
    (workdir / "secret.toml").write_text(
        f'[lake]\ns3_secret_access_key = 12345678\n[alerts]\nwebhook_urll = "{SECRET}"\n'
    )
    lines = [
        error_line(invoke(("alerts", "list"), {"BITSODATA_LAKE__S3_SECRET_ACCESS_KEYY": SECRET})),
        error_line(invoke(("alerts", "list"), {"BITSODATA_ALERTS__WEBHOOK_URLL": SECRET})),
        error_line(
            invoke(
                ("alerts", "list"), {"BITSODATA_ALERTS__WEBHOOK_URL": f"https://h:99999/{SECRET}"}
            )
        ),
        error_line(invoke(("alerts", "list"), {"BITSODATA_ALERTS__WEBHOOK_URL": SECRET})),
        error_line(invoke(("--config", "secret.toml", "alerts", "list"))),
    ]
    assert "BITSODATA_LAKE__S3_SECRET_ACCESS_KEYY" in lines[0]
    assert "BITSODATA_ALERTS__WEBHOOK_URLL" in lines[1]
    assert "alerts.webhook_url" in lines[2] and "alerts.webhook_url" in lines[3]
    assert "lake.s3_secret_access_key" in lines[4] and "alerts.webhook_urll" in lines[4]
    for line in lines:
        assert SECRET not in line and "12345678" not in line, line


def test_a_warehouse_locked_by_another_process_is_a_clear_error(workdir: Path) -> None:
    db = workdir / "locked.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
         " time.sleep(60)", str(db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        for args in (
            (*ACTIVE, "--db", str(db)),
            ("warehouse", "checks", "--db", str(db)),
            ("warehouse", "load", "--batch", "batch", "--db", str(db)),
        ):
            line = error_line(invoke(args))
            assert "in use by another process" in line and f"PID {holder.pid}" in line, line
    finally:
        holder.kill()
        holder.wait()


def test_a_bug_is_still_one_line_and_traceback_shows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import bitsodata.cli.alerts as alerts_cli

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(alerts_cli, "_percent", broken)
    result = invoke(("alerts", "test", "--spread", "1"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: unexpected RuntimeError: boom (a bug; --traceback shows where)"
    ]
    shown = invoke(("--traceback", "alerts", "test", "--spread", "1"))
    assert isinstance(shown.exception, RuntimeError)
    ErrorEdge.show_tracebacks = False


def test_the_installed_command_prints_one_line(workdir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITSODATA_")}
    env["BITSODATA_LAKE_URL"] = "x"
    out = subprocess.run(
        [sys.executable, "-m", "bitsodata", "warehouse", "ask", "active-users", *DAY],
        capture_output=True, text=True, timeout=60, check=False, env=env, cwd=workdir,
    )  # fmt: skip
    assert out.returncode == 1
    assert out.stderr.splitlines() == [
        "error: unknown setting in the environment: BITSODATA_LAKE_URL (did you mean "
        "BITSODATA_LAKE__URL?); settings are BITSODATA_<SECTION>__<KEY>, e.g. BITSODATA_LAKE__URL"
    ]
