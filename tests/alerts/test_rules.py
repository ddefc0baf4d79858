"""Rules files: TOML round trip, validation messages, defaults, hot reload."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitsodata.alerts.engine import AlertEngine
from bitsodata.alerts.rules import (
    DEFAULT_RULES,
    Rule,
    RulesFile,
    dumps_rules,
    load_rules,
    parse_rules,
    save_rules,
)
from bitsodata.errors import ConfigError
from tests.alerts.helpers import T0, Records, obs

GOOD = """
[[rule]]
name = "btc-wide"
book = "btc_mxn"
above = 0.5
for_seconds = 10
clear_below = 0.4
severity = "critical"

[[rule]]
name = "any-0.1"
above = 0.1
"""

percent = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def rule_sets(draw: st.DrawFn) -> list[Rule]:
    names = draw(
        st.lists(
            st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,10}", fullmatch=True),
            unique=True,
            max_size=5,
        )
    )
    out = []
    for name in names:
        above = draw(percent)
        clear = draw(st.none() | st.decimals(min_value=0, max_value=above, places=3))
        out.append(
            Rule(
                name,
                draw(st.sampled_from(["*", "btc_mxn", "eth_usd"])),
                above,
                draw(st.integers(0, 86_400)),
                clear,
                draw(st.sampled_from(["info", "warning", "critical"])),
            )
        )
    return out


@settings(max_examples=100, deadline=None)
@given(rule_sets())
def test_toml_round_trip_is_lossless(rules: list[Rule]) -> None:
    back = parse_rules(dumps_rules(rules))
    assert back == tuple(rules)
    # Decimal, not float: 0.1 stays exactly 0.1
    assert all(isinstance(r.above, Decimal) for r in back)


def test_parse_reads_fields_and_defaults() -> None:
    wide, any_ = parse_rules(GOOD)
    assert wide == Rule("btc-wide", "btc_mxn", Decimal("0.5"), 10, Decimal("0.4"), "critical")
    assert any_ == Rule("any-0.1", "*", Decimal("0.1"))
    assert any_.above == Decimal("0.1")


def test_defaults_are_the_three_brief_levels() -> None:
    assert [(r.book, r.above, r.for_seconds, r.clear_below) for r in DEFAULT_RULES] == [
        ("usd_mxn", Decimal("0.1"), 60, Decimal("0.08")),  # btc_mxn's median is above 0.1 %
        ("*", Decimal("0.5"), 10, Decimal("0.4")),
        ("*", Decimal("1.0"), 10, Decimal("0.8")),
    ]
    assert RulesFile(None).current() == DEFAULT_RULES
    assert RulesFile(None).reload_if_changed() is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[rule]]\nname = "a"\nabove = 0.5\nclear_below = 0.6',
            "clear_below (0.6) must be <= above (0.5)",
        ),
        (
            '[[rule]]\nname = "a"\nabove = 0.5\n[[rule]]\nname = "a"\nabove = 1',
            "duplicate rule name 'a'",
        ),
        ('[[rule]]\nname = "a"\nabove = -1', "above must be a percentage >= 0"),
        ('[[rule]]\nname = "a"\nabove = "lots"', "above must be a number"),
        ('[[rule]]\nname = "a"', "missing required key 'above'"),
        ("[[rule]]\nabove = 1", "missing required key 'name'"),
        ('[[rule]]\nname = "a"\nabove = 1\nfor_seconds = -2', "for_seconds must be >= 0"),
        (
            '[[rule]]\nname = "a"\nabove = 1\nfor_seconds = 1.5',
            "for_seconds must be a whole number",
        ),
        (
            '[[rule]]\nname = "a"\nabove = 1\nseverity = "loud"',
            "severity must be one of info, warning, critical",
        ),
        ('[[rule]]\nname = "a"\nabove = 1\nbook = "BTC/MXN"', "book must be '*' or a book id"),
        ('[[rule]]\nname = "a"\nabove = 1\nthreshold = 2', "unknown key(s) threshold"),
        ('[[rule]]\nname = "has space"\nabove = 1', "bad rule name 'has space'"),
        ('[[rules]]\nname = "a"\nabove = 1', "unknown top-level key(s) rules"),
        ("[[rule]\nname =", "not valid TOML"),
    ],
)
def test_validation_errors_say_what_is_wrong(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_rules(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_an_error_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rules file not found"):
        RulesFile(tmp_path / "nope.toml")


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "rules.toml"
    save_rules(path, DEFAULT_RULES)
    assert load_rules(path) == DEFAULT_RULES
    assert [p.name for p in path.parent.iterdir()] == ["rules.toml"]


def _bump(path: Path, text: str) -> None:
    """Write and move the mtime forward so a coarse file-system clock cannot hide the change."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_hot_reload_picks_up_changes_and_keeps_rules_on_a_broken_edit(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(GOOD)
    rules = RulesFile(path)
    assert [r.name for r in rules.current()] == ["btc-wide", "any-0.1"]
    assert rules.reload_if_changed() is None  # untouched

    _bump(path, GOOD + '\n[[rule]]\nname = "new"\nabove = 2\n')
    new = rules.reload_if_changed()
    assert new is not None and [r.name for r in new] == ["btc-wide", "any-0.1", "new"]
    assert rules.current() == new

    with Records("bitsodata.alerts.rules") as logged:
        _bump(path, '[[rule]]\nname = "x"\nabove = 1\nclear_below = 5\n')
        assert rules.reload_if_changed() is None
        assert rules.current() == new  # the broken edit did not take effect
        _bump(path, '[[rule]]\nname = "x"\nabove = 1\nclear_below = 5\n')  # same bad content
        assert rules.reload_if_changed() is None
    errors = logged.events("rules_file_invalid")
    assert len(errors) == 1  # reported once per bad version
    assert "clear_below (5) must be <= above (1)" in str(errors[0]["error"])

    _bump(path, '[[rule]]\nname = "x"\nabove = 1\n')
    fixed = rules.reload_if_changed()
    assert fixed == (Rule("x", "*", Decimal("1")),)


def test_touch_without_content_change_is_not_a_reload(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(GOOD)
    rules = RulesFile(path)
    _bump(path, GOOD)
    assert rules.reload_if_changed() is None


def test_vanished_file_keeps_rules(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(GOOD)
    rules = RulesFile(path)
    path.unlink()
    assert rules.reload_if_changed() is None
    assert len(rules.current()) == 2


def test_a_live_edit_changes_what_the_running_engine_fires(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    save_rules(path, [Rule("wide", "*", Decimal("1.0"))])
    rules = RulesFile(path)
    engine = AlertEngine(rules.current())
    assert engine.observe(obs(T0, "0.7")) == []
    _bump(path, dumps_rules([Rule("wide", "*", Decimal("0.5"))]))
    new = rules.reload_if_changed()
    assert new is not None and engine.set_rules(new) == []
    assert [(e.rule, e.threshold) for e in engine.observe(obs(T0 + 1, "0.7"))] == [
        ("wide", Decimal("0.5"))
    ]
