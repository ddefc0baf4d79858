"""Typed settings, loaded once at the edge and passed down as objects.

Sources, strongest first: explicit overrides (CLI flags), environment variables
``BITSODATA_<SECTION>__<KEY>``, a TOML file (``--config`` or ``BITSODATA_CONFIG``), defaults.
Unknown keys are an error everywhere (file, environment: a ``BITSODATA_*`` variable that names no
setting), so a typo never silently falls back to a default. Errors name the key and its source,
never its value: the value may be a secret.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings.exceptions import SettingsError

from bitsodata.domain.depth import NotionalSize, parse_size
from bitsodata.errors import ConfigError

ENV_PREFIX = "BITSODATA_"
ENV_CONFIG = "BITSODATA_CONFIG"
"""The one ``BITSODATA_*`` variable that is not a setting: where the TOML file is."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Section(BaseModel):
    """Base of every settings section: frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_url(url: str, schemes: tuple[str, ...]) -> str:
    """A URL with one of ``schemes``, a host and a valid port; the message never repeats it
    (a webhook URL carries its token)."""
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise ValueError("is not a valid URL (bad port or brackets)") from None
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"must be a URL like {schemes[0]}://host[:port]/...")
    if not port_ok:
        raise ValueError("has port 0; use a port from 1 to 65535")
    return url


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

    @field_validator("rest_url")
    @classmethod
    def _rest_url(cls, url: str) -> str:
        return check_url(url, ("https", "http"))

    @field_validator("ws_url")
    @classmethod
    def _ws_url(cls, url: str) -> str:
        return check_url(url, ("wss", "ws"))


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
    metrics_port: int | None = Field(default=None, ge=0, le=65_535)
    """Serve Prometheus metrics (and /healthz) on this port when set (0 picks a free one)."""
    metrics_host: str = "127.0.0.1"
    """Interface the metrics server listens on: loopback by default; ``0.0.0.0`` (every
    interface) only where the network in front of it is trusted (a pod, a scraper's subnet)."""
    quality_alert_after_seconds: float = Field(default=30.0, ge=0)
    """A stream down, or a book stale or missing, this long raises a data-quality alert."""
    window_late_seconds: float = Field(default=30.0, gt=0)
    """A window file not in the lake this long after its window ended is late (alert, /healthz)."""
    backfill_max_seconds: int = Field(default=3600, ge=0)
    """On restart, windows wholly inside the downtime are written all-``missing`` this far back."""
    stop_grace_seconds: float = Field(default=15.0, gt=0)
    """On stop, how long pending window files may still take to reach the lake."""

    @field_validator("books")
    @classmethod
    def _books(cls, books: tuple[str, ...]) -> tuple[str, ...]:
        from bitsodata.lake.layout import check_book

        if not books:
            raise ValueError("needs at least one book")
        for book in books:
            check_book(book)
        return books

    @field_validator("window_seconds")
    @classmethod
    def _window(cls, seconds: int) -> int:
        from bitsodata.domain.windows import check_window_seconds

        return check_window_seconds(seconds)

    @field_validator("metrics_host")
    @classmethod
    def _host(cls, host: str) -> str:
        if not host.strip() or any(c.isspace() or c in "/@" for c in host):
            raise ValueError("must be an interface address or host name, e.g. 127.0.0.1")
        return host


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
    """TOML rules file; the defaults (``DEFAULT_RULES``: 0.1 / 0.5 / 1.0 %) when unset."""
    webhook_url: SecretStr | None = None
    """JSON POST target (Slack-compatible body); no webhook when unset."""
    outbox_dir: Path = Path(".bitsodata/outbox")
    """Persistent outbox for webhook deliveries."""
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    """Timeout of one webhook POST."""
    webhook_max_backoff_seconds: float = Field(default=60.0, gt=0)
    """Longest wait between two delivery attempts while the receiver fails."""

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, url: SecretStr | None) -> SecretStr | None:
        if url is not None:
            check_url(url.get_secret_value(), ("https", "http"))
        return url


