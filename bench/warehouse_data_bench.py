"""Source-data benchmark: ``warehouse sample`` and ``warehouse land`` at scale 1 and 100.

Each step runs in a fresh subprocess that reports its own wall time and peak RSS, so figures do
not leak into each other. ``run(quick=True)`` only does scale 1 (scale 100 writes ~3 GB twice and
takes minutes on a shared 2-core machine).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from bitsodata.warehouse.landing.split import land
from bitsodata.sample import generate
step, src, out, scale = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])
t0 = time.perf_counter()
if step == "sample":
    rows = sum(generate(src, seed=1, scale=scale).rows.values())
else:
    rows = sum(f.landed_rows for f in land(src, out, late_share=0.05, seed=1).files.values())
seconds = time.perf_counter() - t0
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "rows": rows}))
"""


def _step(step: str, src: Path, out: Path, scale: float) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, step, str(src), str(out), str(scale)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _figures(step: str, scale: float, got: dict[str, float], max_s: float) -> list[dict[str, Any]]:
    notes = f"{got['rows']:,.0f} rows, scale {scale:g}"
    return [
        {
            "name": f"{step} --scale {scale:g}: wall time",
            "value": got["seconds"],
            "unit": "s",
            "target": f"<= {max_s:g} s",
            "passed": got["seconds"] <= max_s,
            "notes": notes,
        },
        {
            "name": f"{step} --scale {scale:g}: peak RSS",
            "value": got["rss_mb"],
            "unit": "MB",
            "target": "<= 2048 MB",
            "passed": got["rss_mb"] <= 2048,
            "notes": notes,
        },
    ]


def run(quick: bool) -> list[dict[str, Any]]:
    # land: vectorised, ~0.9 CPU-us a row (scale 10: 4.3 M rows in 3.7 s, 590 MB peak)
    plans = [(1.0, 5.0, 10.0)] if quick else [(1.0, 5.0, 10.0), (100.0, 180.0, 150.0)]
    figures: list[dict[str, Any]] = []
    for scale, sample_s, land_s in plans:
        with tempfile.TemporaryDirectory(prefix="warehouse-data-bench-") as tmp:
            src, out = Path(tmp) / "src", Path(tmp) / "landing"
            figures += _figures("sample", scale, _step("sample", src, out, scale), sample_s)
            figures += _figures("land", scale, _step("land", src, out, scale), land_s)
    return figures
