"""The vectorised replay gives exactly the episodes of the alert engine fed row by row."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bitsodata.alerts.rules import Rule
from bitsodata.analysis.episodes import replay_episodes
from bitsodata.analysis.replay import STILL_FIRING, replay_rule
from bitsodata.domain.observation import Observation

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