class WarehouseSettings(Section):
    """The user-activity warehouse."""

    db: str = "warehouse.duckdb"
    """DuckDB file path or ``postgresql://`` URL."""

    @field_validator("db")
    @classmethod
    def _db(cls, db: str) -> str:
        if not db.strip():
            raise ValueError("needs a DuckDB file path or a postgresql:// URL")
        if "://" in db and not db.startswith(("postgresql://", "postgres://")):
            scheme = db.partition("://")[0]
            raise ValueError(
                f"{scheme}:// is not supported: use a DuckDB file path or a postgresql:// URL"
            )
        return db

    timezone: str = "UTC"
    """Time zone that defines a calendar day for the questions."""
    earliest_event_day: date = date(2010, 1, 1)
    """A row whose event time (UTC) is before this day is quarantined as implausible: no Bitso
    activity is that old, so it is a typo or a placeholder such as ``0001-01-01``."""
    latest_event_ahead_hours: int = Field(default=24, ge=0)
    """A row whose event time is more than this many hours after the load's clock is quarantined as
    implausible (a ``9999-12-31`` placeholder would stretch the calendar to millions of days)."""


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
    """Log level name: DEBUG, INFO, WARNING, ERROR or CRITICAL."""

    @field_validator("level")
    @classmethod
    def _level(cls, level: str) -> str:
        if level.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level.upper()

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

    ``overrides`` are section dicts, e.g. ``monitor={"window_seconds": 10}``. Every failure is a
    ``ConfigError`` that names the key and where it came from, never its value (it may be a
    secret).
    """
    env_path = os.environ.get(ENV_CONFIG)
    path = config_file or (Path(env_path) if env_path else None)
    if path is not None and path.is_dir():
        raise ConfigError(f"settings file {path} is a folder, not a file")
    if path is not None and not path.is_file():
        raise ConfigError("settings file not found", path=str(path))
    check_environment(os.environ)
    where = f" in {path}" if path is not None else ""
    _TOML_PATH["path"] = path
    try:
        return Settings(**overrides)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"settings file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"settings file {path} is not UTF-8 text") from None
    except SettingsError as exc:
        raise ConfigError(_settings_error(exc)) from None
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, overrides, where)) from None
    finally:
        _TOML_PATH["path"] = None


# -- what went wrong, in the user's words (keys, never values) ----------------------------------


def _sections() -> dict[str, type[BaseModel]]:
    out: dict[str, type[BaseModel]] = {}
    for name, field in Settings.model_fields.items():
        assert isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
        out[name] = field.annotation
    return out


def _env_name(section: str, key: str | None = None) -> str:
    return f"{ENV_PREFIX}{section.upper()}" + (f"__{key.upper()}" if key else "")


def known_env_names() -> list[str]:
    """Every environment variable bitsodata reads."""
    names = [ENV_CONFIG]
    for section, model in _sections().items():
        names.append(_env_name(section))
        names.extend(_env_name(section, key) for key in model.model_fields)
    return names


def check_environment(environ: Mapping[str, str]) -> None:
    """A ``BITSODATA_*`` variable that is no setting is an error (a typo would be ignored)."""
    known = set(known_env_names())
    unknown = sorted(
        n for n in environ if n.upper().startswith(ENV_PREFIX) and n.upper() not in known
    )
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.8)
        hints.append(f"{name} (did you mean {close[0]}?)" if close else name)
    raise ConfigError(
        "unknown setting in the environment: "
        + ", ".join(hints)
        + f"; settings are {ENV_PREFIX}<SECTION>__<KEY>, e.g. {ENV_PREFIX}LAKE__URL"
    )


def _settings_error(exc: SettingsError) -> str:
    text = str(exc)
    for section in _sections():
        if f'"{section}"' in text:
            return (
                f"cannot read the {section} settings from the environment: a list or table value "
                f"must be JSON, e.g. {_env_name('monitor', 'books')}='[\"btc_mxn\"]'"
            )
    return "cannot read the settings from the environment"


def describe_errors(exc: ValidationError, overrides: Mapping[str, Any], where: str) -> str:
    """``invalid setting monitor.window_seconds: must divide 86400`` for each error, joined."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        loc = [str(p) for p in error["loc"]]
        key = ".".join(loc[:2]) if loc else "settings"
        msg = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            parts.append(
                f"unknown setting {key}{_origin(loc, overrides, where)}{_did_you_mean(loc)}"
            )
        else:
            parts.append(f"invalid setting {key}{_origin(loc, overrides, where)}: {msg}")
    return "; ".join(parts)


def _origin(loc: list[str], overrides: Mapping[str, Any], where: str) -> str:
    if len(loc) >= 2 and loc[1] in (overrides.get(loc[0]) or {}):
        return " (from the command line)"
    if len(loc) >= 2 and any(n.upper() == _env_name(loc[0], loc[1]) for n in os.environ):
        return f" (from {_env_name(loc[0], loc[1])})"
    return where


def _did_you_mean(loc: list[str]) -> str:
    sections = _sections()
    if len(loc) == 1:
        close = difflib.get_close_matches(loc[0], list(sections), n=1)
    elif loc[0] in sections:
        close = difflib.get_close_matches(loc[1], list(sections[loc[0]].model_fields), n=1)
    else:
        close = []
    return f" (did you mean {close[0]}?)" if close else ""
