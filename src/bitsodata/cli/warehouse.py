"""``bitsodata warehouse``: daily loads, the eight questions, exports, the ERD and checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bitsodata.cli import guards, warehouse_data
from bitsodata.cli.lazy import sub_app
from bitsodata.cli.state import STATE
from bitsodata.errors import WarehouseError

if TYPE_CHECKING:  # DuckDB, Arrow and rich load only when a command runs (fast --help)
    from rich.progress import Progress

    from bitsodata.warehouse.db import Database
    from bitsodata.warehouse.load.loader import LoadReport

app = sub_app("warehouse")
warehouse_data.register(app)  # sample, land, fetch-sample

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="DuckDB file or postgresql:// URL (default: settings, warehouse.duckdb)."
    ),
]


def _db(db: str | None) -> str:
    """The database of ``--db`` or the settings (a URL of another engine is refused there)."""
    return STATE.settings(**({"warehouse": {"db": db}} if db is not None else {})).warehouse.db


def _existing_db(db: str | None) -> str:
    return guards.existing_warehouse(_db(db))


@contextmanager
def _warehouse(db: str | None) -> Iterator[Database]:
    """An open warehouse that already holds the warehouse's tables (nothing is created in it)."""
    from bitsodata.warehouse.db import open_db
    from bitsodata.warehouse.schema import has_schema

    url = _existing_db(db)
    with open_db(url) as handle:
        if not has_schema(handle):
            raise WarehouseError(
                f"{guards.shown_url(url)} holds no warehouse yet: load a batch first "
                "(bitsodata warehouse load)"
            )
        yield handle


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise WarehouseError("--day must be a date like 2021-03-01", day=text) from None


def _summary(report: LoadReport) -> str:
    return (
        f"{report.batch}: {report.total_in} rows in, {report.total_loaded} loaded, "
        f"{report.total_quarantined} quarantined, {report.users_touched} users touched "
        f"({report.seconds:.2f} s)"
    )


def _progress() -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    )


