"""Spread-monitor benchmarks against the simulated exchange, side by side with the naive baseline.

Figures: completeness (share of seconds with an ``ok`` row per book) of the collector and of
``baselines/naive_poller.py`` run at the same time against the same exchange; tick jitter
(|tick call - whole second|, p50/p99); update-to-observation p50/p99 = receipt of a book update
by the collector -> stored where the next observation reads it (the collector measures it on
every update), with the event loop's stall p99 (how long a frame that reaches the socket while
the loop is busy waits before it is read) and, for information only, exchange timestamp ->
receipt (it includes the simulator's own batching of updates, so it is not our latency); tick
processing (observe + journal fsync + dispatch); observation-to-webhook p50/p99 (spread alert:
its tick -> POST received by a loopback receiver); CPU % of one core and RSS with 2, 50 and 500
simulated books. The collector's stderr goes to a file, never to a pipe read only at the end (a
chatty run would block on a full pipe and measure that). ``run(quick=True)``: 120 s instead of
10 minutes, 15 s per scale step.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import psutil

from bitsodata.alerts.rules import Rule, save_rules
from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import parse_iso_second
from bitsodata.lake.layout import parse_window_key
from bitsodata.lake.storage import LocalStorage
from bitsodata.lake.windowfile import decode_window
from bitsodata.monitor.journal import Journal
from bitsodata.simulator.process import spawn_exchange

CLI = [sys.executable, "-m", "bitsodata"]
BOOKS = ("btc_mxn", "usd_mxn")
HERE = Path(__file__).resolve().parent


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def start_simulator(
    extra_books: int = 0, update_rate: float = 3.0
) -> tuple[subprocess.Popen[str], str, str]:
    return spawn_exchange(
        [
            *("--port", "0", "--seed", "3", "--ka-interval", "1"),
            *("--update-rate", str(update_rate), "--extra-books", str(extra_books)),
        ]
    )


class Receiver(BaseHTTPRequestHandler):
    """Loopback webhook, HTTP/1.1 keep-alive as real receivers: (arrival, alert tick, kind)."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[float, int, str]]] = []

    def do_POST(self) -> None:
        arrived = time.time()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Receiver.seen.append((arrived, parse_iso_second(body["at"]), body["kind"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def collector(
    rest: str,
    ws: str,
    work: Path,
    books: tuple[str, ...],
    duration: float,
    env: dict[str, str],
    window: int = 60,
) -> subprocess.Popen[str]:
    """The collector as a process; its stderr (JSON logs) goes to ``work/collector.log``."""
    args = [
        *CLI,
        "spread",
        "collect",
        "--books",
        ",".join(books),
        "--lake",
        str(work / "lake"),
        "--window-seconds",
        str(window),
        "--journal-dir",
        str(work / "journal"),
        "--exchange-url",
        rest,
        "--ws-url",
        ws,
        "--duration",
        str(duration),
    ]
    full_env = {**_base_env(), "BITSODATA_LOGGING__FORMAT": "json", **env}
    with open(work / "collector.log", "w") as err:  # never a pipe: see the module docstring
        return subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=err, text=True, env=full_env
        )


def finish(proc: subprocess.Popen[str], work: Path, timeout: float) -> str:
    """Wait for the collector; its log."""
    proc.wait(timeout=timeout)
    return (work / "collector.log").read_text()


def _base_env() -> dict[str, str]:
    import os

    return dict(os.environ)


def stopped_event(stderr: str) -> dict[str, Any]:
    for line in stderr.splitlines():
        if '"collector_stopped"' in line:
            data: dict[str, Any] = json.loads(line)
            return data
    raise RuntimeError("collector did not report: " + stderr[-2000:])


def collected_rows(work: Path) -> list[Observation]:
    storage = LocalStorage(work / "lake")
    rows = [
        r
        for k in storage.list("spreads/")
        for r in decode_window(storage.get(k), parse_window_key(k)[2])
    ]
    journal = Journal(work / "journal", fsync=False)
    return rows + [r for s in journal.segments() for r in journal.read(s)]


def completeness_run(duration: float) -> list[dict[str, Any]]:
    sim, rest, ws = start_simulator()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Receiver.seen = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            rules = work / "rules.toml"
            # Ten thresholds across the simulated spreads (0.05 % .. 0.5 %): enough transitions
            # for a p99 without turning every move of the spread into a storm of alerts.
            thresholds = [Decimal(i) / 100 for i in range(5, 55, 5)]
            save_rules(rules, [Rule(f"r{i}", "*", t) for i, t in enumerate(thresholds)])
            env = {
                "BITSODATA_ALERTS__WEBHOOK_URL": f"http://127.0.0.1:{server.server_port}/hook",
                "BITSODATA_ALERTS__OUTBOX_DIR": str(work / "outbox"),
                "BITSODATA_ALERTS__RULES_FILE": str(rules),
            }
            started = time.time()
            coll = collector(rest, ws, work, BOOKS, duration, env)
            naive = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.baselines.naive_poller",
                    "--rest-url",
                    rest,
                    "--duration",
                    str(duration),
                ],
                stdout=subprocess.PIPE,
                text=True,
                cwd=HERE.parent,
            )
            naive_out, _ = naive.communicate(timeout=duration + 120)
            coll_err = finish(coll, work, duration + 120)
            ended = time.time()
            rows = collected_rows(work)
    finally:
        server.shutdown()
        sim.terminate()
        sim.wait(timeout=20)
    report = stopped_event(coll_err)
    span = range(int(started) + 5, int(ended) - 3)
    ok = {(r.tick, r.book) for r in rows if r.status == "ok" and r.tick in span}
    naive_seen = {
        (parse_iso_second(r["orderbook_timestamp"]), r["book"]) for r in json.loads(naive_out)
    }
    naive_ok = {k for k in naive_seen if k[0] in span}
    total = len(span) * len(BOOKS)
    exchange_to_receipt = [
        (r.received_at - r.exchange_timestamp.timestamp()) * 1000
        for r in rows
        if r.source == "ws" and r.received_at and r.exchange_timestamp and r.tick in span
    ]
    # The first ticks with a book fire every rule below its spread at once (a burst of up to
    # rules x books events, delivered one after the other): reported apart from steady state.
    spread_hooks = [
        (tick, (arrived - tick) * 1000) for arrived, tick, kind in Receiver.seen if kind == "spread"
    ]
    settled = int(started) + 10
    hook = [ms for tick, ms in spread_hooks if tick >= settled]
    burst = [ms for tick, ms in spread_hooks if tick < settled]
    per_tick = Counter(tick for tick, _ms in spread_hooks)
    alone = [ms for tick, ms in spread_hooks if tick >= settled and per_tick[tick] == 1]
    lag, stall, jitter = (
        report["update_lag_ms"],
        report["loop_stall_ms"],
        report["tick_lateness_ms"],
    )
    minutes = f"{len(span) / 60:.1f} min"
    return [
        _fig(
            "completeness (collector)",
            100 * len(ok) / total,
            "%",
            ">= 99.9 %",
            100 * len(naive_ok) / total,
            f"seconds with an ok row per book over {minutes}; "
            "baseline = naive REST poll + sleep(1)",
        ),
        _fig("tick jitter p50", jitter["p50"], "ms", "", None, "|t - second|"),
        _fig(
            "tick jitter p99",
            jitter["p99"],
            "ms",
            "<= 5 ms",
            None,
            f"max {jitter['max']} ms; n={report['ticks']} ticks",
        ),
        _fig("update-to-observation p50", lag["p50"], "ms", "", None, "receipt -> available"),
        _fig(
            "update-to-observation p99",
            lag["p99"],
            "ms",
            "<= 20 ms",
            None,
            f"receipt -> available to the next observation, every update; max {lag['max']} ms",
        ),
        _fig(
            "event-loop stall p99",
            stall["p99"],
            "ms",
            "<= 20 ms",
            None,
            f"a frame's wait before it is read, 20 probes/s; max {stall['max']} ms",
        ),
        _fig(
            "exchange timestamp -> receipt p99",
            p(exchange_to_receipt, 0.99),
            "ms",
            "",
            None,
            "information: includes the simulator's batching of updates; "
            f"p50 {p(exchange_to_receipt, 0.5):.1f} ms, n={len(exchange_to_receipt)}",
        ),
        _fig(
            "tick processing p99",
            report["tick_work_ms"]["p99"],
            "ms",
            "",
            None,
            "observe + journal fsync + dispatch, per tick",
        ),
        _fig("observation-to-webhook p50", p(hook, 0.5), "ms", "", None, f"n={len(hook)}"),
        _fig(
            "observation-to-webhook p99",
            p(hook, 0.99),
            "ms",
            "<= 50 ms",
            None,
            f"spread alert tick -> POST received on loopback, steady state; n={len(hook)}, "
            f"max {max(hook, default=0):.1f} ms; alone in its tick: p99 {p(alone, 0.99):.1f} ms "
            f"(n={len(alone)}), else it waits for the ones before it",
        ),
        _fig(
            "startup alert burst: last webhook",
            max(burst, default=0.0),
            "ms",
            "",
            None,
            f"{len(burst)} alerts fired in the first seconds, delivered in order "
            "(the outbox POSTs one at a time)",
        ),
    ]


