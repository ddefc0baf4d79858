"""The alert state machine: once FIRING, once RESOLVED, for_seconds, hysteresis, rule changes."""

from __future__ import annotations

from decimal import Decimal

from bitsodata.alerts.engine import AlertEngine
from bitsodata.alerts.rules import DEFAULT_RULES, Rule
from bitsodata.domain.observation import Status
from tests.alerts.helpers import T0, obs


def feed(
    engine: AlertEngine, spreads: list[str | None], book: str = "btc_mxn"
) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    for i, spread in enumerate(spreads):
        status: Status = "ok" if spread is not None else "missing"
        for e in engine.observe(obs(T0 + i, spread, book, status)):
            out.append((i, e.rule, e.state))
    return out


LEVELS = tuple(Rule(f"spread-{x}", "*", Decimal(x)) for x in ("0.1", "0.5", "1.0"))


def test_plain_levels_fire_once_each_and_resolve_once_each() -> None:
    engine = AlertEngine(LEVELS)
    got = feed(engine, ["0.05", "0.2", "0.3", "0.6", "1.2", "1.3", "0.7", "0.05"])
    assert got == [
        (1, "spread-0.1", "FIRING"),
        (3, "spread-0.5", "FIRING"),
        (4, "spread-1.0", "FIRING"),
        (6, "spread-1.0", "RESOLVED"),
        (7, "spread-0.1", "RESOLVED"),
        (7, "spread-0.5", "RESOLVED"),
    ]


def test_for_seconds_needs_the_whole_span_and_a_dip_restarts_it() -> None:
    engine = AlertEngine([Rule("r", "*", Decimal("0.5"), for_seconds=2)])
    # ticks 0,1 above then a dip; 3,4,5 above -> fires at 5 (held 3..5), not before
    assert feed(engine, ["0.6", "0.6", "0.4", "0.6", "0.6", "0.6", "0.6"]) == [(5, "r", "FIRING")]


def test_event_carries_values_threshold_and_times() -> None:
    engine = AlertEngine(
        [Rule("r", "btc_mxn", Decimal("0.5"), for_seconds=1, clear_below=Decimal("0.3"))]
    )
    events = [
        e
        for i, s in enumerate(["0.6", "0.7", "0.4", "0.3"])
        for e in engine.observe(obs(T0 + i, s))
    ]
    fire, resolve = events
    assert (fire.state, fire.value, fire.threshold, fire.at, fire.since) == (
        "FIRING", Decimal("0.7"), Decimal("0.5"), T0 + 1, T0,
    )  # fmt: skip
    assert (resolve.state, resolve.value, resolve.threshold, resolve.at, resolve.since) == (
        "RESOLVED", Decimal("0.3"), Decimal("0.3"), T0 + 3, T0,
    )  # fmt: skip
    assert "btc_mxn" in fire.message and fire.severity == "warning" and fire.kind == "spread"


def test_rows_without_a_spread_neither_start_nor_clear() -> None:
    engine = AlertEngine([Rule("r", "*", Decimal("0.5"))])
    assert feed(engine, ["0.6", None, None, "0.7", None, "0.4"]) == [
        (0, "r", "FIRING"),
        (5, "r", "RESOLVED"),
    ]
    stale = AlertEngine([Rule("r", "*", Decimal("0.5"))])
    assert stale.observe(obs(T0, "0.9", status="stale")) == []
    assert stale.observe(obs(T0 + 1, "0.9", status="crossed")) == []


def test_a_gap_breaks_a_pending_hold() -> None:
    engine = AlertEngine([Rule("r", "*", Decimal("0.5"), for_seconds=2)])
    assert feed(engine, ["0.6", "0.6", None, "0.6", "0.6"]) == []
    # a tick jump (no row at all) also breaks it
    engine = AlertEngine([Rule("r", "*", Decimal("0.5"), for_seconds=1)])
    assert engine.observe(obs(T0, "0.6")) == []
    assert engine.observe(obs(T0 + 5, "0.6")) == []
    assert [e.state for e in engine.observe(obs(T0 + 6, "0.6"))] == ["FIRING"]


