"""The HTML spread report: ``build_report_data`` asks the analysis API for a range of the lake,
``render_report`` turns the result into one self-contained page (plotly.js inlined, no request)."""

from bitsodata.report.build import build_report_data, rules_for
from bitsodata.report.model import (
    AlertEpisode,
    BookReport,
    Bucket,
    HistogramBin,
    Interval,
    ReportData,
    RuleEpisodes,
    WeekHourMatrix,
    choose_interval,
)
from bitsodata.report.render import render_report

__all__ = [
    "AlertEpisode",
    "BookReport",
    "Bucket",
    "HistogramBin",
    "Interval",
    "ReportData",
    "RuleEpisodes",
    "WeekHourMatrix",
    "build_report_data",
    "choose_interval",
    "render_report",
    "rules_for",
]