@app.command()
def load(
    batch: Annotated[
        Path | None, typer.Option("--batch", help="One batch folder of source CSVs.")
    ] = None,
    day: Annotated[
        str | None, typer.Option("--day", help="Load this day (YYYY-MM-DD) from --landing.")
    ] = None,
    landing: Annotated[
        Path | None,
        typer.Option(
            "--landing", help="Landing area (date=YYYY-MM-DD folders); every day without --day."
        ),
    ] = None,
    source: Annotated[
        Path | None, typer.Option("--source", help="A full snapshot folder, loaded as one batch.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Merge a batch, or every landed day oldest first, into the warehouse (a transaction each)."""
    from datetime import UTC, datetime

    from bitsodata.warehouse.db import open_db
    from bitsodata.warehouse.load.loader import (
        batch_files,
        count_lines,
        day_batch,
        landing_days,
        load_batch,
    )
    from bitsodata.warehouse.sources.lines import EventWindow

    if sum(x is not None for x in (batch, landing, source)) != 1:
        raise WarehouseError(
            "give exactly one of --batch, --landing (with or without --day), --source"
        )
    if day is not None and landing is None:
        raise WarehouseError("--day needs --landing")
    chosen_day = _parse_day(day) if day is not None else None
    if landing is not None:
        guards.existing_dir(landing, "the landing folder")
        folders = (
            [day_batch(landing, chosen_day)]
            if chosen_day
            else [p for _, p in landing_days(landing)]
        )
        if not folders:
            raise WarehouseError(f"no date=YYYY-MM-DD folder in the landing folder {landing}")
    else:
        folder = batch or source
        assert folder is not None
        folders = [guards.existing_dir(folder, "--batch" if batch else "--source")]
    for folder in folders:  # a batch whose files cannot load is refused before the database opens
        batch_files(folder)
    target = guards.new_or_existing_warehouse(_db(db))
    window = EventWindow.around(STATE.settings().warehouse, datetime.now(UTC))
    with open_db(target) as handle, _progress() as progress:
        if len(folders) > 1:
            task = progress.add_task("loading days", total=len(folders))
            reports = []
            for folder in folders:
                reports.append(load_batch(handle, folder, window=window))
                progress.advance(task)
            n_in = sum(r.total_in for r in reports)
            n_q = sum(r.total_quarantined for r in reports)
            typer.echo(
                f"{len(reports)} batches: {n_in} rows in, {n_in - n_q} loaded, {n_q} quarantined"
            )
            return
        task = progress.add_task(f"loading {folders[0].name}", total=count_lines(folders[0]))
        report = load_batch(
            handle, folders[0], on_rows=lambda n: progress.advance(task, n), window=window
        )
    typer.echo(_summary(report))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Question name, e.g. active-users.")],
    day: Annotated[
        str | None, typer.Option("--day", help="Day YYYY-MM-DD (UTC by default).")
    ] = None,
    more_than: Annotated[
        int, typer.Option("--more-than", help="frequent-depositors: deposits threshold.")
    ] = 5,
    user: Annotated[str | None, typer.Option("--user", help="User id.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First day, included.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day, included.")] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="Currency code, e.g. mxn.")
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="Time zone of a day, e.g. America/Mexico_City (default: UTC)."),
    ] = None,
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Answer one of the eight business questions (names: see docs/warehouse.md)."""
    from bitsodata.warehouse.serve.questions import (
        QUESTIONS,
        check_params,
        format_answer,
    )
    from bitsodata.warehouse.serve.questions import (
        ask as ask_question,
    )

    if fmt not in ("table", "json", "csv"):
        raise WarehouseError("--format must be table, json or csv")
    given: dict[str, Any] = {
        "day": day,
        "more_than": more_than,
        "user_id": user,
        "date_from": date_from,
        "date_to": date_to,
        "currency": currency,
    }
    wanted = QUESTIONS[question].params if question in QUESTIONS else ()
    params = check_params(question, {k: v for k, v in given.items() if k in wanted})
    zone = tz or STATE.settings().warehouse.timezone
    with _warehouse(db) as handle:
        answer = ask_question(handle, question, tz=zone, **params)
    shown = params if zone == "UTC" else {**params, "tz": zone}
    typer.echo(format_answer(question, shown, answer, fmt))


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="Folder for one CSV (and Parquet) per table.")],
    db: DbOption = None,
    parquet: Annotated[
        bool, typer.Option("--parquet/--no-parquet", help="Also write Parquet.")
    ] = True,
) -> None:
    """Write one CSV (and one Parquet file) per output table."""
    from bitsodata.warehouse.serve.export import export_tables

    guards.writable_dir(out, "--out")
    with _warehouse(db) as handle:
        paths = export_tables(handle, out, parquet=parquet)
    typer.echo(f"{len(paths)} files written to {out}")


@app.command()
def erd(
    out: Annotated[Path, typer.Option("--out", help="SVG file to write.")] = Path(
        "warehouse-erd.svg"
    ),
    db: DbOption = None,
    mermaid: Annotated[
        Path | None, typer.Option("--mermaid", help="Also write the Mermaid version to this file.")
    ] = None,
) -> None:
    """Draw the entity-relationship diagram of the live schema as SVG (and Mermaid)."""
    from bitsodata.warehouse.serve.erd import write_erd, write_mermaid

    guards.writable_file(out, "--out")
    if mermaid is not None:
        guards.writable_file(mermaid, "--mermaid")
    with _warehouse(db) as handle:
        write_erd(handle, out)
        if mermaid is not None:
            write_mermaid(handle, mermaid)
    typer.echo(f"ERD written to {out}")


@app.command()
def checks(
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Run the data-quality checks; exit 1 when one fails."""
    from bitsodata.warehouse.serve.checks import format_results, run_checks

    if fmt not in ("table", "json"):
        raise WarehouseError("--format must be table or json")

    with _warehouse(db) as handle:
        results = run_checks(handle)
    typer.echo(format_results(results, fmt))
    if any(not r.passed for r in results):
        raise typer.Exit(1)


@app.command()
def compact(
    db: DbOption = None,
    share: Annotated[
        float,
        typer.Option(
            "--share", min=0.0, max=1.0, help="Rewrite once this share of dim_user is out of order."
        ),
    ] = 0.10,
    force: Annotated[bool, typer.Option("--force", help="Rewrite whatever the share.")] = False,
) -> None:
    """Keep dim_user in user order (DuckDB): rewrite it once daily loads scattered enough rows."""
    from bitsodata.warehouse.load.upkeep import compact as run_compact

    with _warehouse(db) as handle:
        done = run_compact(handle, share=share, force=force)
    verdict = "rewritten in user order" if done.rewritten else "left as is"
    typer.echo(
        f"dim_user: {done.wide_share:.1%} of {done.rows} rows out of order, {verdict} "
        f"({done.seconds:.2f} s)"
    )
