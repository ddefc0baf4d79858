"""Structured logging on the standard library: ``key=value`` for humans, JSON lines for machines.

Call ``event(logger, name, **fields)``. The record's message renders as ``name key=value ...`` on
its own, so a handler we do not control (Airflow's task log, a plain ``StreamHandler``) still shows
every field; our formatters read the name and the fields from the record instead.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_FIELDS = "fields"


def render_fields(fields: Mapping[str, Any]) -> str:
    """``key=value`` pairs; values with blanks, quotes or ``=`` are JSON-quoted."""
    parts = []
    for key, value in fields.items():
        text = str(value)
        if not text or any(c in text for c in ' ="\n\t'):
            text = json.dumps(text, ensure_ascii=False)
        parts.append(f"{key}={text}")
    return " ".join(parts)


class EventMessage:
    """A log message that is an event name plus its fields (``str()`` renders both)."""

    __slots__ = ("fields", "name")

    def __init__(self, name: str, fields: Mapping[str, Any]) -> None:
        self.name = name
        self.fields = dict(fields)

    def __str__(self) -> str:
        extras = render_fields(self.fields)
        return f"{self.name} {extras}" if extras else self.name


def event_name(record: logging.LogRecord) -> str:
    """The event name of a record (its plain message when it is not an event)."""
    msg = record.msg
    return msg.name if isinstance(msg, EventMessage) else record.getMessage()


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": event_name(record),
        }
        data.update(getattr(record, _FIELDS, {}) or {})
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


class ConsoleFormatter(logging.Formatter):
    """``time level logger event key=value ...``"""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, tz=UTC).strftime("%H:%M:%S")
        line = f"{ts} {record.levelname.lower():<7} {record.name} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line.rstrip()


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    """Install one stderr handler on the ``bitsodata`` logger."""
    root = logging.getLogger("bitsodata")
    root.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else ConsoleFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = False


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log a named event with structured fields (in the message and as ``record.fields``)."""
    logger.log(level, EventMessage(name, fields), extra={_FIELDS: fields})
