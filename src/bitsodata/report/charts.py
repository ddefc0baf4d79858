"""Plotly figure specs (plain JSON-ready dicts) for one book of a report; pure functions.

The page hands each spec to ``Plotly.newPlot``; plotly.js itself is inlined once by ``render``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bitsodata.report.model import AlertEpisode, BookReport, Bucket, Interval, ReportData

Figure = dict[str, Any]

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


def with_gaps(series: Sequence[Bucket], interval: Interval) -> list[Bucket | None]:
    """The buckets with a ``None`` wherever buckets are absent, so lines break over gaps."""
    out: list[Bucket | None] = []
    step = timedelta(seconds=interval.seconds)
    for i, bucket in enumerate(series):
        if i and bucket.bucket_at - series[i - 1].bucket_at > step:
            out.append(None)
        out.append(bucket)
    return out


def coalesce(
    episodes: Sequence[AlertEpisode], end: datetime, gap_seconds: int
) -> dict[str, list[tuple[datetime, datetime]]]:
    """Rule -> firing spans, merged where they are closer than ``gap_seconds`` (chart resolution;
    thousands of one-second episodes would otherwise be thousands of shapes)."""
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    gap = timedelta(seconds=gap_seconds)
    for ep in sorted(episodes, key=lambda e: (e.rule, e.started_at)):
        stop = ep.ended_at or end
        rule = spans.setdefault(ep.rule, [])
        if rule and ep.started_at - rule[-1][1] <= gap:
            rule[-1] = (rule[-1][0], max(rule[-1][1], stop))
        else:
            rule.append((ep.started_at, stop))
    return spans


def _episode_color(report: ReportData, episodes: Sequence[AlertEpisode], rule: str) -> str:
    first = next(e for e in episodes if e.rule == rule)
    by_threshold = threshold_color(report.thresholds, first.threshold)
    return by_threshold or SEVERITY_COLORS.get(first.severity, "#64748b")


def _episode_traces(report: ReportData, book: BookReport) -> list[dict[str, Any]]:
    traces = []
    spans = coalesce(book.episodes, report.end, report.interval.seconds)
    for rule, pieces in spans.items():
        xs: list[str | None] = []
        ys: list[int | None] = []
        for start, stop in pieces:
            a, b = plot_time(start), plot_time(stop)
            xs += [a, a, b, b, None]
            ys += [0, 1, 1, 0, None]
        color = _episode_color(report, book.episodes, rule)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{rule} firing",
                "x": xs,
                "y": ys,
                "yaxis": "y2",
                "fill": "toself",
                "fillcolor": color,
                "opacity": 0.18,
                "line": {"width": 0, "color": color},
                "hoverinfo": "skip",
                "legendgroup": rule,
            }
        )
    return traces


def spread_figure(report: ReportData, book: BookReport) -> Figure:
    """Mean spread per bucket with its min-max band, the thresholds, and alert episodes shaded."""
    points = with_gaps(book.series, report.interval)
    xs = [None if b is None else plot_time(b.bucket_at) for b in points]

    def col(name: str) -> list[float | None]:
        return [None if b is None else getattr(b, name) for b in points]

    band = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": xs,
            "y": col("low"),
            "line": {"width": 0},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "min-max in bucket",
            "x": xs,
            "y": col("high"),
            "fill": "tonexty",
            "fillcolor": BAND_COLOR,
            "line": {"width": 0},
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
        xaxis=_axis("time (UTC)", type="date"),
        yaxis=_axis("spread (%)", rangemode="tozero"),
        yaxis2={"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
        shapes=shapes,
        annotations=notes,
    )
    return {"data": _episode_traces(report, book) + band, "layout": layout}


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
