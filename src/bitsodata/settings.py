"""Typed settings, loaded once at the edge and passed down as objects.

Sources, strongest first: explicit overrides (CLI flags), environment variables
``BITSODATA_<SECTION>__<KEY>``, a TOML file (``--config`` or ``BITSODATA_CONFIG``), defaults.
Unknown keys are an error everywhere, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bitsodata.domain.depth import NotionalSize, parse_size
from bitsodata.errors import ConfigError


class Section(BaseModel):
    """Base of every settings section: frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ExchangeSettings(Section):
    """Where the exchange is and how hard we may hit it."""

    rest_url: str = "https://api.bitso.com/v3"
    """REST base URL including the version prefix (``/v3`` or ``/api/v3``)."""
    ws_url: str = "wss://ws.bitso.com"
    """WebSocket URL."""
    rest_requests_per_minute: int = Field(default=60, gt=0)
    """Budget for all REST calls of the process (Bitso documents 60/min per IP)."""
    rest_timeout_seconds: float = Field(default=5.0, gt=0)
    """Timeout of one REST request."""
    ws_silence_seconds: float = Field(default=10.0, gt=0)
    """No message at all (data or keep-alive) for this long means the stream is dead."""
    lockout_seconds: float = Field(default=60.0, ge=0)
    """How long every REST call stops after a rate-limit answer (0801 / 420 / 429)."""


class MonitorSettings(Section):
    """The spread collector."""

    books: tuple[str, ...] = ("btc_mxn", "usd_mxn")
    """Order books to watch."""
    window_seconds: int = Field(default=600, gt=0)
    """Length of one lake file's window; must divide a day."""
    stale_after_seconds: float = Field(default=10.0, gt=0)
    """A REST value older than this, or a silent link for this long, gives ``stale`` rows."""
    journal_dir: Path = Path(".bitsodata/journal")
    """Local append-only journal; every observation lands here first."""
    format: Literal["parquet", "csv"] = "parquet"
    """Format of the window files."""
    metrics_port: int | None = None
    """Serve Prometheus metrics (and /healthz) on this port when set."""
    quality_alert_after_seconds: float = Field(default=30.0, ge=0)
    """A stream down, or a book stale or missing, this long raises a data-quality alert."""
    window_late_seconds: float = Field(default=30.0, gt=0)
    """A window file not in the lake this long after its window ended is late (alert, /healthz)."""
    backfill_max_seconds: int = Field(default=3600, ge=0)
    """On restart, windows wholly inside the downtime are written all-``missing`` this far back."""
    stop_grace_seconds: float = Field(default=15.0, gt=0)
    """On stop, how long pending window files may still take to reach the lake."""


def _default_sizes() -> dict[str, tuple[str, ...]]:
    return {"btc_mxn": ("0.1 btc", "1 btc"), "usd_mxn": ("1000 usd", "10000 usd")}


