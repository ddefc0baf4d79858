"""The eight business questions: parameters checked, SQL from ``queries.sql``, typed answers.

Answers: ``int`` for counts, a sorted ``list[str]`` of user ids, an ISO-8601 UTC string (or None)
for a last login, an exact decimal string for a total.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bitsodata.errors import QuestionError
from bitsodata.warehouse.db import Database, open_db
from bitsodata.warehouse.sources.lines import utc_iso

Answer = int | str | list[str] | None


@dataclass(frozen=True)
class Question:
    """A named question: the parameters it needs and the shape of its answer."""

    name: str
    params: tuple[str, ...]
    shape: str  # "int" | "users" | "timestamp" | "decimal"


QUESTIONS: dict[str, Question] = {
    q.name: q
    for q in (
        Question("active-users", ("day",), "int"),
        Question("users-without-deposit", (), "users"),
        Question("frequent-depositors", ("day", "more_than"), "users"),
        Question("last-login", ("user_id",), "timestamp"),
        Question("login-count", ("user_id", "date_from", "date_to"), "int"),
        Question("deposit-currencies", ("day",), "int"),
        Question("withdrawal-currencies", ("day",), "int"),
        Question("deposit-total", ("day", "currency"), "decimal"),
    )
}
DEFAULTS: dict[str, Any] = {"more_than": 5}


def queries() -> dict[str, str]:
    """Named queries of ``queries.sql`` (blocks starting with ``-- name: NAME``)."""
    text = (resources.files("bitsodata.warehouse.serve") / "queries.sql").read_text(
        encoding="utf-8"
    )
    found: dict[str, str] = {}
    for block in text.split("\n-- name: ")[1:]:
        name, _, body = block.partition("\n")
        sql = "\n".join(ln for ln in body.splitlines() if not ln.startswith("--"))
        found[name.strip()] = sql.strip().rstrip(";")
    return found


def _as_date(name: str, value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise QuestionError(f"{name} must be a date YYYY-MM-DD", value=value) from exc


def check_params(name: str, given: dict[str, Any]) -> dict[str, Any]:
    """The question's parameters, typed; :class:`QuestionError` when one is missing or bad."""
    question = QUESTIONS.get(name)
    if question is None:
        raise QuestionError(f"unknown question {name!r}; known: {', '.join(QUESTIONS)}")
    params: dict[str, Any] = {}
    for p in question.params:
        value = given.get(p, DEFAULTS.get(p))
        if value is None:
            raise QuestionError(f"{name} needs --{p.replace('_', '-')}")
        if p in ("day", "date_from", "date_to"):
            value = _as_date(p, value)
        elif p == "more_than":
            if not isinstance(value, int) or value < 0:
                raise QuestionError("more_than must be a non-negative integer", value=value)
        else:
            value = str(value).strip().lower() if p == "currency" else str(value).strip()
        params[p] = value
    if "date_from" in params and params["date_from"] > params["date_to"]:
        raise QuestionError("date_from is after date_to", **params)
    return params


def _shape(question: Question, rows: list[tuple[Any, ...]]) -> Answer:
    value = rows[0][0] if rows else None
    if question.shape == "int":
        return int(value or 0)
    if question.shape == "timestamp":
        return utc_iso(value)
    return decimal_text(Decimal(value or 0))


def decimal_text(value: Decimal) -> str:
    """An exact decimal without exponent or trailing zeros (``150.5``, ``0``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def zone_bounds(params: dict[str, Any], tz: str) -> dict[str, Any]:
    """The UTC instants that bound the question's local days in zone ``tz`` (half-open)."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise QuestionError(f"unknown time zone {tz!r}") from exc
    one = timedelta(days=1)
    bounds = dict(params)
    if "day" in params:
        bounds["day_start"] = _midnight_utc(params["day"], zone)
        bounds["day_end"] = _midnight_utc(params["day"] + one, zone)
    if "date_from" in params:
        bounds["from_start"] = _midnight_utc(params["date_from"], zone)
        bounds["to_end"] = _midnight_utc(params["date_to"] + one, zone)
    return bounds


def ask(db: str | Database, name: str, *, tz: str = "UTC", **params: Any) -> Answer:
    """Answer question ``name`` on warehouse ``db`` (path, URL or open handle).

    ``tz`` makes a day the calendar day of that zone; UTC days come from the daily marts, other
    zones from the facts with half-open UTC bounds (same definitions).
    """
    typed = check_params(name, params)
    sql = queries()[name]
    if tz != "UTC" and f"{name}@tz" in queries():
        sql, typed = queries()[f"{name}@tz"], zone_bounds(typed, tz)
    elif tz != "UTC":
        zone_bounds(typed, tz)  # still refuse an unknown zone
    question = QUESTIONS[name]
    with open_db(db) as handle:
        if question.shape == "users":  # maybe millions of ids: one column, sorted here
            users: list[str] = handle.fetch_column(sql, typed)
            users.sort()  # nearly sorted already (dim_user is stored in user order): a quick pass
            return users
        rows = handle.fetchall(sql, typed)
    return _shape(question, rows)


def json_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as JSON-ready values (dates as ISO strings)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}


def format_answer(name: str, params: dict[str, Any], answer: Answer, fmt: str) -> str:
    """Render an answer as ``json`` (one object), ``csv`` or a plain ``table``."""
    if fmt == "json":
        payload = {"question": name, "params": json_params(params), "answer": answer}
        return json.dumps(payload)
    values = answer if isinstance(answer, list) else [answer]
    header = "user_id" if QUESTIONS[name].shape == "users" else "answer"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([header])
        writer.writerows([["" if v is None else v] for v in values])
        return out.getvalue().rstrip("\n")
    lines = [f"{name} {json.dumps(json_params(params))}", header]
    lines += ["(null)" if v is None else str(v) for v in values]
    if isinstance(answer, list):
        lines.append(f"({len(answer)} users)")
    return "\n".join(lines)
