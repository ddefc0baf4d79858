"""The default rules are the ones a Markets team keeps: the figures behind them, recomputed.

The per-second production sessions in ``../shared/data/bitso_observations`` (see its README) give
the medians and percentiles the README quotes; replaying the defaults over them (forward-filled to
1 Hz, as the collector sees a quiet book) must fire nothing on weekday sessions and only a few
alerts on a wide Saturday. Skipped when the data is not beside the clone.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from bitsodata.alerts.engine import AlertEngine
from bitsodata.alerts.rules import ALL_BOOKS, DEFAULT_RULES, Rule
from bitsodata.domain.observation import Observation

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "bitso_observations"
SESSIONS = {
    "2024-05-26": "read_parquet('{d}/samuelrojolopez_de_technical_challenge/**/*.parquet')",
    "2024-05-28": "read_csv_auto('{d}/lohemilio_bitso_srde_technical_challenge/**/*.csv')",
    "2024-07-20": "read_csv_auto('{d}/leonardovd01_challenge_1_bitso/**/*.csv')",
}
UNTIMED = tuple(Rule(r.name, ALL_BOOKS, r.above, severity=r.severity) for r in DEFAULT_RULES)
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not beside the clone")


def test_every_default_waits_and_has_hysteresis() -> None:
    assert [r.above for r in DEFAULT_RULES] == [Decimal("0.1"), Decimal("0.5"), Decimal("1.0")]
    for rule in DEFAULT_RULES:
        assert rule.for_seconds >= 10
        assert rule.clear_below is not None and rule.clear_below < rule.above
    assert not DEFAULT_RULES[0].applies_to("btc_mxn")  # its median is above 0.1 %


def _rows(session: str) -> list[tuple[int, str, Decimal]]:
    source = SESSIONS[session].format(d=DATA)
    query = f"select orderbook_timestamp::varchar, book, spread::varchar from {source} order by 1"
    return [
        (int(datetime.fromisoformat(ts.replace(" ", "T")).timestamp()), book, Decimal(spread))
        for ts, book, spread in duckdb.sql(query).fetchall()
    ]


def _quantile(session: str, book: str, q: float) -> float:
    source = SESSIONS[session].format(d=DATA)
    query = f"select quantile_cont(spread, {q}) from {source} where book = '{book}'"
    value = duckdb.sql(query).fetchone()
    assert value is not None
    return round(float(value[0]), 3)


def _firings(session: str, rules: tuple[Rule, ...]) -> Counter[tuple[str, str]]:
    """FIRING events per (rule, book), the rows forward-filled to 1 Hz over gaps up to 10 s."""
    ticks: list[tuple[int, str, Decimal]] = []
    last: dict[str, tuple[int, Decimal]] = {}
    for tick, book, spread in _rows(session):
        if book in last and 0 < tick - last[book][0] <= 10:
            ticks += [(t, book, last[book][1]) for t in range(last[book][0] + 1, tick)]
        last[book] = (tick, spread)
        ticks.append((tick, book, spread))
    engine = AlertEngine(rules)
    fired: Counter[tuple[str, str]] = Counter()
    for tick, book, spread in sorted(ticks):
        row = Observation(tick, book, None, None, spread, None, None, None, "ws", "ok")
        fired.update((e.rule, e.book) for e in engine.observe(row) if e.state == "FIRING")
    return fired


@needs_data
def test_the_medians_and_percentiles_the_readme_quotes() -> None:
    assert [_quantile(s, "btc_mxn", 0.5) for s in ("2024-05-26", "2024-05-28")] == [0.172, 0.161]
    assert [_quantile(s, "btc_mxn", 0.99) for s in ("2024-05-26", "2024-05-28")] == [0.218, 0.224]
    assert [_quantile(s, "usd_mxn", 0.5) for s in ("2024-05-26", "2024-05-28")] == [0.042, 0.066]
    assert [_quantile(s, "usd_mxn", 0.99) for s in ("2024-05-26", "2024-05-28")] == [0.066, 0.115]
    assert (_quantile("2024-07-20", "btc_mxn", 0.5), _quantile("2024-07-20", "usd_mxn", 0.5)) == (
        1.438,
        0.989,
    )


@needs_data
@pytest.mark.parametrize("session", ["2024-05-26", "2024-05-28"])
def test_the_defaults_stay_quiet_on_a_normal_day(session: str) -> None:
    assert _firings(session, DEFAULT_RULES) == Counter()
    assert _firings(session, UNTIMED)[("spread-0.1", "btc_mxn")] >= 1  # and then held all day


@needs_data
def test_a_wide_saturday_gives_a_few_alerts_not_a_storm() -> None:
    fired = _firings("2024-07-20", DEFAULT_RULES)
    assert sum(fired.values()) == 8
    assert fired[("spread-1.0", "btc_mxn")] == 2 and fired[("spread-1.0", "usd_mxn")] == 1
    untimed = _firings("2024-07-20", UNTIMED)
    assert sum(untimed.values()) == 26 and untimed[("spread-1.0", "usd_mxn")] == 6
