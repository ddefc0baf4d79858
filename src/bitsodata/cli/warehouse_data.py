"""``bitsodata warehouse sample|land|fetch-sample``: source data for the warehouse (thin shell)."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bitsodata.cli import guards
from bitsodata.cli.state import STATE
from bitsodata.errors import WarehouseError

if TYPE_CHECKING:  # the heavy modules load only when a command runs, so --help stays fast
    from bitsodata.sample import SampleReport
    from bitsodata.warehouse.landing.fetch import FetchReport
    from bitsodata.warehouse.landing.split import LandReport

# The public challenge repository, pinned to the commit whose blobs fetch-sample verifies
# (the value of ``bitsodata.warehouse.landing.fetch.DEFAULT_BASE_URL``; a test keeps them equal).
DEFAULT_BASE_URL = (
    "https://raw.githubusercontent.com/IMARVI/sr_de_challenge/"
    "460084571b1e61351702dcc91c5e72f21ae878e7/"
)


def format_sample(report: SampleReport, seconds: float) -> str:
    """One line per file with its row count, then the quirks worth knowing."""
    lines = [f"{name:<30} {rows:>12,} rows" for name, rows in report.rows.items()]
    lines.append(
        f"seed {report.seed}, scale {report.scale:g}: {report.late_users} users missing from the "
        f"user snapshot, {report.duplicate_deposits} duplicate deposit rows, {seconds:.1f} s "
        f"-> {report.out}"
    )
    return "\n".join(lines)


def format_land(report: LandReport) -> str:
    """Per file: source rows, landed rows, late and undated rows; then the days written."""
    lines = [f"{'file':<30} {'source':>11} {'landed':>11} {'late':>9} {'undated':>8}"]
    for name, c in report.files.items():
        lines.append(
            f"{name:<30} {c.source_rows:>11,} {c.landed_rows:>11,} {c.late_rows:>9,} "
            f"{c.undated_rows:>8,}"
        )
    span = f"{report.days[0]} .. {report.days[-1]}" if report.days else "none"
    lines.append(f"{len(report.days)} day folder(s) written ({span}) -> {report.out}")
    return "\n".join(lines)


def format_fetch(report: FetchReport) -> str:
    """One line per downloaded file with its size."""
    lines = [f"{name:<30} {size:>14,} bytes" for name, size in report.sizes.items()]
    return "\n".join([*lines, f"-> {report.out}"])


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise WarehouseError("--day must look like YYYY-MM-DD", day=value) from exc


def sample(
    out: Annotated[Path, typer.Option("--out", help="Folder for the five CSV files.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same bytes).")] = 1,
    scale: Annotated[
        float, typer.Option("--scale", help="Size: 1 = the real sample (~25.7k users).", min=0.0001)
    ] = 1.0,
) -> None:
    """Generate the five challenge CSV files with realistic data and the real quirks."""
    started = time.perf_counter()
    STATE.check()
    guards.finite("--scale", scale)
    guards.writable_dir(out, "--out")
    from bitsodata.sample import generate

    report = generate(out, seed=seed, scale=scale)
    typer.echo(format_sample(report, time.perf_counter() - started))


def land_cmd(
    source: Annotated[Path, typer.Option("--source", help="Folder with the snapshot CSV files.")],
    out: Annotated[Path, typer.Option("--out", help="Landing folder (date=YYYY-MM-DD/...).")],
    late_share: Annotated[
        float,
        typer.Option("--late-share", help="Share of rows that arrive late (0..1).", min=0, max=1),
    ] = 0.0,
    late_days: Annotated[
        int, typer.Option("--late-days", help="A late row arrives 1..N days late.", min=0)
    ] = 3,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the late-row draw.")] = 0,
    day: Annotated[
        str | None,
        typer.Option("--day", help="Land only this day (YYYY-MM-DD); replaces its folder."),
    ] = None,
) -> None:
    """Split snapshots into daily batches by event date (UTC), optionally with late rows."""
    from bitsodata.warehouse.landing.split import land

    STATE.check()
    chosen = _parse_day(day)
    guards.existing_dir(source, "--source")
    guards.writable_dir(out, "--out")
    report = land(source, out, late_share=late_share, late_days=late_days, seed=seed, day=chosen)
    typer.echo(format_land(report))


def fetch_cmd(
    out: Annotated[Path, typer.Option("--out", help="Folder for the downloaded files.")],
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where the five files are published.")
    ] = DEFAULT_BASE_URL,
    verify: Annotated[
        bool,
        typer.Option("--verify/--no-verify", help="Check each file's published Git blob id."),
    ] = True,
) -> None:
    """Download the public challenge files (needs internet)."""
    from bitsodata.settings import check_url
    from bitsodata.warehouse.landing.fetch import fetch_sample

    STATE.check()
    try:
        check_url(base_url, ("https", "http"))
    except ValueError as exc:
        raise WarehouseError(f"--base-url {exc}") from None
    guards.writable_dir(out, "--out")

    import asyncio

    report = asyncio.run(fetch_sample(out, base_url=base_url, verify=verify))
    typer.echo(format_fetch(report))


def register(app: typer.Typer) -> None:
    """Add ``sample``, ``land`` and ``fetch-sample`` to the ``warehouse`` sub-app."""
    app.command("sample")(sample)
    app.command("land")(land_cmd)
    app.command("fetch-sample")(fetch_cmd)
