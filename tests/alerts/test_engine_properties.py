"""Property tests of the state machine against an independent, brute-force oracle."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bitsodata.alerts.engine import AlertEngine
from bitsodata.alerts.events import AlertEvent
from bitsodata.alerts.rules import Rule
from bitsodata.domain.observation import Observation, Status
from tests.alerts.helpers import T0, obs

LEVELS = [Decimal(x) for x in ("0", "0.05", "0.1", "0.3", "0.5", "0.7", "1.0", "1.5")]
BOOKS = ("btc_mxn", "usd_mxn")
STATUS_MIX: tuple[Status, ...] = ("ok", "ok", "ok", "ok", "missing", "stale", "crossed")


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    above = draw(st.sampled_from(LEVELS))
    clear = draw(st.none() | st.sampled_from([x for x in LEVELS if x <= above]))
    return Rule(
        name="r", book=draw(st.sampled_from(("*", *BOOKS))), above=above,
        for_seconds=draw(st.integers(0, 3)), clear_below=clear,
    )  # fmt: skip


@st.composite
def streams(draw: st.DrawFn) -> list[Observation]:
    out: list[Observation] = []
    tick = T0
    for _ in range(draw(st.integers(0, 60))):
        tick += draw(st.sampled_from((1, 1, 1, 1, 1, 1, 2)))  # occasional missing second
        for book in BOOKS:
            status: Status = draw(st.sampled_from(STATUS_MIX))
            spread = draw(st.sampled_from(LEVELS)) if status != "missing" else None
            out.append(obs(tick, spread, book, status))
    return out


def oracle(rule: Rule, stream: list[Observation], book: str) -> list[tuple[str, int]]:
    """Fire at t iff the spread was seen > above at every second of [t - for_seconds, t]."""
    seen = {o.tick: o.spread for o in stream if o.book == book and o.status == "ok"}
    events, firing = [], False
    for tick in sorted({o.tick for o in stream if o.book == book}):
        spread = seen.get(tick)
        if spread is None:
            continue
        if firing and spread <= rule.clear_level:
            events.append(("RESOLVED", tick))
            firing = False
        elif not firing:
            span = [seen.get(t) for t in range(tick - rule.for_seconds, tick + 1)]
            if all(s is not None and s > rule.above for s in span):
                events.append(("FIRING", tick))
                firing = True
    return events


def run(rule: Rule, stream: list[Observation]) -> list[AlertEvent]:
    engine = AlertEngine([rule])
    return [e for o in stream for e in engine.observe(o)]


@settings(max_examples=300, deadline=None)
@given(rules(), streams())
def test_engine_matches_the_oracle_and_transitions_alternate(
    rule: Rule, stream: list[Observation]
) -> None:
    # One test for both properties: generating the streams is what costs, so share them.
    events = run(rule, stream)
    for book in BOOKS:
        got = [(e.state, e.at) for e in events if e.book == book]
        expected = oracle(rule, stream, book) if rule.applies_to(book) else []
        assert got == expected
        states = [state for state, _at in got]
        # FIRING first, never two of a kind in a row, every RESOLVED preceded by a FIRING
        assert states == ["FIRING", "RESOLVED"] * (len(states) // 2) + ["FIRING"] * (
            len(states) % 2
        )
    for e in events:
        assert e.value is not None
        if e.state == "FIRING":
            assert e.value > rule.above and e.at - e.since >= rule.for_seconds
        else:
            assert e.value <= rule.clear_level and e.since <= e.at


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), max_size=40))
def test_quality_alternates_and_matches_transitions(holding: list[bool]) -> None:
    engine = AlertEngine([])
    states = [
        e.state for i, h in enumerate(holding) for e in engine.quality("q", "*", h, T0 + i, "m")
    ]
    flips = sum(1 for prev, cur in zip([False, *holding], holding, strict=False) if prev != cur)
    assert len(states) == flips
    assert all(a != b for a, b in itertools.pairwise(states))
    assert not states or states[0] == "FIRING"
