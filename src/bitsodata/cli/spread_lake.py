"""``bitsodata spread query`` and ``spread stats``: DuckDB over the lake."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bitsodata.cli import guards
from bitsodata.cli.state import STATE
from bitsodata.cli.times import TIME_HELP, parse_time
from bitsodata.errors import ConfigError

if TYPE_CHECKING:  # DuckDB, Arrow, rich and pydantic load only when a lake command runs
    from rich.table import Table

    from bitsodata.lake.query import QueryResult
    from bitsodata.lake.stats import SpreadStats
    from bitsodata.settings import LakeSettings

LAKE_HELP = "Lake path or s3://bucket/prefix (default: the lake.url setting)."


class QueryFormat(StrEnum):
    """Output formats of ``spread query``."""

    table = "table"
    csv = "csv"
    json = "json"


class StatsFormat(StrEnum):
    """Output formats of ``spread stats``."""

    table = "table"
    json = "json"


def parse_range(start: str, end: str) -> tuple[int, int]:
    """``--from`` and ``--to`` as epoch seconds, the end after the start."""
    first, last = parse_time(start, "--from"), parse_time(end, "--to")
    if last <= first:
        raise ConfigError("--to must be after --from")
    return first, last


def _lake(lake: str | None) -> LakeSettings:
    overrides: dict[str, Any] = {"lake": {"url": lake}} if lake else {}
    settings = STATE.settings(**overrides).lake
    guards.readable_lake(settings.url)
    return settings


# -- pure formatting ----------------------------------------------------------------------------


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def format_csv(result: QueryResult) -> str:
    """Header row then one line per row; nulls as empty fields."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([_cell(v) for v in row] for row in result.rows)
    return out.getvalue()


def format_json(result: QueryResult) -> str:
    """A JSON array of objects (dates, decimals as strings)."""
    records = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    return json.dumps(records, default=str, indent=2)


def query_table(result: QueryResult) -> Table:
    """A rich table of the result."""
    from rich.table import Table

    table = Table(*result.columns, title=f"{len(result.rows)} rows")
    for row in result.rows:
        table.add_row(*(_cell(v) for v in row))
    return table


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.6f}"


def stats_table(stats: SpreadStats) -> Table:
    """A two-column rich table of the stats."""
    from rich.table import Table

    data = stats.to_dict()
    table = Table("figure", "value", title=f"{stats.book} {data['from']} .. {data['to']}")
    table.add_row("rows", str(stats.rows))
    table.add_row("missing rows", f"{stats.missing_rows} ({stats.missing_pct:.3f} %)")
    table.add_row("seconds without a row", str(stats.absent_seconds))
    for name, value in data["spread"].items():
        table.add_row(f"spread {name} (%)", _num(value))
    for threshold, seconds in stats.seconds_above.items():
        table.add_row(f"seconds above {threshold} %", str(seconds))
    return table


def _check_book(book: str) -> str:
    from bitsodata.lake.layout import check_book

    try:
        return check_book(book)
    except ValueError:
        raise ConfigError(f"not a book id: {book!r} (expected e.g. btc_mxn)") from None


# -- commands -----------------------------------------------------------------------------------


def query(
    sql: Annotated[str, typer.Argument(help="SQL over the `spreads` view (book/date/hour prune).")],
    lake: Annotated[str | None, typer.Option("--lake", help=LAKE_HELP)] = None,
    fmt: Annotated[
        QueryFormat, typer.Option("--format", help="Output: table, csv or json.")
    ] = QueryFormat.table,
) -> None:
    """Run SQL (DuckDB) over the lake's window files, exposed as the `spreads` view.

    Columns: the file columns plus `date` and `hour`; filters on book/date/hour skip other files.
    An S3 lake is fetched into a temporary folder first.
    """
    from rich.console import Console

    from bitsodata.lake.query import run_query

    if not sql.strip():
        raise ConfigError(
            "give a SQL statement over the `spreads` view, e.g. 'select * from spreads'"
        )
    result = run_query(_lake(lake), sql)
    if fmt is QueryFormat.csv:
        typer.echo(format_csv(result), nl=False)
    elif fmt is QueryFormat.json:
        typer.echo(format_json(result))
    else:
        Console(width=200).print(query_table(result))


def stats(
    book: Annotated[str, typer.Option("--book", help="Order book, e.g. btc_mxn.")],
    start: Annotated[str, typer.Option("--from", help="Start, inclusive: " + TIME_HELP)],
    end: Annotated[str, typer.Option("--to", help="End, exclusive: " + TIME_HELP)],
    lake: Annotated[str | None, typer.Option("--lake", help=LAKE_HELP)] = None,
    thresholds: Annotated[
        str, typer.Option("--thresholds", help="Comma-separated spread thresholds in percent.")
    ] = "0.1,0.5,1.0",
    fmt: Annotated[StatsFormat, typer.Option("--format", help="Output: table or json.")] = (
        StatsFormat.table
    ),
) -> None:
    """Rows, % missing, spread min/mean/p50/p95/p99/max and seconds above each threshold."""
    from rich.console import Console

    from bitsodata.lake.stats import parse_thresholds, spread_stats

    first, last = parse_range(start, end)
    chosen = _check_book(book)
    limits = parse_thresholds(thresholds)
    result = spread_stats(_lake(lake), chosen, first, last, limits)
    if fmt is StatsFormat.json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        Console(width=120).print(stats_table(result))


def register(app: typer.Typer) -> None:
    """Add the lake commands to the ``spread`` sub-app."""
    app.command("query")(query)
    app.command("stats")(stats)
