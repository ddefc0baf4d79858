"""``render_report``: one self-contained HTML page from a ``ReportData`` (pure; no I/O).

Every script and style is inlined (plotly.js once, from the plotly package) and a
Content-Security-Policy forbids the page any request, so it opens the same offline.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from html import escape
from typing import Any

from bitsodata.report import charts
from bitsodata.report.model import BookReport, ReportData, size_text
from bitsodata.report.style import CSS

CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'none'"
)
BOOT = """
(function () {
  var specs = JSON.parse(document.getElementById("report-charts").textContent);
  var config = {displaylogo: false, responsive: true,
                modeBarButtonsToRemove: ["select2d", "lasso2d"]};
  Promise.all(specs.map(function (s) {
    return Plotly.newPlot(s.id, s.figure.data, s.figure.layout, config);
  })).then(function () { document.body.dataset.charts = String(specs.length); },
           function (err) { console.error("chart failed: " + err); });
})();
"""


@cache
def plotly_js() -> str:
    """The plotly.js bundle shipped inside the plotly package (read once per process)."""
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


# -- numbers -------------------------------------------------------------------------------------


def fmt_spread(value: float | None) -> str:
    """A spread in percent, four decimals (``-`` when there is none)."""
    return "-" if value is None else f"{value:.4f}"


def fmt_amount(value: float | None) -> str:
    """A base amount, five significant digits (``-`` when there is none)."""
    return "-" if value is None else f"{value:,.5g}"


def fmt_bp(value: float | None) -> str:
    """Basis points, two decimals (``-`` when there is none)."""
    return "-" if value is None else f"{value:.2f}"


def fmt_count(value: int) -> str:
    return f"{value:,}"


def fmt_duration(seconds: float) -> str:
    """``45 s``, ``12 min 05 s``, ``3 h 20 min``, ``2 d 4 h``."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3_600:
        return f"{s // 60} min {s % 60:02d} s"
    if s < 86_400:
        return f"{s // 3_600} h {s % 3_600 // 60:02d} min"
    return f"{s // 86_400} d {s % 86_400 // 3_600} h"


def fmt_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


# -- pieces of the page --------------------------------------------------------------------------


def _cell(text: str, field: str | None = None, value: Any = None, cls: str = "num") -> str:
    attrs = f' class="{cls}"' if cls else ""
    if field is not None:
        raw = "" if value is None else json.dumps(value)
        attrs += f' data-field="{escape(field)}" data-value="{escape(raw)}"'
    return f"<td{attrs}>{escape(text)}</td>"


SPREAD_FIELDS = ("min", "mean", "p50", "p95", "p99", "max")


