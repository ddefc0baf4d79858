"""The DAG files stay thin: read as source (no Airflow here), every task is one call into
``bitsodata.orchestration`` naming a function that exists. ``make airflow-check`` runs them."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
FILES = sorted(DAGS.glob("*.py"))


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return ast.unparse(target)


def _tasks(tree: ast.Module) -> list[ast.FunctionDef]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and any(_decorator_name(d).startswith("task") for d in node.decorator_list)
    ]


def _orchestration_aliases(tree: ast.Module) -> dict[str, str]:
    return {
        alias.asname or alias.name: f"{node.module}.{alias.name}"
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "bitsodata.orchestration"
        for alias in node.names
    }


def test_the_two_dags_exist() -> None:
    assert [p.stem for p in FILES] == ["spread_lake_audit", "warehouse_daily"]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_the_dag_is_named_like_its_file_and_schedules_data_intervals(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    dags = [d for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for d in n.decorator_list
            if _decorator_name(d) == "dag"]  # fmt: skip
    assert len(dags) == 1 and isinstance(dags[0], ast.Call)
    kwargs = {k.arg: k.value for k in dags[0].keywords}
    assert ast.literal_eval(kwargs["dag_id"]) == path.stem
    assert ast.unparse(kwargs["schedule"]).startswith("CronDataIntervalTimetable(")
    # the shared defaults (retry on transient errors only): Airflow evaluates them in airflow-check
    assert ast.unparse(kwargs["default_args"]).startswith("dag_defaults.default_args(")
    assert ast.literal_eval(kwargs["max_active_runs"]) == 1


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_task_is_one_call_into_bitsodata_orchestration(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = _orchestration_aliases(tree)
    tasks = _tasks(tree)
    assert len(tasks) >= 3
    for func in tasks:
        body = [s for s in func.body if not isinstance(s, ast.Assert | ast.Expr)]
        assert len(body) == 1 and isinstance(body[0], ast.Return), f"{func.name} is not thin"
        call = body[0].value
        assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute), func.name
        module = aliases[ast.unparse(call.func.value)]
        assert callable(getattr(importlib.import_module(module), call.func.attr)), func.name


def test_warehouse_daily_catches_up_and_audit_does_not() -> None:
    sources = {p.stem: p.read_text(encoding="utf-8") for p in FILES}
    assert "catchup=True" in sources["warehouse_daily"]
    assert "catchup=False" in sources["spread_lake_audit"]
    assert "land() >> load() >> checks() >> export() >> erd()" in sources["warehouse_daily"]
