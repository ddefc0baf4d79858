"""Data-quality checks: the dbt project's tests (YAML generic tests and singular tests) run here.

``run_checks`` returns results (it never raises on a failed check); the CLI exits 1 when one fails.
Warnings (negative amounts, inferred members, quarantined rows) are reported but never fail.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from bitsodata.errors import WarehouseError
from bitsodata.warehouse.db import Database, open_db
from bitsodata.warehouse.load.models import DataTest, Model, load_models, singular_tests
from bitsodata.warehouse.schema import ensure_schema


@dataclass(frozen=True)
class CheckResult:
    """One check: how many rows break it (0 = passed) and what it means."""

    name: str
    passed: bool
    failures: int
    detail: str
    severity: str = "error"


def _sql_for_test(test: DataTest) -> tuple[str, str]:
    """(name, SQL counting the rows that break one of the project's generic tests)."""
    model, col = test.model, test.column
    if test.kind == "unique":
        return f"unique {model}({col})", (
            f"select count(*) from (select {col} from {model} where {col} is not null "
            f"group by {col} having count(*) > 1) as d"
        )
    if test.kind == "unique_key":
        cols = ", ".join(test.arg("columns"))
        return f"unique {model}({cols})", (
            f"select count(*) from (select {cols} from {model} group by {cols} "
            f"having count(*) > 1) as d"
        )
    if test.kind == "not_null":
        return f"not_null {model}({col})", f"select count(*) from {model} where {col} is null"
    if test.kind == "accepted_values":
        values = ", ".join("'" + str(v).replace("'", "''") + "'" for v in test.arg("values"))
        return f"accepted_values {model}.{col}", (
            f"select count(*) from {model} where {col} is not null and {col} not in ({values})"
        )
    if test.kind == "relationships":
        table = str(test.arg("to")).removeprefix("ref('").removesuffix("')")
        field = test.arg("field")
        return f"relationships {model}.{col} -> {table}.{field}", (
            f"select count(*) from {model} as m where m.{col} is not null and not exists "
            f"(select 1 from {table} as t where t.{field} = m.{col})"
        )
    raise WarehouseError("a test the checks do not know", test=test.kind, model=model)


def model_checks(models: list[Model]) -> list[tuple[str, str, str]]:
    """(name, SQL counting failing rows, severity) for every test declared in the YAML of a
    persisted model, then the project's singular tests (their failing rows counted)."""
    found = []
    for model in models:
        if model.persisted:
            found += [(*_sql_for_test(t), t.severity) for t in model.tests]
    return found


def _singular(engine: str) -> list[tuple[str, str, str]]:
    return [
        (t.name, f"select count(*) from ({t.sql}) as failing", t.severity)
        for t in singular_tests(engine)
    ]


QUARANTINED = ("quarantined rows", "select count(*) from quarantine", "warn")


def run_checks(db: str | Database) -> list[CheckResult]:
    """Run every check on ``db`` and return the results."""
    results = []
    with open_db(db) as handle:
        ensure_schema(handle)
        checks = [*model_checks(load_models(handle.engine)), *_singular(handle.engine), QUARANTINED]
        for name, sql, severity in checks:
            n = int(handle.fetchall(sql)[0][0])
            passed = n == 0 or severity == "warn"
            results.append(CheckResult(name, passed, n, "rows breaking the test", severity))
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
