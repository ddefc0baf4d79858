"""Times people type on a command line: epoch seconds, dates, ISO-8601 with or without offset."""

from __future__ import annotations

import pytest

from bitsodata.domain.windows import check_window_seconds, parse_instant


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("1716937713", 1_716_937_713),
        ("2024-05-28", 1_716_854_400),
        ("2024-05-28T23:08:33Z", 1_716_937_713),
        ("2024-05-28T23:08:33+00:00", 1_716_937_713),
        ("2024-05-28T17:08:33-06:00", 1_716_937_713),
        (" 2024-05-28T23:08:33 ", 1_716_937_713),
    ],
)
def test_instants(text: str, epoch: int) -> None:
    assert parse_instant(text) == epoch


@pytest.mark.parametrize("text", ["yesterday", "", "-5", "2024-13-01"])
def test_nonsense_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text)


@pytest.mark.parametrize("seconds", [0, 7, 601, -600])
def test_windows_must_tile_a_day(seconds: int) -> None:
    with pytest.raises(ValueError):
        check_window_seconds(seconds)
