"""One exception tree for the whole package.

    BitsodataError
    ├── ConfigError                    bad settings file / env / rules
    ├── ExchangeError                  anything from the exchange adapters
    │   ├── PayloadError   (Terminal)  a response that does not parse
    │   ├── ApiError                   an error envelope {"success": false}
    │   │   └── RateLimitedError (Transient)  code 0801 / HTTP 420 / 429
    │   └── ExchangeUnavailable (Transient)  timeouts, 5xx, HTML pages, dropped sockets
    ├── LakeError                      writing or reading the data lake
    ├── AlertError                     alert rules and delivery
    └── WarehouseError                 the user-activity warehouse
        ├── SchemaMismatchError (Terminal)   a source whose columns do not match
        └── QuestionError                    a question with bad parameters

``Transient`` and ``Terminal`` are markers mixed into the concrete classes so retry
logic decides by type (``isinstance(exc, Transient)``), never by message text.
"""

from __future__ import annotations

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
        extras = ", ".join(f"{k}={v!r}" for k, v in self.context.items())
        return f"{self.message} ({extras})"


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
