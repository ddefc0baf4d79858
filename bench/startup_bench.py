"""Start-up benchmarks: how long the command line takes to answer, and a collector to observe.

Figures: ``bitsodata --help`` wall time (median of several runs, with ``python -c pass`` in the
same run as the floor every Python command pays); the time from starting ``spread collect``
against the simulated exchange to the first ``ok`` row in its journal (the first row that a
restarted collector gets right). The journal is polled every 5 ms; a tick lands on a whole
second, so that figure includes the wait for the next whole second after the book arrives.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bitsodata.simulator.process import spawn_exchange

HELP_TARGET = 0.25
FIRST_OK_TARGET = 1.5
CLI = [sys.executable, "-m", "bitsodata"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("BITSODATA_")}


def wall(command: list[str], runs: int, cpu: list[float] | None = None) -> list[float]:
    """Wall seconds of ``runs`` runs of ``command`` (output discarded); each run's CPU seconds
    (user + system) go to ``cpu``: they hold still when other work shares the machine."""
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=_env())
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if cpu is not None:
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return times


def _first_ok(journal: Path) -> bool:
    for segment in journal.glob("*.jsonl"):
        for line in segment.read_bytes().splitlines():
            if b'"status":"ok"' in line:
                return True
    return False


def first_ok_seconds(
    rest: str, ws: str, work: Path, cpu: list[float], timeout: float = 20.0
) -> float:
    """Seconds from starting the collector to its first ``ok`` row in the journal; the CPU
    seconds the collector had used by then go to ``cpu``."""
    journal = work / "journal"
    args = [
        *CLI, "spread", "collect", "--books", "btc_mxn,usd_mxn", "--lake", str(work / "lake"),
        "--window-seconds", "60", "--journal-dir", str(journal), "--exchange-url", rest,
        "--ws-url", ws, "--duration", "8",
    ]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(), cwd=work
    )
    try:
        while time.perf_counter() - started < timeout:
            if journal.is_dir() and _first_ok(journal):
                elapsed = time.perf_counter() - started
                times = psutil.Process(proc.pid).cpu_times()
                cpu.append(times.user + times.system)
                return elapsed
            time.sleep(0.005)
        return float("nan")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run(quick: bool) -> list[dict[str, Any]]:
    runs = 5 if quick else 11
    floor = statistics.median(wall([sys.executable, "-c", "pass"], runs))
    wall([*CLI, "--help"], 1)  # bytecode written, files cached
    help_cpu: list[float] = []
    help_runs = wall([sys.executable, "-m", "bitsodata", "--help"], runs, help_cpu)
    help_median = statistics.median(help_runs)
    load = os.getloadavg()[0]
    firsts: list[float] = []
    first_cpu: list[float] = []
    sim, rest, ws = spawn_exchange(["--port", "0", "--seed", "3", "--ka-interval", "1"])
    try:
        for attempt in range(2 if quick else 5):
            with tempfile.TemporaryDirectory(prefix=f"bitsodata-startup-{attempt}-") as tmp:
                firsts.append(first_ok_seconds(rest, ws, Path(tmp), first_cpu))
    finally:
        sim.terminate()
        sim.wait(timeout=30)
    worst = max(firsts)
    notes = json.dumps([round(t, 3) for t in firsts])
    return [
        {
            "name": "bitsodata --help (median)",
            "value": round(help_median, 3),
            "unit": "s",
            "baseline": round(floor, 3),
            "target": f"<= {HELP_TARGET} s",
            "passed": help_median <= HELP_TARGET,
            "notes": f"baseline: python -c pass in the same run; {runs} runs each, "
            f"min {min(help_runs):.3f} s, max {max(help_runs):.3f} s, CPU median "
            f"{statistics.median(help_cpu):.3f} s; load average {load:.1f} on {os.cpu_count()} "
            "cores",
        },
        {
            "name": "spread collect start -> first ok row (worst run)",
            "value": round(worst, 3),
            "unit": "s",
            "target": f"<= {FIRST_OK_TARGET} s",
            "passed": worst <= FIRST_OK_TARGET,
            "notes": f"against the simulator; every run: {notes}; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        },
        {
            "name": "spread collect start -> first ok row (median)",
            "value": round(statistics.median(firsts), 3),
            "unit": "s",
            "target": f"<= {FIRST_OK_TARGET} s",
            "passed": statistics.median(firsts) <= FIRST_OK_TARGET,
            "notes": "ticks land on whole seconds: up to 1 s of this is the wait for the next one",
        },
        {
            "name": "spread collect CPU until its first ok row (median)",
            "value": round(statistics.median(first_cpu), 3),
            "unit": "s",
            "target": "",
            "passed": None,
            "notes": "user + system seconds of the collector process: what start-up costs when "
            "the machine is not shared",
        },
    ]
