"""The vectorised replay gives exactly the episodes of the alert engine fed row by row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bitsodata.alerts.engine import AlertEngine
from bitsodata.alerts.events import FIRING
from bitsodata.alerts.rules import Rule
from bitsodata.analysis.episodes import Episode
from bitsodata.analysis.replay import STILL_FIRING, replay_rule
from bitsodata.domain.observation import Observation

# -- the reference: rows through the live engine one by one, FIRING/RESOLVED paired -----------


def _at(tick: int) -> datetime:
    return datetime.fromtimestamp(tick, tz=UTC)


@dataclass
class _Open:
    rule: Rule
    since: int
    fired: int
    peak: float


def replay_episodes(observations: Iterable[Observation], rules: Sequence[Rule]) -> list[Episode]:
    """Feed the rows (in time order) through a fresh alert engine and pair FIRING/RESOLVED."""
    by_name = {rule.name: rule for rule in rules}
    engine = AlertEngine(rules)
    open_: dict[tuple[str, str], _Open] = {}
    done: list[Episode] = []
    for obs in observations:
        for event in engine.observe(obs):
            if event.kind != "spread" or event.rule not in by_name:
                continue
            key = (event.rule, event.book)
            if event.state == FIRING:
                value = float(event.value) if event.value is not None else 0.0
                open_[key] = _Open(by_name[event.rule], event.since, event.at, value)
            elif key in open_:
                done.append(_episode(open_.pop(key), event.book, event.at))
        if obs.spread is not None:
            for (_, book), spell in open_.items():
                if book == obs.book:
                    spell.peak = max(spell.peak, float(obs.spread))
    done.extend(_episode(spell, book, None) for (_, book), spell in open_.items())
    return sorted(done, key=lambda e: (e.started_at, e.book, e.rule))


def _episode(spell: _Open, book: str, ended: int | None) -> Episode:
    return Episode(
        rule=spell.rule.name,
        book=book,
        severity=spell.rule.severity,
        threshold=float(spell.rule.above),
        started_at=_at(spell.since),
        fired_at=_at(spell.fired),
        ended_at=None if ended is None else _at(ended),
        peak_spread=spell.peak,
    )


T0 = 1_714_521_600
LEVELS = [Decimal(x) for x in ("0.05", "0.1", "0.3", "0.5", "0.7", "1.0", "1.5")]

row = st.tuples(
    st.sampled_from([1, 1, 1, 1, 2, 3]),  # seconds since the previous row (>1: a gap)
    st.sampled_from(["ok", "ok", "ok", "ok", "stale", "missing", "crossed"]),
    st.sampled_from(LEVELS),
)
rule = st.builds(
    lambda above, hold, clear_share: Rule(
        "r",
        "*",
        above,
        for_seconds=hold,
        clear_below=None if clear_share is None else above * clear_share,
    ),
    st.sampled_from(LEVELS[1:6]),
    st.sampled_from([0, 0, 1, 3]),
    st.sampled_from([None, Decimal("0.5"), Decimal("1")]),
)


def _observations(rows: list[tuple[int, str, Decimal]]) -> list[Observation]:
    out, tick = [], T0
    for gap, status, spread in rows:
        tick += gap
        if status == "missing":
            out.append(Observation.missing(tick, "btc_mxn"))
            continue
        value = None if status == "crossed" else spread
        out.append(
            Observation(tick, "btc_mxn", Decimal(1), Decimal(2), value, None, None, 0, "ws", status)  # type: ignore[arg-type]
        )
    return out


def _arrays(rows: list[Observation]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ticks = np.array([o.tick for o in rows], dtype=np.int64)
    spread = np.array([np.nan if o.spread is None else float(o.spread) for o in rows])
    usable = np.array([o.status == "ok" and o.spread is not None for o in rows], dtype=bool)
    return ticks, spread, usable


@settings(max_examples=300, deadline=None)
@given(st.lists(row, max_size=80), rule)
def test_same_episodes_as_the_engine(rows: list[tuple[int, str, Decimal]], r: Rule) -> None:
    observations = _observations(rows)
    want = replay_episodes(observations, [r])
    got = replay_rule(*_arrays(observations), r)
    assert [int(e.started_at.timestamp()) for e in want] == got.started.tolist()
    assert [int(e.fired_at.timestamp()) for e in want] == got.fired.tolist()
    assert [
        STILL_FIRING if e.ended_at is None else int(e.ended_at.timestamp()) for e in want
    ] == got.ended.tolist()
    assert [e.peak_spread for e in want] == got.peak.tolist()


def test_a_month_of_noisy_seconds_replays_quickly_enough_to_matter() -> None:
    rng = np.random.default_rng(1)
    n = 30 * 86_400
    ticks = np.arange(T0, T0 + n, dtype=np.int64)
    spread = rng.lognormal(np.log(0.08), 0.8, n)
    episodes = replay_rule(ticks, spread, np.ones(n, dtype=bool), Rule("r", "*", Decimal("0.1")))
    assert len(episodes) > 100_000  # a threshold near the typical spread flips all the time
    assert (episodes.ended[:-1] < episodes.started[1:]).all()
