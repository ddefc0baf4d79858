"""`make bench`: runs every ``bench/*_bench.py`` module and writes ``bench/results/``.

Each module exposes ``run(quick: bool) -> list[dict]``; each dict is one figure with keys
``name``, ``value``, ``unit``, ``target`` (text, e.g. "<= 5 ms"), optional ``baseline`` (the naive
solution's figure, same unit), ``passed`` (bool, or None when there is no target) and ``notes``.
Results go to ``bench/results/<module>.json`` and one markdown table ``bench/results/README.md``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    return "" if value is None else str(value)


def write_markdown(all_results: dict[str, list[dict[str, Any]]]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"written {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())} by `make bench`.",
        "",
        "| suite | figure | value | unit | baseline | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for suite, rows in all_results.items():
        for r in rows:
            met = {True: "yes", False: "**no**", None: ""}[r.get("passed")]
            lines.append(
                f"| {suite} | {r['name']} | {_fmt(r['value'])} | {r.get('unit', '')} | "
                f"{_fmt(r.get('baseline'))} | {r.get('target', '')} | {met} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("only", nargs="*", help="module names to run (default: all)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    modules = sorted(p.stem for p in HERE.glob("*_bench.py"))
    if args.only:
        modules = [m for m in modules if m in args.only or m.removesuffix("_bench") in args.only]
    all_results: dict[str, list[dict[str, Any]]] = {}
    for name in modules:
        print(f"== {name}", flush=True)
        rows = importlib.import_module(f"bench.{name}").run(quick=args.quick)
        all_results[name.removesuffix("_bench")] = rows
        (RESULTS / f"{name}.json").write_text(json.dumps(rows, indent=2, default=str) + "\n")
        for r in rows:
            print(
                f"   {r['name']}: {_fmt(r['value'])} {r.get('unit', '')} (target {r.get('target')})"
            )
    previous = {}
    for path in RESULTS.glob("*_bench.json"):
        previous[path.stem.removesuffix("_bench")] = json.loads(path.read_text())
    (RESULTS / "README.md").write_text(write_markdown(previous | all_results))


if __name__ == "__main__":
    main()
