"""The eight questions on hand-made data whose answers were worked out by hand (traps included)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bitsodata.errors import QuestionError
from bitsodata.warehouse.db import DuckDatabase
from bitsodata.warehouse.load.loader import load_batch
from bitsodata.warehouse.serve.questions import QUESTIONS, ask, decimal_text, format_answer, queries
from tests.warehouse.conftest import HANDMADE


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDatabase]:
    handle = DuckDatabase(str(tmp_path_factory.mktemp("q") / "wh.duckdb"))
    load_batch(handle, HANDMADE / "day1")
    yield handle
    handle.close()


CASES = [
    # failed transactions are not activity (u2 only failed on the 10th); -03 is the 10th in UTC
    ("active-users", {"day": "2020-01-10"}, 4),
    ("active-users", {"day": "2020-01-11"}, 2),
    ("active-users", {"day": "2020-02-01"}, 0),
    # u5 and u6 are inferred members; u2 only has a failed deposit; u3's id 9 is quarantined
    ("users-without-deposit", {}, ["u2", "u4", "u6"]),
    # u1 has 3 complete deposits by the end of the 11th, 7 by the end of the 12th
    ("frequent-depositors", {"day": "2020-01-11"}, []),
    ("frequent-depositors", {"day": "2020-01-12"}, ["u1"]),
    ("frequent-depositors", {"day": "2020-01-11", "more_than": 2}, ["u1"]),
    ("last-login", {"user_id": "u1"}, "2020-01-13T00:00:00+00:00"),
    ("last-login", {"user_id": "u2"}, None),
    ("last-login", {"user_id": "nobody"}, None),
    # login, 2falogin, login_api all count; both dates included; 23:59:59.5 is still the 12th
    ("login-count", {"user_id": "u1", "date_from": "2020-01-10", "date_to": "2020-01-12"}, 4),
    ("login-count", {"user_id": "u1", "date_from": "2020-01-11", "date_to": "2020-01-11"}, 1),
    ("deposit-currencies", {"day": "2020-01-10"}, 3),
    ("withdrawal-currencies", {"day": "2020-01-10"}, 1),
    ("withdrawal-currencies", {"day": "2020-01-11"}, 1),
    # 23:59:59.999999 belongs to the day; 18-decimal exactness survives the sum
    ("deposit-total", {"day": "2020-01-10", "currency": "MXN"}, "100.500000000000000001"),
    ("deposit-total", {"day": "2020-01-11", "currency": "mxn"}, "5"),
    ("deposit-total", {"day": "2020-01-10", "currency": "usd"}, "7"),
    ("deposit-total", {"day": "2020-01-10", "currency": "doge"}, "0"),
]


@pytest.mark.parametrize(("name", "params", "expected"), CASES, ids=[c[0] for c in CASES])
def test_answers(db: DuckDatabase, name: str, params: dict[str, object], expected: object) -> None:
    assert ask(db, name, **params) == expected


def test_every_question_is_in_queries_sql() -> None:
    assert {n for n in queries() if "@" not in n} == set(QUESTIONS)


@pytest.mark.parametrize(("name", "params", "expected"), CASES, ids=[c[0] for c in CASES])
def test_facts_path_agrees_with_the_marts(
    db: DuckDatabase, name: str, params: dict[str, object], expected: object
) -> None:
    # Etc/UTC takes the time-zone path (facts + half-open bounds): same answers as the marts
    assert ask(db, name, tz="Etc/UTC", **params) == expected


@pytest.mark.parametrize(
    ("name", "params", "utc", "buenos_aires"),
    [
        # deposit 10 is 2020-01-09 23:00 at -03, i.e. 2020-01-10 02:00 UTC
        ("active-users", {"day": "2020-01-09"}, 0, 1),
        ("deposit-currencies", {"day": "2020-01-09"}, 0, 1),
        ("deposit-total", {"day": "2020-01-09", "currency": "usd"}, "0", "7"),
        # login 5 is 2020-01-13 00:00 UTC = 2020-01-12 21:00 in Buenos Aires
        (
            "login-count",
            {"user_id": "u1", "date_from": "2020-01-12", "date_to": "2020-01-12"},
            1,
            2,
        ),
    ],
)
def test_a_time_zone_moves_the_day_boundaries(
    db: DuckDatabase, name: str, params: dict[str, object], utc: object, buenos_aires: object
) -> None:
    assert ask(db, name, **params) == utc
    assert ask(db, name, tz="America/Argentina/Buenos_Aires", **params) == buenos_aires


def test_an_unknown_time_zone_is_refused(db: DuckDatabase) -> None:
    with pytest.raises(QuestionError, match="time zone"):
        ask(db, "users-without-deposit", tz="Mars/Olympus")


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("active-users", {}, "needs --day"),
        ("active-users", {"day": "10/01/2020"}, "YYYY-MM-DD"),
        (
            "login-count",
            {"user_id": "u1", "date_from": "2020-02-01", "date_to": "2020-01-01"},
            "after",
        ),
        ("frequent-depositors", {"day": "2020-01-01", "more_than": -1}, "non-negative"),
        ("who-knows", {}, "unknown question"),
    ],
)
def test_bad_parameters_are_refused(name: str, params: dict[str, object], match: str) -> None:
    with pytest.raises(QuestionError, match=match):
        ask(str(Path("never-opened.duckdb")), name, **params)


def test_json_output_shape() -> None:
    text = format_answer(
        "deposit-total",
        {"day": date(2020, 1, 10), "currency": "mxn"},
        "1.5",
        "json",
    )
    assert json.loads(text) == {
        "question": "deposit-total",
        "params": {"day": "2020-01-10", "currency": "mxn"},
        "answer": "1.5",
    }


def test_decimal_text_is_plain_and_exact() -> None:
    from decimal import Decimal

    assert decimal_text(Decimal("100.000000000000000000")) == "100"
    assert decimal_text(Decimal("6827677768780.000000000000000000")) == "6827677768780"
    assert decimal_text(Decimal("0E-18")) == "0"


def test_a_column_of_decimals_keeps_its_type(tmp_path: Path) -> None:
    from decimal import Decimal

    from bitsodata.warehouse.db import DuckDatabase

    handle = DuckDatabase(str(tmp_path / "wh.duckdb"))
    assert handle.fetch_column("select 1.5::decimal(38, 18) union all select 2") == [
        Decimal("1.5"),
        Decimal("2"),
    ]
    assert handle.fetch_column("select 'b' union all select 'a'") == ["b", "a"]
    handle.close()
