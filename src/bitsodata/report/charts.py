"""Plotly figure specs (plain JSON-ready dicts) for one book of a report; pure functions.

The page hands each spec to ``Plotly.newPlot``; plotly.js itself is inlined once by ``render``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from bitsodata.report.model import (
    BookReport,
    Bucket,
    DepthBucket,
    Interval,
    ReportData,
    size_text,
)

Figure = dict[str, Any]
B = TypeVar("B", Bucket, DepthBucket)

THRESHOLD_COLORS = ("#2563eb", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#be185d")
SEVERITY_COLORS = {"info": "#2563eb", "warning": "#d97706", "critical": "#dc2626"}
QUALITY = (
    ("ok", "#16a34a"),
    ("stale", "#f59e0b"),
    ("missing", "#dc2626"),
    ("crossed", "#7c3aed"),
)
NO_ROW_COLOR = "#cbd5e1"
SERIES_COLOR = "#0f172a"
BAND_COLOR = "rgba(100, 116, 139, 0.25)"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}


def plot_time(at: datetime) -> str:
    """UTC wall time as plotly.js reads it (it has no time zones; axes say UTC)."""
    return at.strftime("%Y-%m-%d %H:%M:%S")


def threshold_color(thresholds: Sequence[Decimal], value: float) -> str | None:
    """The line colour of the threshold ``value`` (None when it is not one of them)."""
    for i, t in enumerate(sorted(thresholds)):
        if float(t) == value:
            return THRESHOLD_COLORS[i % len(THRESHOLD_COLORS)]
    return None


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "height": height,
        "margin": {"l": 64, "r": 24, "t": 12, "b": 40},
        "font": FONT,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    }
    return base | extra


def _axis(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "gridcolor": "#e2e8f0", "zeroline": False} | extra


def with_gaps(series: Sequence[B], interval: Interval) -> list[B | None]:
    """The buckets with a ``None`` wherever buckets are absent, so lines break over gaps."""
    out: list[B | None] = []
    step = timedelta(seconds=interval.seconds)
    for i, bucket in enumerate(series):
        if i and bucket.bucket_at - series[i - 1].bucket_at > step:
            out.append(None)
        out.append(bucket)
    return out


LANE = 0.045
"""Height of one rule's episode lane at the top of the spread chart (share of the plot)."""
RARE_SHARE = 0.2
"""Rules whose drawn spans cover less than this share of the range are also shaded over the
chart's full height (more would wash the chart out)."""


def _polygons(
    spans: Sequence[tuple[datetime, datetime]], low: float, high: float
) -> tuple[list[str | None], list[float | None]]:
    xs: list[str | None] = []
    ys: list[float | None] = []
    for start, stop in spans:
        a, b = plot_time(start), plot_time(stop)
        xs += [a, a, b, b, None]
        ys += [low, high, high, low, None]
    return xs, ys


def _fill(name: str, xs: list[str | None], ys: list[float | None], color: str, alpha: float,
          legend: bool) -> dict[str, Any]:  # fmt: skip
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": xs,
        "y": ys,
        "yaxis": "y2",
        "fill": "toself",
        "fillcolor": color,
        "opacity": alpha,
        "line": {"width": 0, "color": color},
        "hoverinfo": "skip",
        "legendgroup": name,
        "showlegend": legend,
    }


def _episode_traces(report: ReportData, book: BookReport) -> list[dict[str, Any]]:
    """Each rule's firing spans as a lane at the top of the chart (highest threshold on top);
    rarely firing rules are also shaded over the full height, where they catch the eye."""
    span = max(1.0, (report.end - report.start).total_seconds())
    traces = []
    for lane, rule in enumerate(sorted(book.rules, key=lambda r: -r.threshold)):
        if not rule.spans:
            continue
        color = threshold_color(report.thresholds, rule.threshold) or SEVERITY_COLORS.get(
            rule.severity, "#64748b"
        )
        name = f"{rule.rule} firing"
        top = 1 - lane * (LANE + 0.01)
        xs, ys = _polygons(rule.spans, top - LANE, top)
        traces.append(_fill(name, xs, ys, color, 0.75, True))
        shown = sum((b - a).total_seconds() for a, b in rule.spans)
        if shown < RARE_SHARE * span:
            xs, ys = _polygons(rule.spans, 0, 1)
            traces.append(_fill(name, xs, ys, color, 0.14, False))
    return traces


