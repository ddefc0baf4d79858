"""``bitsodata spread query``, ``spread stats`` and ``spread migrate``: DuckDB over the lake."""

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
    csv = "csv"


def parse_books(text: str | None) -> list[str] | None:
    """``btc_mxn,usd_mxn`` -> the books (checked); None or ``all`` -> every book of the lake."""
    if text is None or text.strip() in ("", "all", "*"):
        return None
    return [_check_book(part.strip()) for part in text.split(",") if part.strip()]


def parse_range(start: str, end: str) -> tuple[int, int]:
    """``--from`` and ``--to`` as epoch seconds, the end after the start."""
    first, last = parse_time(start, "--from"), parse_time(end, "--to")
    if last <= first:
        raise ConfigError("--to must be after --from")
    return first, last


def readable_lake_settings(lake: str | None) -> LakeSettings:
    """The lake settings with ``--lake`` on top, refused when the lake cannot be read."""
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


def stats_table(many: list[SpreadStats]) -> Table:
    """One column per book, one row per figure."""
    from rich.table import Table

    first = many[0].to_dict()
    table = Table("figure", *(s.book for s in many), title=f"{first['from']} .. {first['to']}")
    table.add_row("rows", *(str(s.rows) for s in many))
    table.add_row("missing rows", *(f"{s.missing_rows} ({s.missing_pct:.3f} %)" for s in many))
    table.add_row("seconds without a row", *(str(s.absent_seconds) for s in many))
    for name in first["spread"]:
        table.add_row(f"spread {name} (%)", *(_num(s.to_dict()["spread"][name]) for s in many))
    for threshold in many[0].seconds_above:
        table.add_row(
            f"seconds above {threshold} %", *(str(s.seconds_above[threshold]) for s in many)
        )
    names = sorted({name for s in many for name in (s.depth or {})})
    for name in names:  # liquidity, when the lake has depth rows
        table.add_row(name.replace("_", " "), *(_num((s.depth or {}).get(name)) for s in many))
    return table


def stats_csv(many: list[SpreadStats]) -> str:
    """One line per book: the figures of ``to_dict`` flattened (``spread_p95``, ``above_0.5``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    rows = [_flat(s.to_dict()) for s in many]
    writer.writerow(rows[0])
    writer.writerows([_cell(v) for v in row.values()] for row in rows)
    return out.getvalue()


def _flat(data: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in data.items() if not isinstance(v, dict)}
    flat.update({f"spread_{k}": v for k, v in data["spread"].items()})
    flat.update({f"seconds_above_{k}": v for k, v in data["seconds_above"].items()})
    flat.update(data.get("depth", {}))
    return flat


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
    books: Annotated[
        str | None,
        typer.Option("--books", "--book", help="Limit the view to these books (comma-separated)."),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Limit the view to rows from: " + TIME_HELP)
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Limit the view to rows before: " + TIME_HELP)
    ] = None,
) -> None:
    """Run SQL (DuckDB) over the lake's window files, exposed as the `spreads` view.

    Columns: the file columns plus `date` and `hour`. --books/--from/--to limit which files are
    read at all (on S3 only those are downloaded); in the SQL, filters on date/hour skip files.
    """
    from rich.console import Console

    from bitsodata.lake.query import run_query

    if not sql.strip():
        raise ConfigError(
            "give a SQL statement over the `spreads` view, e.g. 'select * from spreads'"
        )
    chosen = parse_books(books)
    first = None if start is None else parse_time(start, "--from")
    last = None if end is None else parse_time(end, "--to")
    if first is not None and last is not None and last <= first:
        raise ConfigError("--to must be after --from")
    result = run_query(readable_lake_settings(lake), sql, books=chosen, start=first, end=last)
    if fmt is QueryFormat.csv:
        typer.echo(format_csv(result), nl=False)
    elif fmt is QueryFormat.json:
        typer.echo(format_json(result))
    else:
        Console(width=200).print(query_table(result))


def stats(
    start: Annotated[str, typer.Option("--from", help="Start, inclusive: " + TIME_HELP)],
    end: Annotated[str, typer.Option("--to", help="End, exclusive: " + TIME_HELP)],
    book: Annotated[
        str | None, typer.Option("--book", help="One order book, e.g. btc_mxn (JSON: an object).")
    ] = None,
    books: Annotated[
        str | None,
        typer.Option("--books", help="Books, comma-separated, or all (the default; JSON: a list)."),
    ] = None,
    lake: Annotated[str | None, typer.Option("--lake", help=LAKE_HELP)] = None,
    thresholds: Annotated[
        str, typer.Option("--thresholds", help="Comma-separated spread thresholds in percent.")
    ] = "0.1,0.5,1.0",
    fmt: Annotated[StatsFormat, typer.Option("--format", help="Output: table, json or csv.")] = (
        StatsFormat.table
    ),
) -> None:
    """Per book: rows, % missing, spread min/mean/p50/p95/p99/max, seconds above each threshold."""
    from rich.console import Console

    from bitsodata.errors import LakeError
    from bitsodata.lake.stats import parse_thresholds, spread_stats_many

    if book and books:
        raise ConfigError("give --book or --books, not both")
    first, last = parse_range(start, end)
    chosen = [_check_book(book)] if book else parse_books(books)
    limits = parse_thresholds(thresholds)
    found = spread_stats_many(readable_lake_settings(lake), chosen, first, last, limits)
    if all(s.rows == 0 for s in found):
        raise LakeError(
            f"no observations of {', '.join(s.book for s in found)} from {start} to {end}"
        )
    if fmt is StatsFormat.json:
        data = [s.to_dict() for s in found]
        typer.echo(json.dumps(data[0] if book else data, indent=2))
    elif fmt is StatsFormat.csv:
        typer.echo(stats_csv(found), nl=False)
    else:
        Console(width=160).print(stats_table(found))


def migrate(
    lake: Annotated[str | None, typer.Option("--lake", help=LAKE_HELP)] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be rewritten.")
    ] = False,
) -> None:
    """Rewrite version 1 window files (`spreads/book=…/`) into the version 2 layout and schema.

    Safe to interrupt and re-run: each file is written at its new key before the old one goes.
    """
    from bitsodata.lake.migrate import migrate_lake
    from bitsodata.lake.source import as_storage

    result = migrate_lake(as_storage(readable_lake_settings(lake)), dry_run=dry_run)
    verb = "would rewrite" if dry_run else "rewrote"
    typer.echo(
        f"{verb} {result.windows} window files; removed {result.daily_removed} old day files"
        + (f"; left {len(result.skipped)} other files as they are" if result.skipped else "")
    )


def register(app: typer.Typer) -> None:
    """Add the lake commands to the ``spread`` sub-app."""
    app.command("query")(query)
    app.command("stats")(stats)
    app.command("migrate")(migrate)
