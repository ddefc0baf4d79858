"""``bitsodata spread report``: one self-contained HTML report of a range of the lake."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bitsodata.cli.times import TIME_HELP

LAKE_HELP = "Lake path or s3://bucket/prefix (default: the lake.url setting)."


def report(
    start: Annotated[str, typer.Option("--from", help="Start, inclusive: " + TIME_HELP)],
    end: Annotated[str, typer.Option("--to", help="End, exclusive: " + TIME_HELP)],
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("report.html"),
    books: Annotated[
        str | None, typer.Option("--books", help="Comma-separated books (default: all).")
    ] = None,
    lake: Annotated[str | None, typer.Option("--lake", help=LAKE_HELP)] = None,
    thresholds: Annotated[
        str, typer.Option("--thresholds", help="Comma-separated spread thresholds in percent.")
    ] = "0.1,0.5,1.0",
    alerts: Annotated[
        Path | None,
        typer.Option("--alerts", help="Alert rules file to replay (default: one per threshold)."),
    ] = None,
) -> None:
    """Write an HTML report (charts + the `spread stats` figures) that opens offline.

    Per book: the spread over time with the thresholds and alert episodes, its distribution,
    a day-of-week x hour heatmap (ranges of 3 days or more), and a data-quality strip.
    """
    from datetime import UTC, datetime

    from bitsodata import analysis
    from bitsodata.alerts.rules import Rule, load_rules
    from bitsodata.cli import guards
    from bitsodata.cli.spread_lake import parse_books, parse_range, readable_lake_settings
    from bitsodata.lake.stats import parse_thresholds
    from bitsodata.report.write import format_written, write_report

    first, last = parse_range(start, end)
    names = parse_books(books)
    limits = parse_thresholds(thresholds)
    guards.writable_file(out, "--out")
    settings = readable_lake_settings(lake)
    written = write_report(
        analysis.open_lake(settings),
        out,
        names,
        datetime.fromtimestamp(first, UTC),
        datetime.fromtimestamp(last, UTC),
        limits,
        rules=[r for r in load_rules(alerts) if isinstance(r, Rule)] if alerts else None,
        lake_label=settings.url,
    )
    typer.echo(format_written(written))


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``spread`` sub-app."""
    app.command("report")(report)
