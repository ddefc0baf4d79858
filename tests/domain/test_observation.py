"""The status table: priority order and the prices each status keeps."""

from __future__ import annotations

import itertools
from pathlib import Path

from bitsodata.domain.observation import STATUS_TABLE, status_rule


def test_freshness_outranks_the_shape_of_the_book() -> None:
    for two_sided, crossed in [(True, True), (False, False), (True, False)]:
        rule = status_rule(has_top=True, fresh=False, two_sided=two_sided, crossed=crossed)
        assert rule.status == "stale"


def test_every_combination_lands_on_one_line_of_the_table() -> None:
    seen = set()
    for has_top, fresh, two_sided in itertools.product((True, False), repeat=3):
        crossed_values = (True, False) if two_sided else (False,)
        for crossed in crossed_values:
            rule = status_rule(has_top=has_top, fresh=fresh, two_sided=two_sided, crossed=crossed)
            assert rule in STATUS_TABLE
            seen.add(STATUS_TABLE.index(rule))
    assert seen == set(range(len(STATUS_TABLE)))  # no line is dead


def test_missing_lines_keep_no_price_and_only_two_lines_keep_a_spread() -> None:
    for rule in STATUS_TABLE:
        if rule.status == "missing":
            assert not rule.keeps_prices and not rule.keeps_spread
    assert {r.status for r in STATUS_TABLE if r.keeps_spread} == {"ok", "stale"}


def test_the_readme_documents_the_same_table() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    documented = [
        line.split("|")[2].strip().strip("`")
        for line in readme.splitlines()
        if line.startswith("| ") and line.split("|")[1].strip().isdigit()
    ]
    assert documented == [rule.status for rule in STATUS_TABLE]
