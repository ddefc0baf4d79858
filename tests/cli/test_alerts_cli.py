"""``bitsodata alerts add|list|remove|test|replay``, run in-process."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bitsodata.alerts.rules import DEFAULT_RULES, Rule, load_rules, save_rules
from bitsodata.cli.main import app
from bitsodata.lake.storage import LocalStorage
from bitsodata.lake.windowfile import write_window
from tests.alerts.helpers import episode
from tests.cli.outcome import error_line

START = 1_700_000_040  # 2023-11-14T22:14:00Z


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_list_shows_the_defaults_without_a_file() -> None:
    out = ok("alerts", "list")
    assert "default rules" in out
    for rule in DEFAULT_RULES:
        assert rule.name in out


def test_add_creates_a_file_from_the_defaults_then_list_and_remove(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    out = ok(
        "alerts", "add", "--file", str(rules), "--name", "btc-wide", "--above", "0.35",
        "--book", "btc_mxn", "--for-seconds", "30", "--clear-below", "0.2",
        "--severity", "critical",
    )  # fmt: skip
    assert "added btc-wide" in out
    assert load_rules(rules) == (
        *DEFAULT_RULES,
        Rule("btc-wide", "btc_mxn", Decimal("0.35"), 30, Decimal("0.2"), "critical"),
    )
    listed = ok("alerts", "list", "--file", str(rules))
    assert "btc-wide" in listed and "0.35" in listed and "critical" in listed
    assert "removed spread-0.1" in ok(
        "alerts", "remove", "--file", str(rules), "--name", "spread-0.1"
    )
    assert [r.name for r in load_rules(rules)] == ["spread-0.5", "spread-1.0", "btc-wide"]


def test_rules_file_can_come_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "from-settings.toml"
    save_rules(rules, [Rule("only", "*", Decimal("2"))])
    monkeypatch.setenv("BITSODATA_ALERTS__RULES_FILE", str(rules))
    assert "only" in ok("alerts", "list")
    ok("alerts", "add", "--name", "more", "--above", "3")
    assert [r.name for r in load_rules(rules)] == ["only", "more"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "spread-0.5", "--above", "1"], "rule 'spread-0.5' already exists"),
        (
            ["--name", "x", "--above", "0.5", "--clear-below", "0.7"],
            "clear_below (0.7) must be <= above (0.5)",
        ),
        (["--name", "x", "--above", "wide"], "above must be a number"),
        (["--name", "x", "--above", "1", "--severity", "meh"], "severity must be one of"),
        (["--name", "x", "--above", "1", "--book", "BTC"], "book must be '*' or a book id"),
    ],
)
def test_add_rejects_bad_rules_and_leaves_the_file_alone(
    args: list[str], message: str, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.toml"
    save_rules(rules, DEFAULT_RULES)
    before = rules.read_bytes()
    result = run("alerts", "add", "--file", str(rules), *args)
    assert message in error_line(result)
    assert rules.read_bytes() == before


def test_add_and_remove_need_a_file_and_remove_needs_a_known_name(tmp_path: Path) -> None:
    result = run("alerts", "add", "--name", "x", "--above", "1")
    assert "no rules file" in error_line(result)
    rules = tmp_path / "rules.toml"
    save_rules(rules, DEFAULT_RULES)
    result = run("alerts", "remove", "--file", str(rules), "--name", "nope")
    assert "no rule named 'nope'" in error_line(result)


def test_test_says_which_rules_fire(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    save_rules(rules, [*DEFAULT_RULES, Rule("usd-slow", "usd_mxn", Decimal("0.2"), for_seconds=60)])
    lines = ok(
        "alerts", "test", "--file", str(rules), "--spread", "0.6", "--book", "btc_mxn"
    ).splitlines()
    # the default 0.1 % level watches usd_mxn only; 0.5 % must hold 10 s
    names = [next(word for word in line.split() if word.startswith("spread-")) for line in lines]
    assert [(line.split()[0], name) for line, name in zip(lines, names, strict=True)] == [
        ("FIRES", "spread-0.5"), ("quiet", "spread-1.0"),
    ]  # fmt: skip
    assert "held 10s" in lines[0]
    usd = ok("alerts", "test", "--file", str(rules), "--spread", "0.3", "--book", "usd_mxn")
    assert "FIRES once held 60s" in usd and "usd-slow" in usd
    assert "usd-slow" not in "".join(lines)  # a usd_mxn rule does not apply to btc_mxn


def test_replay_prints_what_the_rules_would_have_sent(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    store = LocalStorage(lake)
    rows = episode(START, 120, range(50, 70))
    for w in (0, 60):
        write_window(store, "btc_mxn", START + w, rows[w : w + 60], "parquet", window_seconds=60)
    rules = tmp_path / "rules.toml"
    save_rules(rules, [Rule("wide", "*", Decimal("0.5"), for_seconds=5)])
    out = ok(
        "alerts", "replay", "--from", "2023-11-14T22:14:00Z", "--to", "2023-11-14T22:16:00Z",
        "--lake", str(lake), "--file", str(rules), "--book", "btc_mxn",
    )  # fmt: skip
    assert "2023-11-14T22:14:55+00:00  FIRING" in out
    assert "2023-11-14T22:15:10+00:00  RESOLVED" in out
    assert "120 observations (missing=1, ok=119); 2 alert events" in out
    assert "wide btc_mxn: firing 20s" in out
