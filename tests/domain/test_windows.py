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


NOW = 1_716_937_713  # 2024-05-28T23:08:33Z


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("now", NOW),
        (" NOW ", NOW),
        ("-30s", NOW - 30),
        ("-15m", NOW - 900),
        ("-1h", NOW - 3600),
        ("-7d", NOW - 7 * 86_400),
        ("-2w", NOW - 14 * 86_400),
        ("now-1h", NOW - 3600),
        ("now - 15m", NOW - 900),
        ("+10m", NOW + 600),
        ("-1H", NOW - 3600),
        ("2024-05-28t23:08:33z", NOW),
    ],
)
def test_now_and_relative_times(text: str, epoch: int) -> None:
    assert parse_instant(text, NOW) == epoch


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "",
        "-5",
        "2024-13-01",
        "-1y",
        "1h",
        "--1h",
        "-1.5h",
        "T12:00",
        "99999999999999",
        "-99999999w",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:00:00-05:00",
    ],
)
def test_nonsense_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text, NOW)


def test_a_relative_time_needs_now() -> None:
    with pytest.raises(ValueError, match="current time"):
        parse_instant("-1h")


@pytest.mark.parametrize("seconds", [0, 7, 601, -600])
def test_windows_must_tile_a_day(seconds: int) -> None:
    with pytest.raises(ValueError):
        check_window_seconds(seconds)