def test_wildcard_rules_track_each_book_apart_and_book_rules_only_theirs() -> None:
    engine = AlertEngine([Rule("all", "*", Decimal("0.5")), Rule("usd", "usd_mxn", Decimal("0.1"))])
    assert [(e.rule, e.book) for e in engine.observe(obs(T0, "0.6", "btc_mxn"))] == [
        ("all", "btc_mxn")
    ]
    got = engine.observe(obs(T0, "0.6", "usd_mxn"))
    assert [(e.rule, e.book) for e in got] == [("all", "usd_mxn"), ("usd", "usd_mxn")]
    assert {(e.rule, e.book) for e in engine.active()} == {
        ("all", "btc_mxn"), ("all", "usd_mxn"), ("usd", "usd_mxn"),
    }  # fmt: skip


def test_duplicate_ticks_are_ignored() -> None:
    engine = AlertEngine([Rule("r", "*", Decimal("0.5"))])
    assert len(engine.observe(obs(T0, "0.6"))) == 1
    assert engine.observe(obs(T0, "0.1")) == []  # same tick again: already judged
    assert len(engine.active()) == 1


def test_set_rules_keeps_unchanged_state_and_resolves_removed_or_changed() -> None:
    keep = Rule("keep", "*", Decimal("0.5"))
    gone = Rule("gone", "*", Decimal("0.5"))
    change = Rule("change", "*", Decimal("0.5"))
    engine = AlertEngine([keep, gone, change])
    assert len(engine.observe(obs(T0, "0.6"))) == 3
    closed = engine.set_rules([keep, Rule("change", "*", Decimal("0.4"))])
    assert {(e.rule, e.state, e.at) for e in closed} == {
        ("gone", "RESOLVED", T0),
        ("change", "RESOLVED", T0),
    }
    assert "removed" in next(e.message for e in closed if e.rule == "gone")
    # `keep` is still firing (no repeat); the changed rule starts afresh and fires again
    assert [(e.rule, e.state) for e in engine.observe(obs(T0 + 1, "0.6"))] == [("change", "FIRING")]
    assert [(e.rule, e.state) for e in engine.observe(obs(T0 + 2, "0.3"))] == [
        ("keep", "RESOLVED"), ("change", "RESOLVED"),
    ]  # fmt: skip


def test_quality_fires_once_and_resolves_once() -> None:
    engine = AlertEngine([])
    states = []
    for i, holding in enumerate([False, True, True, True, False, False, True]):
        states += [
            (i, e.state, e.since) for e in engine.quality("stream_down", "*", holding, T0 + i, "ws")
        ]
    assert states == [(1, "FIRING", T0 + 1), (4, "RESOLVED", T0 + 1), (6, "FIRING", T0 + 6)]
    assert [e.kind for e in engine.active()] == ["data_quality"]
    # conditions are keyed by (name, book)
    assert len(engine.quality("book_stale", "btc_mxn", True, T0, "stale")) == 1
    assert len(engine.quality("book_stale", "usd_mxn", True, T0, "stale")) == 1


def test_the_defaults_ignore_a_blip_and_do_not_flap_around_a_level() -> None:
    blip = ["0.2", "1.3", "0.2"] * 5  # one wide tick at a time: never held 10 s
    wide = ["1.2"] * 11
    hover = ["1.01", "0.95"] * 10  # around 1.0 %: the plain level flaps, the default holds
    spreads = [*blip, *wide, *hover, "0.3"]
    end = len(spreads) - 1
    assert feed(AlertEngine(DEFAULT_RULES), spreads) == [
        (len(blip) + 10, "spread-0.5", "FIRING"),
        (len(blip) + 10, "spread-1.0", "FIRING"),
        (end, "spread-0.5", "RESOLVED"),
        (end, "spread-1.0", "RESOLVED"),
    ]
    plain = feed(AlertEngine(LEVELS), spreads)
    assert sum(1 for _i, rule, state in plain if (rule, state) == ("spread-1.0", "FIRING")) > 10
