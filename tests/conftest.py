"""Shared fixtures: isolated environment, the shared data folder, the CLI runner."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.s3 import endpoint  # noqa: F401  (a moto S3 server, for every test that asks)

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No BITSODATA_* variable leaks in from the caller; relative paths land in tmp_path."""
    for key in list(os.environ):
        if key.startswith("BITSODATA_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture(autouse=True)
def _isolated_logging() -> Iterator[None]:
    """Commands run in-process configure the ``bitsodata`` logger (a handler on the stderr of
    that moment, no propagation); put it back so no later test inherits a closed stream."""
    logger = logging.getLogger("bitsodata")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])
    logger.propagate = saved[2]


@pytest.fixture
def shared_data() -> Path:
    """The real public data beside the clone; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real data not available: {SHARED_DATA} is absent (it sits beside the clone in CI)"
        )
    return SHARED_DATA
