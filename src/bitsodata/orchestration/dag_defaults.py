"""What both DAG files share: retry only on transient errors, settings per task run.

Airflow is imported lazily (``airflow.sdk``, inside the functions) so the package still imports
and is tested without it; only the DAG files call these, and ``make airflow-check`` runs them.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

from bitsodata.orchestration.runtime import RETRYABLE, SETTINGS_VARIABLE, task_settings
from bitsodata.settings import Settings


def _sdk() -> Any:
    return importlib.import_module("airflow.sdk")


def retry_only_transient() -> Any:
    """An ``ExceptionRetryPolicy``: retry the ``RETRYABLE`` errors, fail at once on the rest."""
    sdk = _sdk()
    rule = sdk.RetryRule(exception=list(RETRYABLE), action=sdk.RetryAction.RETRY)
    return sdk.ExceptionRetryPolicy(rules=[rule], default=sdk.RetryAction.FAIL)


def default_args(
    *,
    retries: int,
    retry_delay: timedelta,
    execution_timeout: timedelta,
    exponential_backoff: bool = False,
) -> dict[str, Any]:
    """A DAG's ``default_args``: bounded retries, transient errors only, a task time limit."""
    return {
        "retries": retries,
        "retry_delay": retry_delay,
        "retry_exponential_backoff": exponential_backoff,
        "retry_policy": retry_only_transient(),
        "execution_timeout": execution_timeout,
    }


def settings() -> Settings:
    """Settings of the running task: the ``bitsodata_settings`` Variable over env over TOML."""
    variable = _sdk().Variable.get(SETTINGS_VARIABLE, default=None)
    return task_settings(variable)
