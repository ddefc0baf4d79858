"""Data-quality checks: the tests stated in each model's header, plus cross-table reconciliations.

``run_checks`` returns results (it never raises on a failed check); the CLI exits 1 when one fails.
Warnings (negative amounts, inferred members, quarantined rows) are reported but never fail.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from bitsodata.warehouse.db import Database
from bitsodata.warehouse.loader import open_db
from bitsodata.warehouse.runner import Model, ensure_schema, load_models


@dataclass(frozen=True)
class CheckResult:
    """One check: how many rows break it (0 = passed) and what it means."""

    name: str
    passed: bool
    failures: int
    detail: str
    severity: str = "error"


def _sql_for_test(model: str, test: str) -> tuple[str, str] | None:
    m = re.fullmatch(r"(\w+)\((.*)\)", test.strip())
    if m is None:
        return None
    kind, args = m.group(1), m.group(2)
    if kind == "unique":
        cols = args
        return (
            f"unique {model}({cols})",
            f"select count(*) from (select {cols} from {model} group by {cols} "
            f"having count(*) > 1) as d",
        )
    if kind == "not_null":
        cond = " or ".join(f"{c.strip()} is null" for c in args.split(","))
        return f"not_null {model}({args})", f"select count(*) from {model} where {cond}"
    if kind == "relationships":
        col, target = (x.strip() for x in args.split("->"))
        table, tcol = target.split(".")
        return (
            f"relationships {model}.{col} -> {target}",
            f"select count(*) from {model} as m where m.{col} is not null and not exists "
            f"(select 1 from {table} as t where t.{tcol} = m.{col})",
        )
    return None


def model_checks(models: list[Model]) -> list[tuple[str, str]]:
    """(name, SQL counting failing rows) for every test declared in a persisted model's header."""
    found = []
    for model in models:
        if model.materialized in ("view", "temp_table"):
            continue
        for test in model.tests:
            spec = _sql_for_test(model.name, test)
            if spec is not None:
                found.append(spec)
    return found


RECONCILIATIONS: list[tuple[str, str, str]] = [
    (
        "complete deposits in facts == in mart_user_daily",
        "select abs((select count(*) from fct_transaction where transaction_kind = 'deposit' "
        "and is_complete) - (select coalesce(sum(n_deposits), 0) from mart_user_daily))",
        "error",
    ),
    (
        "logins in facts == in mart_user_daily",
        "select abs((select count(*) from fct_event where is_login) "
        "- (select coalesce(sum(n_logins), 0) from mart_user_daily))",
        "error",
    ),
    (
        "complete deposits and logins in mart_user_daily == dim_user totals",
        "select abs((select coalesce(sum(n_deposits), 0) + coalesce(sum(n_logins), 0) "
        "from mart_user_daily) - (select coalesce(sum(n_deposits), 0) + coalesce(sum(n_logins), 0) "
        "from dim_user))",
        "error",
    ),
    (
        "running deposit count == deposits up to the day (last day of each user)",
        "select count(*) from (select user_id, sum(n_deposits) as total, "
        "max(n_deposits_to_date) as running from mart_user_daily group by user_id) as u "
        "where total <> running",
        "error",
    ),
    (
        "one current level per user in the SCD2 history",
        "select count(*) from (select user_id from dim_user_level_history group by user_id "
        "having sum(case when is_current then 1 else 0 end) <> 1) as u",
        "error",
    ),
    (
        "SCD2 ranges are contiguous and ordered (valid_from < valid_to)",
        "select count(*) from dim_user_level_history where valid_to is not null "
        "and valid_to <= valid_from",
        "error",
    ),
    (
        "negative amounts (kept, not dropped)",
        "select count(*) from fct_transaction where amount < 0",
        "warn",
    ),
    (
        "inferred users (not yet in the user snapshot)",
        "select count(*) from dim_user where is_inferred",
        "warn",
    ),
    ("quarantined rows", "select count(*) from quarantine", "warn"),
]


def run_checks(db: str | Database) -> list[CheckResult]:
    """Run every check on ``db`` and return the results."""
    results = []
    with open_db(db) as handle:
        ensure_schema(handle)
        for name, sql in model_checks(load_models()):
            n = int(handle.fetchall(sql)[0][0])
            results.append(CheckResult(name, n == 0, n, "rows breaking the model's declared test"))
        for name, sql, severity in RECONCILIATIONS:
            n = int(handle.fetchall(sql)[0][0])
            passed = n == 0 or severity == "warn"
            results.append(CheckResult(name, passed, n, "rows or difference", severity))
    return results


def format_results(results: list[CheckResult], fmt: str) -> str:
    """Render check results as ``json`` or a plain table."""
    if fmt == "json":
        return json.dumps([asdict(r) for r in results])
    lines = []
    for r in results:
        status = "ok  " if r.passed and not (r.severity == "warn" and r.failures) else "FAIL"
        if r.severity == "warn" and r.failures:
            status = "warn"
        lines.append(f"{status} {r.name}: {r.failures}")
    failed = sum(not r.passed for r in results)
    lines.append(f"{len(results)} checks, {failed} failed")
    return "\n".join(lines)
