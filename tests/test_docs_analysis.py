"""Every Python example of docs/analysis.md and docs/lake.md runs, in order, on a lake the
collector wrote (examples that need Spark or a real S3 bucket are skipped)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from tests.lake.collected import collect

DOCS = Path(__file__).resolve().parents[1] / "docs"
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def blocks(name: str) -> list[str]:
    return _BLOCK.findall((DOCS / name).read_text())


@pytest.mark.parametrize("name", ["analysis.md", "lake.md"])
def test_every_example_runs(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    collect(tmp_path / "lake", seconds=300)
    monkeypatch.chdir(tmp_path)
    runnable = [b for b in blocks(name) if "spark" not in b and "s3a://" not in b]
    assert len(runnable) >= (8 if name == "analysis.md" else 3)
    namespace: dict[str, object] = {}
    out = io.StringIO()
    for block in runnable:
        with contextlib.redirect_stdout(out):
            exec(compile(block, f"{name} example", "exec"), namespace)
    printed = out.getvalue()
    if name == "analysis.md":
        assert "['btc_mxn', 'usd_mxn']" in printed and "btc-wide" not in printed
        assert "btc_mxn 2024-05-28 06:01:20+00:00" in printed  # the replayed wide spell