def summary_table(report: ReportData) -> str:
    """One row per book: the ``spread stats`` figures, each cell carrying its exact value."""
    above = [str(t) for t in report.thresholds]
    head = ["book", "rows", "missing", "missing %", "no row (s)"]
    head += [f"{f} %" for f in SPREAD_FIELDS] + [f"s above {t} %" for t in above]
    rows = []
    for book in report.books:
        s = book.stats
        cells = [
            _cell(book.book, "book", book.book, cls=""),
            _cell(fmt_count(s["rows"]), "rows", s["rows"]),
            _cell(fmt_count(s["missing_rows"]), "missing_rows", s["missing_rows"]),
            _cell(f"{s['missing_pct']:.3f}", "missing_pct", s["missing_pct"]),
            _cell(fmt_count(s["absent_seconds"]), "absent_seconds", s["absent_seconds"]),
        ]
        for f in SPREAD_FIELDS:
            cells.append(_cell(fmt_spread(s["spread"][f]), f"spread.{f}", s["spread"][f]))
        for t in above:
            n = s["seconds_above"][t]
            cells.append(_cell(fmt_count(n), f"seconds_above.{t}", n))
        rows.append(f'<tr data-book="{escape(book.book)}">{"".join(cells)}</tr>')
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    return (
        f'<table class="summary" id="summary"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


NO_DEPTH = "No depth rows for this book in the range (the lake holds no depth/ files for it)."
NO_BOOK = "Depth rows, but no book measured in the range (the collector had no order book)."


def liquidity_table(report: ReportData) -> str:
    """One row per book: medians over every depth row of the range, each cell with its value."""
    head = ["book", "depth rows", "exact book %", "bid depth 1 % (median)"]
    head += ["ask depth 1 % (median)", "size", "buy slippage bp (median)"]
    head += ["sell slippage bp (median)"]
    rows = []
    for book in report.books:
        cells = [_cell(book.book, "book", book.book, cls="")]
        if book.depth is None:
            cells.append(f'<td colspan="{len(head) - 1}" class="note">{escape(NO_DEPTH)}</td>')
        else:
            d = book.depth.summary
            cells += [
                _cell(fmt_count(d.rows), "depth.rows", d.rows),
                _cell(f"{100 * d.share_diff:.1f}", "depth.share_diff", d.share_diff),
                _cell(fmt_amount(d.median_bid_1pct), "depth.bid_1pct", d.median_bid_1pct),
                _cell(fmt_amount(d.median_ask_1pct), "depth.ask_1pct", d.median_ask_1pct),
                _cell(size_text(d.size) if d.size else "-", "depth.size", d.size, cls=""),
                _cell(fmt_bp(d.median_slippage_buy), "depth.slippage_buy", d.median_slippage_buy),
                _cell(
                    fmt_bp(d.median_slippage_sell), "depth.slippage_sell", d.median_slippage_sell
                ),
            ]
        rows.append(f'<tr data-book="{escape(book.book)}">{"".join(cells)}</tr>')
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    return (
        f'<table class="summary" id="liquidity"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _liquidity_panel(report: ReportData, book: BookReport, specs: list[dict[str, Any]]) -> str:
    title = "Liquidity: depth within 1 % of mid and slippage"
    figure = charts.liquidity_figure(report, book)
    if figure is None or book.depth is None or not book.depth.summary.measured:
        note = NO_BOOK if book.depth is not None else NO_DEPTH
        return f'<div class="panel"><h3>{title}</h3><p class="note">{escape(note)}</p></div>'
    chart_id = f"liquidity-{book.book}"
    specs.append({"id": chart_id, "figure": figure})
    return f'<div class="panel"><h3>{title}</h3>{_chart(chart_id, "liquidity", book.book)}</div>'


def _episode_summary(book: BookReport) -> str:
    if not book.rules or not any(r.episodes for r in book.rules):
        return '<p class="note">No alert fired in this range.</p>'
    rows = "".join(
        f"<tr><td>{escape(r.rule)}</td><td>{escape(r.severity)}</td>"
        f'<td class="num">{r.threshold:g} %</td>'
        f'<td class="num">{fmt_count(r.episodes)}</td>'
        f'<td class="num">{fmt_duration(r.firing_seconds)}</td>'
        f'<td class="num">{fmt_duration(r.longest_seconds)}</td>'
        f"<td>{'yes' if r.still_firing else ''}</td></tr>"
        for r in book.rules
    )
    return (
        '<table class="episodes"><thead><tr><th>rule</th><th>severity</th><th>threshold</th>'
        "<th>episodes</th><th>firing in total</th><th>longest</th><th>firing at the end</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _episode_list(book: BookReport, end: datetime) -> str:
    if not book.episodes:
        return ""
    rows = []
    for ep in book.episodes:
        stop = "still firing" if ep.ended_at is None else fmt_time(ep.ended_at)
        length = (ep.ended_at or end) - ep.started_at
        peak = "-" if ep.peak_spread is None else fmt_spread(ep.peak_spread)
        rows.append(
            f"<tr><td>{escape(ep.rule)}</td><td>{escape(ep.severity)}</td>"
            f"<td>{fmt_time(ep.started_at)}</td><td>{escape(stop)}</td>"
            f'<td class="num">{fmt_duration(length.total_seconds())}</td>'
            f'<td class="num">{peak}</td></tr>'
        )
    total = sum(r.episodes for r in book.rules)
    caption = (
        f"The {len(book.episodes)} longest episodes"
        if total > len(book.episodes)
        else "Every episode"
    )
    return (
        f"<details><summary>{caption} ({fmt_count(total)} in all)</summary>"
        '<table class="episodes"><thead><tr><th>rule</th><th>severity</th><th>started</th>'
        "<th>ended</th><th>length</th><th>peak %</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></details>"
    )


def _chart(chart_id: str, kind: str, book: str) -> str:
    return (
        f'<div class="chart chart-{kind}" id="{escape(chart_id)}" data-chart="{kind}" '
        f'data-book="{escape(book)}"></div>'
    )


def book_section(report: ReportData, book: BookReport, specs: list[dict[str, Any]]) -> str:
    """The charts and alert tables of one book; appends its chart specs to ``specs``."""
    name = book.book
    parts = [f'<section class="book" id="book-{escape(name)}"><h2>{escape(name)}</h2>']
    s = book.stats
    chips = [
        ("mean", fmt_spread(s["spread"]["mean"]) + " %"),
        ("p99", fmt_spread(s["spread"]["p99"]) + " %"),
        ("max", fmt_spread(s["spread"]["max"]) + " %"),
        ("rows", fmt_count(s["rows"])),
        ("missing", f"{s['missing_pct']:.2f} %"),
        ("alert episodes", fmt_count(sum(r.episodes for r in book.rules))),
    ]
    parts.append(
        '<div class="chips">'
        + "".join(f"<div><span>{k}</span><b>{escape(v)}</b></div>" for k, v in chips)
        + "</div>"
    )
    if not book.series:
        parts.append('<p class="note">No observation of this book in the range.</p></section>')
        return "".join(parts)
    figures: list[tuple[str, str, charts.Figure | None]] = [
        ("spread", "Spread over time", charts.spread_figure(report, book)),
        ("quality", "Data quality (seconds per bucket)", charts.quality_figure(report, book)),
        ("histogram", "Distribution of the spread", charts.histogram_figure(report, book)),
        ("heatmap", "Mean spread by day and hour", charts.heatmap_figure(book)),
    ]
    for kind, title, figure in figures:
        if kind == "histogram":
            parts.append('<div class="pair">')
        parts.append(f'<div class="panel"><h3>{title}</h3>')
        if figure is None:
            parts.append(
                '<p class="note">Needs a range of three days or more to show a weekly pattern.</p>'
            )
        else:
            chart_id = f"{kind}-{name}"
            specs.append({"id": chart_id, "figure": figure})
            parts.append(_chart(chart_id, kind, name))
        parts.append("</div>")
        if kind == "heatmap":
            parts.append("</div>")
        if kind == "quality":
            parts.append(_liquidity_panel(report, book, specs))
    parts.append("<h3>Alert episodes (rules replayed over the range)</h3>")
    parts.append(_episode_summary(book))
    parts.append(_episode_list(book, report.end))
    parts.append("</section>")
    return "".join(parts)


def _header(report: ReportData) -> str:
    span = fmt_duration((report.end - report.start).total_seconds())
    books = ", ".join(b.book for b in report.books)
    facts = [
        ("range", f"{fmt_time(report.start)} to {fmt_time(report.end)} UTC ({span})"),
        ("books", books),
        ("thresholds", ", ".join(f"{t} %" for t in report.thresholds)),
        ("chart buckets", f"{report.interval.name} (statistics use every second)"),
        ("generated", f"{fmt_time(report.generated_at)} UTC"),
    ]
    if report.lake:
        facts.append(("lake", report.lake))
    items = "".join(f"<dt>{k}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    return f"<header><h1>{escape(report.title)}</h1><dl>{items}</dl></header>"


def render_report(report: ReportData) -> str:
    """The whole page as one HTML string."""
    specs: list[dict[str, Any]] = []
    sections = "".join(book_section(report, book, specs) for book in report.books)
    payload = json.dumps(specs, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    nav = "".join(f'<a href="#book-{escape(b.book)}">{escape(b.book)}</a>' for b in report.books)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.title)} {fmt_time(report.start)} to {fmt_time(report.end)}</title>"
        f"<style>{CSS}</style></head><body>"
        f"{_header(report)}<nav>{nav}</nav><main>"
        '<section class="summary-section"><h2>Summary</h2>'
        '<p class="note">Every stored second of the range (the same figures as '
        "<code>bitsodata spread stats</code>); spreads in percent.</p>"
        f"{summary_table(report)}"
        '<h3>Liquidity</h3><p class="note">Every depth row of the range: medians of the depth '
        "within 1 % of mid (base amount) and of the slippage of the smallest size priced.</p>"
        f"{liquidity_table(report)}</section>"
        f"{sections}</main>"
        f'<script type="application/json" id="report-charts">{payload}</script>'
        f"<script>{plotly_js()}</script><script>{BOOT}</script>"
        "</body></html>\n"
    )
