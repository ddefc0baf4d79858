"""One exception tree for the whole package.

    BitsodataError
    ├── ConfigError                    bad settings file / env / rules
    ├── ExchangeError                  anything from the exchange adapters
    │   ├── PayloadError   (Terminal)  a response that does not parse
    │   ├── ApiError                   an error envelope {"success": false}
    │   │   └── RateLimitedError (Transient)  code 0801 / HTTP 420 / 429
    │   ├── ExchangeUnavailable (Transient)  timeouts, 5xx, HTML pages, dropped sockets
    │   └── BudgetExhausted (Transient)  no REST call sent: token bucket empty or lockout
    ├── LakeError                      writing or reading the data lake
    │   ├── LakeUnavailable (Transient)   the store (S3 endpoint) cannot be reached now
    │   ├── LakeKeyMissing (Terminal)     no object under that key
    │   └── WindowRejected (Terminal)     rows that do not belong in that window file
    ├── AlertError                     alert rules and delivery
    ├── OrchestrationError             an Airflow task found a problem it must fail on
    │   ├── DataQualityFailed (Terminal)  warehouse checks failed after a load
    │   └── LakeAuditFailed (Terminal)    late, missing or incomplete window files
    └── WarehouseError                 the user-activity warehouse
        ├── SchemaMismatchError (Terminal)   a source whose columns do not match
        ├── QuestionError                    a question with bad parameters
        ├── SampleDownloadError (Transient)  fetching the public sample files failed
        └── SampleIntegrityError (Terminal)  a downloaded sample file is not the published one

``Transient`` and ``Terminal`` are markers mixed into the concrete classes so retry
logic decides by type (``isinstance(exc, Transient)``), never by message text.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import PurePath
from typing import Any


class Transient:
    """Marker: retrying later may succeed."""


class Terminal:
    """Marker: retrying will not help."""


class BitsodataError(Exception):
    """Root of every error raised on purpose by bitsodata."""

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context
        for key, value in context.items():
            setattr(self, key, value)

    def __str__(self) -> str:
        if not self.context:
            return self.message
        extras = ", ".join(f"{k}={show(v)}" for k, v in self.context.items() if v is not None)
        return f"{self.message} ({extras})" if extras else self.message


def show(value: Any) -> str:
    """A context value as a user reads it: dates in ISO form, text quoted, no Python reprs."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | PurePath):
        return f'"{value}"'
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(show(v) for v in value)
    return str(value)


class ConfigError(BitsodataError, Terminal):
    """Settings, TOML files or rule files that cannot be used."""


class ExchangeError(BitsodataError):
    """Anything that went wrong talking to the exchange."""


class PayloadError(ExchangeError, Terminal):
    """A response or message that does not have the documented shape."""


class ApiError(ExchangeError):
    """The exchange answered with an error envelope."""

    def __init__(self, message: str, *, code: str, status: int | None = None, **ctx: Any) -> None:
        super().__init__(message, code=code, status=status, **ctx)


class RateLimitedError(ApiError, Transient):
    """Code 0801 (HTTP 420, or 429): every REST call must stop for the lockout."""


class ExchangeUnavailable(ExchangeError, Transient):
    """Timeouts, 5xx answers, HTML error pages, dropped connections."""


class LakeError(BitsodataError):
    """Writing or reading the data lake failed."""


class AlertError(BitsodataError):
    """Alert rules or alert delivery failed."""


class WarehouseError(BitsodataError):
    """Loading or querying the warehouse failed."""


class SchemaMismatchError(WarehouseError, Terminal):
    """A source file whose columns do not match the expected ones."""


class QuestionError(WarehouseError, Terminal):
    """A business question asked with parameters that make no sense."""


class LakeUnavailable(LakeError, Transient):
    """The lake's store cannot be reached now (S3 endpoint down, timeouts, 5xx answers)."""


class LakeKeyMissing(LakeError, Terminal):
    """No object under that key in the lake."""


class WindowRejected(LakeError, Terminal):
    """Rows refused by the window writer: another book or window, duplicate ticks, bad values."""


class BudgetExhausted(ExchangeError, Transient):
    """No REST request was sent: the rate budget is spent or a rate-limit lockout is in force.

    Context: ``reason`` (``"bucket"`` or ``"lockout"``) and ``retry_after`` (seconds).
    """


class OrchestrationError(BitsodataError):
    """An orchestration task (Airflow DAG) found a problem it must fail loudly on."""


class DataQualityFailed(OrchestrationError, Terminal):
    """Data-quality checks failed after a warehouse load. Context: ``failed`` (check names)."""


class LakeAuditFailed(OrchestrationError, Terminal):
    """The lake audit found late, missing or incomplete window files. Context: ``counts``."""


class SampleDownloadError(WarehouseError, Transient):
    """Downloading a public sample file failed (network, HTTP status). Context: ``url``."""


class SampleIntegrityError(WarehouseError, Terminal):
    """A downloaded sample file has the wrong digest or is a Git LFS pointer. Context: ``url``."""
