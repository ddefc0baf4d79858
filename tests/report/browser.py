"""Open a report file in real headless Chromium (Debian's /usr/bin/chromium) with the network cut.

Every request that is not the report file itself is aborted and recorded, so a test can assert
that the page asked for nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@dataclass
class PageRun:
    """What the browser saw while it showed the page."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    """Every request other than the report file (all aborted)."""


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make system-deps`")


@contextmanager
def open_report(path: Path, width: int = 1400, height: int = 1000) -> Iterator[PageRun]:
    """Load ``path`` and wait until every chart is drawn."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    profile = Path(tempfile.mkdtemp(prefix="report-chromium-"))
    own = path.resolve().as_uri()
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(profile),
                executable_path=str(CHROMIUM),
                args=ARGS,
                headless=True,
                viewport={"width": width, "height": height},
                offline=True,
            )
            try:
                page = context.new_page()
                run = PageRun(page)

                def route(r: Any) -> None:
                    if r.request.url == own:
                        r.continue_()
                    else:
                        run.requests.append(r.request.url)
                        r.abort()

                context.route("**/*", route)
                page.on(
                    "console",
                    lambda m: run.console_errors.append(m.text) if m.type == "error" else None,
                )
                page.on("pageerror", lambda e: run.page_errors.append(str(e)))
                page.goto(own, wait_until="load")
                page.wait_for_function("document.body.dataset.charts !== undefined", timeout=30_000)
                yield run
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


COUNT_COLORS = """
async (png) => {
  const img = new Image();
  img.src = "data:image/png;base64," + png;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, img.width, img.height).data;
  const seen = new Set();
  for (let i = 0; i < px.length; i += 4) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
  return seen.size;
}
"""


def distinct_colors(run: PageRun, png: bytes) -> int:
    """Distinct RGB colours in a PNG, counted by the browser itself on a blank page."""
    import base64

    blank = run.page.context.new_page()
    try:
        return int(blank.evaluate(COUNT_COLORS, base64.b64encode(png).decode()))
    finally:
        blank.close()


CHARTS_DRAWN = """
() => Array.from(document.querySelectorAll("div.chart")).map((div) => ({
  id: div.id,
  kind: div.dataset.chart,
  book: div.dataset.book,
  plotted: div.classList.contains("js-plotly-plot"),
  traces: div._fullData ? div._fullData.length : 0,
  svg: div.querySelectorAll("svg.main-svg").length,
  marks: div.querySelectorAll(
    ".scatterlayer path.js-line, .scatterlayer path.js-fill, .barlayer path, .heatmaplayer image"
  ).length,
}))
"""

SUMMARY_CELLS = """
() => Array.from(document.querySelectorAll("#summary tbody tr")).map((tr) => ({
  book: tr.dataset.book,
  cells: Object.fromEntries(Array.from(tr.querySelectorAll("td[data-field]")).map(
    (td) => [td.dataset.field, {value: td.dataset.value, text: td.textContent}])),
}))
"""
