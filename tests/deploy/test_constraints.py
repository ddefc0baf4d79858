"""constraints/airflow.txt pins Airflow 3 and every runtime dependency of the project."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints" / "airflow.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, _, version = line.strip().partition("==")
            pins[canonicalize_name(name)] = version.split(";")[0].strip()
    return pins


def test_airflow_3_is_pinned() -> None:
    assert _pins()["apache-airflow"].startswith("3.")


def test_every_runtime_dependency_is_pinned_within_its_range() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    pins = _pins()
    for spec in pyproject["project"]["dependencies"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is missing: run `make airflow-constraints`"
        assert req.specifier.contains(pins[name]), (
            f"{req.name}=={pins[name]} is not {req.specifier}"
        )
