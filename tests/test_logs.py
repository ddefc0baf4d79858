"""Log lines carry their fields under any handler, not only under our formatters."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bitsodata.logs import ConsoleFormatter, JsonFormatter, event, event_name


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("bitsodata.test_logs")
    log.propagate, log.level = False, logging.DEBUG
    yield log
    log.handlers.clear()


def _capture(log: logging.Logger, formatter: logging.Formatter | None = None) -> io.StringIO:
    out = io.StringIO()
    handler = logging.StreamHandler(out)  # the default formatter: just the message
    if formatter is not None:
        handler.setFormatter(formatter)
    log.addHandler(handler)
    return out


def test_a_plain_stream_handler_shows_every_field(logger: logging.Logger) -> None:
    out = _capture(logger)
    event(logger, "alert", logging.WARNING, rule="spread-0.5", book="btc_mxn", value="0.61")
    assert out.getvalue().strip() == "alert rule=spread-0.5 book=btc_mxn value=0.61"


def test_values_with_blanks_are_quoted_so_the_line_stays_parseable(logger: logging.Logger) -> None:
    out = _capture(logger)
    event(logger, "alert", message='btc_mxn spread 0.6% "wide"', empty="")
    assert out.getvalue().strip() == r'alert message="btc_mxn spread 0.6% \"wide\"" empty=""'


def test_our_formatters_print_each_field_once(logger: logging.Logger) -> None:
    console = _capture(logger, ConsoleFormatter())
    as_json = _capture(logger, JsonFormatter())
    event(logger, "window_written", files=2, keys="a,b")
    line = console.getvalue().strip()
    assert line.endswith("bitsodata.test_logs window_written files=2 keys=a,b")
    assert line.count("files=2") == 1
    data = json.loads(as_json.getvalue())
    assert (data["event"], data["files"], data["keys"]) == ("window_written", 2, "a,b")


def test_the_event_name_is_still_readable_from_the_record(logger: logging.Logger) -> None:
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    event(logger, "tick", btc_mxn="ok")
    logger.info("plain text")
    assert [event_name(r) for r in records] == ["tick", "plain text"]
    assert records[0].fields == {"btc_mxn": "ok"}  # type: ignore[attr-defined]
