"""``bitsodata simulate exchange`` as a user runs it: endpoints printed, clean stop on a signal."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest
from typer.testing import CliRunner

from bitsodata.cli.main import app
from bitsodata.simulator import SimConfig, SimulatorServer

OPTIONS = [
    "--host",
    "--port",
    "--books",
    "--seed",
    "--speed",
    "--fault",
    "--replay",
    "--ka-interval",
    "--rate-limit",
    "--rate-limit-status",
    "--lockout-seconds",
    "--update-rate",
    "--extra-books",
    "--rate-limit-window",
    "--replay-loop",
    "--block-after",
    "--block-seconds",
]


def test_help_documents_every_option() -> None:
    result = CliRunner().invoke(app, ["simulate", "exchange", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in OPTIONS:
        assert option in result.output
    assert "wide_spread" in result.output and "ws_drop" in result.output


def test_prints_one_line_per_endpoint_and_stops_cleanly_on_sigterm() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bitsodata",
            "simulate",
            "exchange",
            "--port",
            "0",
            "--seed",
            "3",
            "--books",
            "btc_mxn,usd_mxn,eth_mxn",
            "--fault",
            "wide_spread:btc_mxn",
            "--speed",
            "5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        rest_line, ws_line = proc.stdout.readline(), proc.stdout.readline()
        assert rest_line.startswith("REST http://127.0.0.1:") and rest_line.rstrip().endswith("/v3")
        assert ws_line.startswith("WS ws://127.0.0.1:")
        rest = rest_line.split()[1]
        tickers = httpx.get(f"{rest}/ticker/", timeout=5).json()["payload"]
        assert [t["book"] for t in tickers] == ["btc_mxn", "usd_mxn", "eth_mxn"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""
        assert proc.stderr is not None
        # a clean stop: nothing but the control line (no traceback, no leaked-task warning)
        assert proc.stderr.read().splitlines() == [f"control: {rest[:-3]}/_control/faults"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_bad_fault_is_a_clear_error() -> None:
    result = CliRunner().invoke(app, ["simulate", "exchange", "--fault", "meltdown"])
    assert result.exit_code == 1
    assert "unknown fault 'meltdown'" in result.stderr
    assert "wide_spread" in result.stderr, "the message lists the known faults"


@pytest.mark.parametrize(
    "args", [["--speed", "0"], ["--books", ""], ["--books", "BTC-MXN"], ["--update-rate", "-1"]]
)
def test_bad_options_are_refused(args: list[str]) -> None:
    result = CliRunner().invoke(app, ["simulate", "exchange", *args])
    assert result.exit_code != 0
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1


def test_printed_urls_bracket_an_ipv6_host() -> None:
    server = SimulatorServer(SimConfig(host="::1", port=8765))
    assert (server.rest_url, server.ws_url) == ("http://[::1]:8765/v3", "ws://[::1]:8765/ws")
