"""``write_report``: build a report from a lake and write it to one HTML file (atomically)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from bitsodata.alerts.rules import Rule
from bitsodata.lake.stats import DEFAULT_THRESHOLDS
from bitsodata.lake.storage import write_atomic
from bitsodata.report.build import AnalysisLake, build_report_data
from bitsodata.report.model import ReportData
from bitsodata.report.render import render_report


@dataclass(frozen=True)
class WrittenReport:
    """Where the report went and what it covers."""

    path: Path
    size: int
    data: ReportData


def write_report(
    lake: AnalysisLake,
    out: Path,
    books: Sequence[str] | None,
    start: datetime,
    end: datetime,
    thresholds: Sequence[Decimal] = DEFAULT_THRESHOLDS,
    *,
    rules: Sequence[Rule] | None = None,
    lake_label: str = "",
) -> WrittenReport:
    """Build the report of [start, end) and write it to ``out`` (readers never see half a file)."""
    data = build_report_data(
        lake, books, start, end, thresholds, rules=rules, lake_label=lake_label
    )
    page = render_report(data).encode()
    write_atomic(out, page, durable=False)
    return WrittenReport(out, len(page), data)


def format_written(report: WrittenReport) -> str:
    """One line for the terminal."""
    data = report.data
    books = ", ".join(b.book for b in data.books)
    return (
        f"report written to {report.path} ({report.size / 1e6:.1f} MB; {books}; "
        f"{data.start:%Y-%m-%d %H:%M:%S} to {data.end:%Y-%m-%d %H:%M:%S} UTC)"
    )
