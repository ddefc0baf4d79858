"""``bitsodata spread collect``: the long-running collector (a thin shell over monitor.app)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bitsodata.cli import guards
from bitsodata.cli.state import STATE
from bitsodata.errors import ConfigError

if TYPE_CHECKING:
    from bitsodata.settings import Settings


def parse_books(text: str) -> tuple[str, ...]:
    """``btc_mxn,usd_mxn`` -> ("btc_mxn", "usd_mxn") (blanks dropped, order kept, no repeats)."""
    books = tuple(dict.fromkeys(b.strip().lower() for b in text.split(",") if b.strip()))
    if not books:
        raise ConfigError("--books needs at least one book", value=text)
    return books


def preflight(settings: Settings) -> None:
    """Everything the collector will touch, checked before it touches anything."""
    from bitsodata.alerts.rules import load_rules

    mon = settings.monitor
    guards.writable_dir(mon.journal_dir, "the journal folder (monitor.journal_dir)")
    guards.writable_lake(settings.lake.url)
    if settings.lake.url.startswith("s3://"):
        guards.writable_dir(
            settings.lake.upload_queue_dir, "the upload queue (lake.upload_queue_dir)"
        )
    if settings.alerts.webhook_url is not None:
        guards.writable_dir(settings.alerts.outbox_dir, "the alert outbox (alerts.outbox_dir)")
    if settings.alerts.rules_file is not None:
        load_rules(settings.alerts.rules_file)
    if mon.metrics_port is not None:
        guards.free_port(mon.metrics_host, mon.metrics_port, "the metrics port")


def overrides(**options: Any) -> dict[str, dict[str, Any]]:
    """CLI options (None = not given) as settings section overrides."""
    where = {
        "books": ("monitor", "books"),
        "window_seconds": ("monitor", "window_seconds"),
        "fmt": ("monitor", "format"),
        "metrics_port": ("monitor", "metrics_port"),
        "metrics_host": ("monitor", "metrics_host"),
        "journal_dir": ("monitor", "journal_dir"),
        "lake": ("lake", "url"),
        "alerts": ("alerts", "rules_file"),
        "exchange_url": ("exchange", "rest_url"),
        "ws_url": ("exchange", "ws_url"),
    }
    out: dict[str, dict[str, Any]] = {}
    for option, value in options.items():
        if value is not None:
            section, key = where[option]
            out.setdefault(section, {})[key] = value
    return out


HELP = (
    "Collect one observation per book per second into window files in the lake.\n\n"
    "Every row is journaled before anything else; after a crash the next start completes the "
    "closed windows (the seconds it was down become `missing` rows) and resumes the open one.\n\n"
    "With --duration the collector writes every window that ended during the run (the first one "
    "with `missing` rows for the seconds before it started); the window still open stays in the "
    "journal and the next start resumes it. SIGINT/SIGTERM stop it the same way."
)


def register(app: typer.Typer) -> None:
    """Add the collector command to the ``spread`` sub-app."""
    app.command("collect", help=HELP)(collect)


def collect(
    books: Annotated[
        str | None, typer.Option(help="Comma-separated books, e.g. btc_mxn,usd_mxn.")
    ] = None,
    lake: Annotated[
        str | None, typer.Option(help="Lake: a local folder or s3://bucket/prefix.")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Window file format: parquet or csv.")
    ] = None,
    window_seconds: Annotated[
        int | None, typer.Option(help="Seconds per window file (must divide a day; 600 default).")
    ] = None,
    alerts: Annotated[
        Path | None, typer.Option(help="Alert rules TOML file (re-read when it changes).")
    ] = None,
    exchange_url: Annotated[
        str | None, typer.Option(help="REST base URL (default https://api.bitso.com/v3).")
    ] = None,
    ws_url: Annotated[
        str | None, typer.Option(help="WebSocket URL (default wss://ws.bitso.com).")
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option(help="Stop after this many seconds (default: until SIGINT/SIGTERM)."),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            help="Serve Prometheus /metrics and /healthz on this port.", min=0, max=65_535
        ),
    ] = None,
    metrics_host: Annotated[
        str | None,
        typer.Option(
            help="Interface of the metrics server (default 127.0.0.1; 0.0.0.0 = every interface)."
        ),
    ] = None,
    journal_dir: Annotated[
        Path | None, typer.Option(help="Local journal folder (every observation lands here first).")
    ] = None,
) -> None:
    """Collect one observation per book per second into window files in the lake."""
    from bitsodata.monitor.app import run_collector

    if duration is not None and (guards.finite("--duration", duration) <= 0):
        raise ConfigError("--duration must be positive", value=duration)
    settings = STATE.settings(
        **overrides(
            books=parse_books(books) if books is not None else None,
            lake=lake,
            fmt=fmt,
            window_seconds=window_seconds,
            alerts=alerts,
            exchange_url=exchange_url,
            ws_url=ws_url,
            metrics_port=metrics_port,
            metrics_host=metrics_host,
            journal_dir=journal_dir,
        )
    )
    preflight(settings)
    import asyncio

    report = asyncio.run(run_collector(settings, duration=duration))
    typer.echo(
        f"collected {report.ticks} ticks x {len(settings.monitor.books)} books, "
        f"{report.windows_written} windows written, {report.windows_left} left in the journal"
    )