def _fig(
    name: str, value: float, unit: str, target: str, baseline: float | None, notes: str
) -> dict[str, Any]:
    passed: bool | None = None
    if m := re.match(r"(<=|>=) ([\d.]+)", target):
        passed = value <= float(m.group(2)) if m.group(1) == "<=" else value >= float(m.group(2))
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "target": target,
        "baseline": None if baseline is None else round(baseline, 3),
        "passed": passed,
        "notes": notes,
    }


def scale_step(n_books: int, seconds: float) -> list[dict[str, Any]]:
    sim, rest, ws = start_simulator(extra_books=max(0, n_books - 2), update_rate=1.0)
    books = BOOKS + tuple(f"sim{i:03d}_mxn" for i in range(1, n_books - 1))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # One rule far above every simulated spread: this measures sampling, not an alert
            # storm (with the 0.1 % default, hundreds of books fire at once on the first tick).
            rules = Path(tmp) / "rules.toml"
            save_rules(rules, [Rule("calm", "*", Decimal(5))])
            env = {"BITSODATA_ALERTS__RULES_FILE": str(rules)}
            coll = collector(rest, ws, Path(tmp), books, seconds + 10, env, window=60)
            proc = psutil.Process(coll.pid)
            time.sleep(6)  # imports, connection, subscriptions
            cpu0, t0 = proc.cpu_times(), time.monotonic()
            time.sleep(seconds)
            cpu1, t1 = proc.cpu_times(), time.monotonic()
            rss = proc.memory_info().rss / 2**20
            err = finish(coll, Path(tmp), seconds + 60)
            span = range(int(time.time() - seconds - 8), int(time.time() - 5))
            rows = [r for r in collected_rows(Path(tmp)) if r.tick in span]
            ok_share = 100 * sum(r.status == "ok" for r in rows) / max(1, len(span) * n_books)
    finally:
        sim.terminate()
        sim.wait(timeout=20)
    busy = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    cpu = 100 * busy / (t1 - t0)
    jitter = stopped_event(err)["tick_lateness_ms"]
    target = "<= 50 %" if n_books == 500 else ""
    return [
        _fig(f"CPU, {n_books} books", cpu, "% of a core", target, None, f"over {seconds:.0f} s"),
        _fig(f"RSS, {n_books} books", rss, "MiB", "", None, ""),
        _fig(f"tick jitter p99, {n_books} books", jitter["p99"], "ms", "", None, ""),
        _fig(f"ok rows, {n_books} books", ok_share, "%", "", None, "share of book-seconds ok"),
    ]


def run(quick: bool) -> list[dict[str, Any]]:
    results = completeness_run(120 if quick else 600)
    for n in (2, 50, 500):
        results += scale_step(n, 15 if quick else 60)
    return results


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
