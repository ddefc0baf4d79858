"""What every orchestration task shares: settings for a task run, retry policy, JSON summaries.

Airflow is not imported here (the package is tested without it); the DAG files turn these into
Airflow objects: ``RETRYABLE`` into an ``ExceptionRetryPolicy``, summaries into XCom values.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bitsodata.errors import ConfigError, Transient
from bitsodata.settings import Settings, load_settings

SETTINGS_VARIABLE = "bitsodata_settings"
"""Airflow Variable (JSON object of settings sections) layered over environment and TOML."""

RETRYABLE: tuple[str, ...] = (
    "bitsodata.errors.Transient",
    "builtins.ConnectionError",
    "builtins.TimeoutError",
)
"""Dotted paths of the only exceptions a task is retried on; anything else fails at once."""


def is_retryable(exc: BaseException) -> bool:
    """The same decision as the DAGs' retry policy built from ``RETRYABLE``."""
    return isinstance(exc, Transient | ConnectionError | TimeoutError)


def _without_values(exc: ConfigError) -> str:
    """Where and why validation failed, never the offending value (it may be a credential)."""
    cause = exc.__cause__
    if not isinstance(cause, ValidationError):
        return str(exc)
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in cause.errors())


def _load(**sections: Any) -> Settings:
    try:
        return load_settings(**sections)
    except ConfigError as exc:
        # ``from None``: the task log prints chained causes, and pydantic's show input values.
        raise ConfigError(f"invalid settings: {_without_values(exc)}") from None


def task_settings(variable: str | Mapping[str, Any] | None = None) -> Settings:
    """Settings of one task run: the Airflow Variable (JSON) over environment over TOML file.

    A bad setting fails the task naming the key, never its value (task logs are widely read).
    """
    if variable is None or variable == "":
        return _load()
    if isinstance(variable, str):
        try:
            variable = json.loads(variable)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{SETTINGS_VARIABLE} is not JSON: {exc.msg}") from None
    sections = variable if isinstance(variable, Mapping) else None
    if sections is None or not all(isinstance(v, Mapping) for v in sections.values()):
        raise ConfigError(f"{SETTINGS_VARIABLE} must be a JSON object of settings sections")
    return _load(**dict(sections))


def epoch(moment: datetime) -> int:
    """Whole epoch seconds of an aware datetime (Airflow's data interval bounds)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: data interval bounds are aware")
    return int(moment.timestamp())


def utc_day(moment: datetime) -> date:
    """The UTC calendar day a data interval starts on."""
    return moment.astimezone(UTC).date()


def jsonable(value: Any) -> Any:
    """Reports (dataclasses, counters, paths, dates, decimals) as plain JSON values for XCom."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path | Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)