class DepthSettings(Section):
    """The full books kept from ``diff-orders`` and the liquidity table ``depth/``."""

    enabled: bool = True
    """Keep full books and write one depth row per book per second beside the spread rows."""
    sizes: dict[str, tuple[str, ...]] = Field(default_factory=_default_sizes)
    """Order sizes priced every second, per book, as ``"<amount> <base or quote currency>"``
    (``"0.1 btc"``, ``"100000 mxn"``); a book not listed gets depth and imbalance only."""
    max_queue: int = Field(default=50_000, gt=0)
    """diff-orders messages held per book while it waits for a snapshot (oldest dropped)."""

    @field_validator("sizes")
    @classmethod
    def _sizes_parse(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for book, sizes in value.items():
            labels = [parse_size(size, book).label for size in sizes]
            if len(set(labels)) != len(labels):
                raise ValueError(f"{book}: the same size twice")
        return value

    def sizes_of(self, book: str) -> tuple[NotionalSize, ...]:
        """The typed sizes priced for ``book``."""
        return tuple(parse_size(size, book) for size in self.sizes.get(book, ()))


class LakeSettings(Section):
    """The data lake: a local folder or ``s3://bucket/prefix``."""

    url: str = "./lake"
    """Local path or ``s3://bucket/prefix``."""
    s3_endpoint_url: str | None = None
    """S3 endpoint (for S3-compatible stores); AWS's default when unset."""
    s3_region: str = "us-east-1"
    """S3 region."""
    s3_access_key_id: SecretStr | None = None
    """S3 access key; the AWS credential chain is used when unset."""
    s3_secret_access_key: SecretStr | None = None
    """S3 secret key; the AWS credential chain is used when unset."""
    upload_queue_dir: Path = Path(".bitsodata/upload-queue")
    """Files waiting for an S3 upload (kept across restarts)."""
    s3_timeout_seconds: float = Field(default=5.0, gt=0)
    """Connect and read timeout of one S3 request."""
    s3_max_attempts: int = Field(default=2, ge=1)
    """Attempts per S3 request (botocore retries) before the upload stays queued."""
    upload_retry_seconds: float = Field(default=5.0, ge=0)
    """After a failed upload, writes only queue for this long before trying the store again."""


class AlertSettings(Section):
    """Alert rules and where alerts go."""

    rules_file: Path | None = None
    """TOML rules file; defaults (0.1 / 0.5 / 1.0 % on every book) when unset."""
    webhook_url: SecretStr | None = None
    """JSON POST target (Slack-compatible body); no webhook when unset."""
    outbox_dir: Path = Path(".bitsodata/outbox")
    """Persistent outbox for webhook deliveries."""
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    """Timeout of one webhook POST."""
    webhook_max_backoff_seconds: float = Field(default=60.0, gt=0)
    """Longest wait between two delivery attempts while the receiver fails."""


class WarehouseSettings(Section):
    """The user-activity warehouse."""

    db: str = "warehouse.duckdb"
    """DuckDB file path or ``postgresql://`` URL."""
    timezone: str = "UTC"
    """Time zone that defines a calendar day for the questions."""


class OrchestrationSettings(Section):
    """The Airflow DAGs (``dags/``): the warehouse's daily batches and the lake audit."""

    source_dir: Path = Path("data")
    """CSV snapshots the daily batches are cut from (``warehouse_daily`` lands one day of them)."""
    landing_dir: Path = Path("landing")
    """Landing area of the daily batches: ``date=YYYY-MM-DD/<source files>``."""
    export_dir: Path = Path("export")
    """One CSV per warehouse table, rewritten after every daily load."""
    erd_path: Path = Path("erd.svg")
    """The ERD image drawn from the live warehouse schema after every daily load."""
    start_date: date = date(2020, 1, 1)
    """First day ``warehouse_daily`` loads (catch-up runs every day since)."""
    audit_grace_seconds: int = Field(default=120, ge=0)
    """A window file is due this long after its window closed."""
    audit_lookback_seconds: int = Field(default=3600, gt=0)
    """Each audit run checks the windows that fell due in this span before the run's end."""
    audit_missing_after_seconds: int = Field(default=900, ge=0)
    """A due window still absent this long after its due time is ``missing``; before, ``late``."""
    audit_min_ok_share: float = Field(default=0.9, ge=0, le=1)
    """A window with a smaller share of ``ok`` rows is ``incomplete``."""
    compact_after_seconds: int = Field(default=1800, ge=0, lt=86_400)
    """The past day is compacted by the first audit run this long after midnight (UTC) or later."""


class LoggingSettings(Section):
    """Structured logs."""

    level: str = "INFO"
    """Log level name."""
    format: Literal["json", "console"] = "console"
    """``json`` for one JSON object per line, ``console`` for humans."""


class Settings(BaseSettings):
    """Every setting of bitsodata, grouped by section."""

    model_config = SettingsConfigDict(
        env_prefix="BITSODATA_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    exchange: ExchangeSettings = ExchangeSettings()
    monitor: MonitorSettings = MonitorSettings()
    lake: LakeSettings = LakeSettings()
    depth: DepthSettings = DepthSettings()
    alerts: AlertSettings = AlertSettings()
    warehouse: WarehouseSettings = WarehouseSettings()
    logging: LoggingSettings = LoggingSettings()
    orchestration: OrchestrationSettings = OrchestrationSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = _TOML_PATH.get("path")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)


_TOML_PATH: dict[str, Path | None] = {"path": None}


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings from overrides, environment and an optional TOML file.

    ``overrides`` are section dicts, e.g. ``monitor={"window_seconds": 10}``.
    """
    path = config_file or (Path(p) if (p := os.environ.get("BITSODATA_CONFIG")) else None)
    if path is not None and not path.is_file():
        raise ConfigError("settings file not found", path=str(path))
    _TOML_PATH["path"] = path
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {exc}", path=str(path) if path else None) from exc
    finally:
        _TOML_PATH["path"] = None
