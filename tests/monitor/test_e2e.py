"""The real collector as a subprocess against the simulated exchange: crashes, faults, fallback.

Slow (real seconds): ``-m slow`` selects them; each stays under ~25 s with 5-second windows.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import window_start
from bitsodata.lake.layout import parse_window_key
from bitsodata.lake.storage import LocalStorage
from bitsodata.lake.windowfile import decode_window, encode_window
from bitsodata.monitor.journal import Journal
from tests.fakes.exchange import RunningExchange, exchange, make_exchange  # noqa: F401

pytestmark = pytest.mark.slow
WS = 5
BOOKS = ("btc_mxn", "usd_mxn")
Key = tuple[int, str]


class Run:
    """One collector process."""

    def __init__(self, ex: RunningExchange, work: Path, *extra: str, env: dict[str, str]) -> None:
        args = [
            sys.executable, "-m", "bitsodata", "spread", "collect",
            "--books", ",".join(BOOKS), "--lake", str(work / "lake"),
            "--window-seconds", str(WS), "--journal-dir", str(work / "journal"),
            "--exchange-url", ex.rest_url, "--ws-url", ex.ws_url, *extra,
        ]  # fmt: skip
        full_env = {**os.environ, "BITSODATA_LOGGING__FORMAT": "console", **env}
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env
        )

    def first_tick(self) -> int:
        out = self.proc.stderr.read() if self.proc.stderr else ""
        match = re.search(r"collector_started .*first_tick=(\d+)", out)
        assert match, out[-3000:]
        return int(match.group(1))

    def kill9(self) -> int:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        return self.first_tick()

    def wait(self, timeout: float = 30) -> tuple[int, str]:
        _out, err = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, err[-3000:]
        match = re.search(r"collector_started .*first_tick=(\d+)", err)
        assert match, err[-3000:]
        return int(match.group(1)), err


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


def lake_rows(work: Path) -> dict[Key, Observation]:
    storage = LocalStorage(work / "lake")
    rows: dict[Key, Observation] = {}
    for key in storage.list("spreads/"):
        for row in decode_window(storage.get(key), parse_window_key(key)[2]):
            assert (row.tick, row.book) not in rows, f"duplicate row {row.tick} {row.book}"
            rows[(row.tick, row.book)] = row
    return rows


def journal_rows(work: Path) -> dict[Key, Observation]:
    """Journaled rows as a window file will hold them (spreads as float64)."""
    journal = Journal(work / "journal", fsync=False)
    rows = [r for s in journal.segments() for r in journal.read(s)]
    return {(r.tick, r.book): r for r in decode_window(encode_window(rows, "parquet"), "parquet")}


def files_by_book(work: Path) -> dict[str, list[tuple[int, list[Observation]]]]:
    storage = LocalStorage(work / "lake")
    out: dict[str, list[tuple[int, list[Observation]]]] = {}
    for key in storage.list("spreads/"):
        book, start, fmt = parse_window_key(key)
        out.setdefault(book, []).append((start, decode_window(storage.get(key), fmt)))
    return {book: sorted(files, key=lambda f: f[0]) for book, files in out.items()}


def wait_until_mid_window(work: Path, min_written: int, after: int, deadline: float) -> None:
    """Until ``min_written`` windows are in the lake, the journal has ticks past ``after`` (the
    new process is running) and the clock is inside a window."""
    while time.time() < deadline:
        written = len(list((work / "lake" / "spreads").rglob("*.parquet"))) // len(BOOKS)
        ticks = [tick for tick, _ in journal_rows(work)]
        running = bool(ticks) and max(ticks) > after + 1
        if written >= min_written and running and 2.0 <= time.time() % WS <= 3.0:
            return
        time.sleep(0.05)
    raise AssertionError("the collector did not get going in time")


def test_kill_9_twice_mid_window_loses_nothing_and_marks_the_gaps(
    exchange: RunningExchange,  # noqa: F811
    work: Path,
) -> None:
    env: dict[str, str] = {}
    observed: dict[Key, Observation] = {}
    gaps: list[range] = []
    last_seen: int | None = None
    for _ in range(2):
        run = Run(exchange, work, env=env)
        wait_until_mid_window(work, 1 if last_seen is None else 0, last_seen or 0, time.time() + 15)
        first = run.kill9()
        if last_seen is not None:
            gaps.append(range(last_seen + 1, first))
        snapshot = lake_rows(work) | journal_rows(work)  # everything observed so far
        observed |= snapshot
        last_seen = max(tick for tick, _ in snapshot)
        time.sleep(1.5)  # down for a while
    assert last_seen is not None
    final_run = Run(exchange, work, env=env)  # this one is stopped cleanly, by SIGTERM
    wait_until_mid_window(work, 0, last_seen + 2, time.time() + 15)
    final_run.proc.send_signal(signal.SIGTERM)
    first, err = final_run.wait()
    assert "collector_stopped" in err
    gaps.append(range(last_seen + 1, first))
    open_rows = journal_rows(work)  # the open window stays in the journal for the next start
    assert open_rows and len({window_start(t, WS) for t, _ in open_rows}) == 1
    observed |= open_rows

    final = lake_rows(work)
    end = max(tick for tick, _ in final) + 1
    assert end % WS == 0
    for book, files in files_by_book(work).items():
        ticks = [r.tick for _start, rows in files for r in rows]
        assert all(len(rows) == WS for _s, rows in files)  # every file complete
        assert ticks == list(range(files[0][0], end)), book  # consecutive, no duplicate
    lost = {k for k, row in observed.items() if k[0] < end and final.get(k) != row}
    assert not lost  # every observed row is in the lake, unchanged
    down = {(t, b) for gap in gaps for t in gap for b in BOOKS}
    assert all(len(gap) >= 1 for gap in gaps)
    assert all(final[k].status == "missing" for k in down if k[0] < end)
    never_observed = {k for k in final if k not in observed and k[0] >= min(observed)[0]}
    run_c = {k for k in never_observed if k[0] >= first}
    assert never_observed - run_c <= down  # any other missing second is one we were down
    seen = final | open_rows
    starts = sorted(gap.stop for gap in gaps)  # the first tick of each restart
    for begin, stop in zip(starts, [*starts[1:], max(seen)[0] + 1], strict=True):
        for book in BOOKS:  # every run streamed real data (the simulator was healthy)
            rows = [seen[(t, book)] for t in range(begin, stop) if (t, book) in seen]
            assert any(r.status == "ok" for r in rows), (begin, book, rows)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _rows(work: Path) -> list[Observation]:
    return sorted((lake_rows(work) | journal_rows(work)).values(), key=lambda r: (r.tick, r.book))


def _phase(ex: RunningExchange, seconds: float, *faults: tuple[str, str | None]) -> range:
    for name, book in faults:
        ex.control.set(name, book=book)
    start = int(time.time()) + 1
    time.sleep(seconds)
    ex.control.clear()
    return range(start + 1, int(time.time()))  # the seconds well inside the phase


def test_injected_faults_give_the_right_statuses(
    exchange: RunningExchange,  # noqa: F811
    work: Path,
) -> None:
    env = {
        "BITSODATA_MONITOR__STALE_AFTER_SECONDS": "2",
        "BITSODATA_EXCHANGE__WS_SILENCE_SECONDS": "2",
    }
    run = Run(exchange, work, "--duration", "19", env=env)
    time.sleep(2.5)  # started and streaming
    frozen = _phase(exchange, 3.5, ("frozen", None))
    crossed = _phase(exchange, 3, ("crossed", None))
    empty = _phase(exchange, 3, ("empty_bids", "btc_mxn"))
    silent = _phase(exchange, 5, ("silence", None), ("html_error", None))
    run.wait()
    rows = _rows(work)

    def during(span: range, book: str) -> list[Observation]:
        return [r for r in rows if r.tick in span and r.book == book]

    def statuses(span: range, book: str) -> list[str]:
        return [r.status for r in during(span, book)]

    quiet = during(frozen, "btc_mxn")
    assert set(statuses(frozen, "btc_mxn")) == {"ok"}  # a quiet book on a live stream is fine
    assert set(statuses(crossed, "usd_mxn")) == {"crossed"}
    assert all(r.spread is None for r in during(crossed, "usd_mxn"))
    assert set(statuses(empty, "btc_mxn")) == {"missing"}
    assert all(r.bid is None and r.ask is None for r in during(empty, "btc_mxn"))  # no prices
    assert set(statuses(empty, "usd_mxn")) == {"ok"}
    assert [r.age_ms for r in quiet] == sorted(r.age_ms or 0 for r in quiet)
    assert (quiet[-1].age_ms or 0) >= 1000
    assert set(statuses(range(silent.start + 2, silent.stop), "usd_mxn")) == {"stale"}


def test_rest_fallback_keeps_data_flowing_within_the_budget(
    make_exchange: Callable[..., RunningExchange],  # noqa: F811
    work: Path,
) -> None:
    from bitsodata.simulator import Fault

    ex = make_exchange(faults=(Fault("silence"),), rate_limit=60)
    env = {
        "BITSODATA_MONITOR__STALE_AFTER_SECONDS": "3",
        "BITSODATA_EXCHANGE__WS_SILENCE_SECONDS": "1",
        "BITSODATA_EXCHANGE__REST_REQUESTS_PER_MINUTE": "60",
    }
    port = _free_port()
    started = time.time()
    run = Run(ex, work, "--duration", "10", "--metrics-port", str(port), env=env)
    time.sleep(7)  # the stream is silent: REST carries the books
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    run.wait()
    elapsed = time.time() - started
    assert "bitsodata_ws_reconnects_total" in metrics and "bitsodata_ws_connected" in metrics
    assert 'bitsodata_rest_requests_total{endpoint="order_book",outcome="ok"}' in metrics
    assert "bitsodata_collector_up 1.0" in metrics
    assert health.status_code == 200  # stream down, but the fallback works
    rows = _rows(work)
    rest_ok = [r for r in rows if r.source == "rest" and r.status == "ok"]
    assert {r.book for r in rest_ok} == set(BOOKS)  # the fallback served every book
    sent = ex.request_count("/v3/order_book")
    assert elapsed < 60  # so the whole run sits inside one minute of budget
    assert 4 <= sent <= elapsed + 1  # paced at one request a second, 60/min, never a burst
    # each book is re-read every ~2 s: fresher than the 3 s staleness threshold, all the way
    assert all(r.status == "ok" for r in rows if r.source == "rest")
    assert window_start(rows[-1].tick, WS) >= window_start(rows[0].tick, WS)


def test_disconnects_fall_back_to_rest_and_a_lockout_turns_rows_stale(
    make_exchange: Callable[..., RunningExchange],  # noqa: F811
    work: Path,
) -> None:
    from bitsodata.simulator import Fault

    ex = make_exchange(faults=(Fault("ws_drop", value=0.0),))
    env = {
        "BITSODATA_MONITOR__STALE_AFTER_SECONDS": "2",
        "BITSODATA_EXCHANGE__WS_SILENCE_SECONDS": "1",
        "BITSODATA_EXCHANGE__LOCKOUT_SECONDS": "30",
    }
    run = Run(ex, work, "--duration", "13", env=env)
    time.sleep(7)  # the stream keeps dropping: REST carries the books
    locked = _phase(ex, 6.5, ("rate_limit", None))
    run.wait()
    rows = _rows(work)
    before = [r for r in rows if r.tick < locked.start - 1]
    assert {r.book for r in before if r.source == "rest" and r.status == "ok"} == set(BOOKS)
    late = [r for r in rows if r.tick in range(locked.start + 3, locked.stop)]
    assert late and {r.status for r in late} == {"stale"}  # the last REST values, suspect now