def spread_figure(report: ReportData, book: BookReport) -> Figure:
    """Mean spread per bucket with its min-max band, the thresholds, and alert episodes shaded."""
    points = with_gaps(book.series, report.interval)
    xs = [None if b is None else plot_time(b.bucket_at) for b in points]

    def col(name: str) -> list[float | None]:
        return [None if b is None else getattr(b, name) for b in points]

    band_x, band_y = _band(points)
    band = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "min-max in bucket",
            "x": band_x,
            "y": band_y,
            "fill": "toself",
            "fillcolor": BAND_COLOR,
            "line": {"width": 0},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "max in bucket",
            "x": xs,
            "y": col("high"),
            "line": {"width": 0},
            "showlegend": False,
            "hovertemplate": "max %{y:.4f} %<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"mean spread per {report.interval.name}",
            "x": xs,
            "y": col("mean"),
            "line": {"width": 1.5, "color": SERIES_COLOR},
            "hovertemplate": "mean %{y:.4f} %<extra></extra>",
        },
    ]
    shapes, notes = [], []
    for t in sorted(report.thresholds):
        color = threshold_color(report.thresholds, float(t))
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": float(t),
                "y1": float(t),
                "line": {"color": color, "width": 1.2, "dash": "dash"},
            }
        )
        notes.append(
            {
                "xref": "paper",
                "x": 1,
                "xanchor": "right",
                "yref": "y",
                "y": float(t),
                "yanchor": "bottom",
                "text": f"{t} %",
                "showarrow": False,
                "font": {"color": color, "size": 11},
            }
        )
    layout = _layout(
        320,
        xaxis=_axis(
            "time (UTC)", type="date", range=[plot_time(report.start), plot_time(report.end)]
        ),
        yaxis=_axis("spread (%)", range=[0, _top(report, book)]),
        yaxis2={"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
        shapes=shapes,
        annotations=notes,
    )
    return {"data": _episode_traces(report, book) + band, "layout": layout}


def _band(points: Sequence[Bucket | None]) -> tuple[list[str | None], list[float | None]]:
    """The min-max band as one polygon per run of buckets (a fill between two lines with gaps
    would bridge the gaps)."""
    xs: list[str | None] = []
    ys: list[float | None] = []
    run: list[Bucket] = []
    for bucket in [*points, None]:
        if bucket is not None and bucket.high is not None and bucket.low is not None:
            run.append(bucket)
            continue
        if run:
            xs += (
                [plot_time(b.bucket_at) for b in run]
                + [plot_time(b.bucket_at) for b in reversed(run)]
                + [None]
            )
            ys += [b.high for b in run] + [b.low for b in reversed(run)] + [None]
            run = []
    return xs, ys


def _top(report: ReportData, book: BookReport) -> float:
    """The y range: the data's highest spread (and a threshold just above it), plus room for
    the episode lanes so they never hide the series."""
    highs = [b.high for b in book.series if b.high is not None]
    top = max(highs, default=0.0) or max((float(t) for t in report.thresholds), default=1.0)
    for t in sorted(float(t) for t in report.thresholds):
        if top < t <= 2 * top:
            top = t
            break
    lanes = sum(1 for r in book.rules if r.spans)
    return top * (1.06 + lanes * (LANE + 0.01) * 1.1)


def quality_figure(report: ReportData, book: BookReport) -> Figure:
    """Stacked seconds per bucket by row status, plus the seconds with no row at all."""
    xs = [plot_time(b.bucket_at) for b in book.series]
    width = report.interval.seconds * 1000
    traces = []
    for status, color in QUALITY:
        ys = [round(getattr(b, f"share_{status}") * b.n_seconds) for b in book.series]
        traces.append(_bar(status, xs, ys, color, width))
    no_row = _bar(
        "no row",
        xs,
        [max(0, _bucket_seconds(report, b) - b.n_seconds) for b in book.series],
        NO_ROW_COLOR,
        width,
    )
    for start, stop in absent_spans(report, book.series):
        no_row["x"].append(plot_time(start))
        no_row["y"].append(report.interval.seconds)
        no_row["width"].append(int((stop - start).total_seconds() * 1000))
    traces.append(no_row)
    layout = _layout(
        170,
        barmode="stack",
        bargap=0,
        xaxis=_axis("", type="date", range=[plot_time(report.start), plot_time(report.end)]),
        yaxis=_axis("seconds", rangemode="tozero"),
    )
    layout["margin"] = {"l": 64, "r": 24, "t": 8, "b": 28}
    return {"data": traces, "layout": layout}


def absent_spans(report: ReportData, series: Sequence[Bucket]) -> list[tuple[datetime, datetime]]:
    """Stretches of the range that no bucket covers (no window file held those seconds)."""
    step = timedelta(seconds=report.interval.seconds)
    spans, cursor = [], report.start
    for bucket in series:
        if bucket.bucket_at > cursor:
            spans.append((cursor, bucket.bucket_at))
        cursor = max(cursor, bucket.bucket_at + step)
    if cursor < report.end:
        spans.append((cursor, report.end))
    return spans


def _bucket_seconds(report: ReportData, bucket: Bucket) -> int:
    """Seconds of the bucket inside the report's range (the first and last may be cut)."""
    start = max(bucket.bucket_at, report.start)
    stop = min(bucket.bucket_at + timedelta(seconds=report.interval.seconds), report.end)
    return max(0, int((stop - start).total_seconds()))


def _bar(name: str, xs: list[str], ys: list[int], color: str, width: int) -> dict[str, Any]:
    return {
        "type": "bar",
        "name": name,
        "x": list(xs),
        "y": ys,
        "width": [width] * len(xs),
        "offset": 0,
        "marker": {"color": color, "line": {"width": 0}},
        "hovertemplate": f"{name} %{{y}} s<extra></extra>",
    }


def histogram_figure(report: ReportData, book: BookReport) -> Figure:
    """Seconds per spread bin, the thresholds as vertical lines."""
    bins = book.histogram
    last = len(bins) - 1
    labels = [
        f"{b.lower:.4f} % and above" if i == last else f"{b.lower:.4f} - {b.upper:.4f} %"
        for i, b in enumerate(bins)
    ]
    data = [
        {
            "type": "bar",
            "name": "seconds",
            "x": [(b.lower + b.upper) / 2 for b in bins],
            "y": [b.seconds for b in bins],
            "width": [b.upper - b.lower for b in bins],
            "customdata": labels,
            "marker": {"color": "#334155", "line": {"width": 0}},
            "hovertemplate": "%{customdata}: %{y} s<extra></extra>",
        }
    ]
    top = bins[-1].upper if bins else 0.0
    shapes = [
        {
            "type": "line",
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "x0": float(t),
            "x1": float(t),
            "line": {"color": threshold_color(report.thresholds, float(t)), "dash": "dash"},
        }
        for t in report.thresholds
        if float(t) <= top
    ]
    layout = _layout(
        280,
        bargap=0.05,
        hovermode="closest",
        showlegend=False,
        xaxis=_axis("spread (%)"),
        yaxis=_axis("seconds", rangemode="tozero"),
        shapes=shapes,
    )
    return {"data": data, "layout": layout}


def heatmap_figure(book: BookReport) -> Figure | None:
    """Mean spread by day of week and UTC hour (None when the range is too short)."""
    matrix = book.week_hours
    if matrix is None:
        return None
    hours = [f"{h:02d}:00" for h in range(24)]
    data = [
        {
            "type": "heatmap",
            "x": hours,
            "y": list(DAYS),
            "z": [list(row) for row in matrix.mean],
            "customdata": [list(row) for row in matrix.seconds],
            "colorscale": "YlOrRd",
            "reversescale": True,
            "colorbar": {"title": {"text": "%"}, "thickness": 12},
            "hoverongaps": False,
            "hovertemplate": "%{y} %{x} UTC: mean %{z:.4f} % over %{customdata} s<extra></extra>",
        }
    ]
    layout = _layout(
        280,
        hovermode="closest",
        xaxis=_axis("hour of day (UTC)", tickangle=0, dtick=3),
        yaxis=_axis("", autorange="reversed"),
    )
    return {"data": data, "layout": layout}


DEPTH_COLORS = {"bid": "#16a34a", "ask": "#dc2626"}
SLIPPAGE_COLORS = ("#2563eb", "#7c3aed", "#0891b2", "#be185d", "#d97706", "#475569")


def _line(name: str, xs: list[str | None], ys: list[float | None], **extra: Any) -> dict[str, Any]:
    return {"type": "scatter", "mode": "lines", "name": name, "x": xs, "y": ys} | extra


def liquidity_figure(report: ReportData, book: BookReport) -> Figure | None:
    """Mean depth within 1 % of mid per side (base amount, left axis) and the mean slippage of
    each size per side (basis points, right axis); None when the book has no depth rows."""
    if book.depth is None:
        return None
    points = with_gaps(book.depth.series, report.interval)
    xs = [None if b is None else plot_time(b.bucket_at) for b in points]
    diff = [None if b is None else round(100 * b.share_diff, 1) for b in points]
    base = book.book.split("_", 1)[0]
    traces = []
    for side, attr in (("bid", "bid_1pct"), ("ask", "ask_1pct")):
        ys = [None if b is None else getattr(b, attr) for b in points]
        traces.append(
            _line(
                f"{side}s within 1 % ({base})",
                xs,
                ys,
                line={"width": 1.5, "color": DEPTH_COLORS[side]},
                customdata=diff,
                hovertemplate=f"{side} depth %{{y:.4g}} {base} "
                "(%{customdata} % exact book)<extra></extra>",
            )
        )
    ways = [(w, s) for s in book.depth.sizes for w in ("buy", "sell")]
    for i, (way, size) in enumerate(ways):
        column = f"slippage_{way}_{size}_bp"
        ys = [None if b is None else b.slippage.get(column) for b in points]
        traces.append(
            _line(
                f"{way} {size_text(size)} slippage (bp)",
                xs,
                ys,
                yaxis="y2",
                line={
                    "width": 1.2,
                    "color": SLIPPAGE_COLORS[(i // 2) % len(SLIPPAGE_COLORS)],
                    "dash": "solid" if way == "buy" else "dot",
                },
                hovertemplate=f"{way} {size_text(size)} %{{y:.2f}} bp<extra></extra>",
            )
        )
    layout = _layout(
        300,
        xaxis=_axis(
            "time (UTC)", type="date", range=[plot_time(report.start), plot_time(report.end)]
        ),
        yaxis=_axis(f"depth within 1 % ({base})", rangemode="tozero"),
        yaxis2=_axis("slippage (bp)", overlaying="y", side="right", rangemode="tozero")
        | {"showgrid": False},
    )
    layout["margin"] = {"l": 64, "r": 64, "t": 12, "b": 40}
    return {"data": traces, "layout": layout}
