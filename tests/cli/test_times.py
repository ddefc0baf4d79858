"""Times on the command line: the wall clock for ``now``, and errors that name the option."""

from __future__ import annotations

import pytest

from bitsodata.cli.times import parse_time
from bitsodata.errors import ConfigError


def test_relative_times_count_from_the_given_now() -> None:
    assert parse_time("-15m", "--from", now=1_000_000.9) == 1_000_000 - 900
    assert parse_time("now", "--to", now=1_000_000.9) == 1_000_000


def test_without_now_the_wall_clock_is_used() -> None:
    import time

    before = int(time.time())
    assert before - 3600 <= parse_time("-1h", "--from") <= int(time.time()) - 3600


@pytest.mark.parametrize("text", ["yesterday", "-1y", "soon"])
def test_anything_else_names_the_option_and_the_forms(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_time(text, "--from")
    message = str(caught.value)
    assert message.startswith(f"--from: not a time: {text!r}")
    assert "-15m" in message and "epoch seconds" in message and "2024-05-28" in message
