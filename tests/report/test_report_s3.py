"""The report of an S3 lake (moto's S3 server on loopback) is the report of the same local lake."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bitsodata.cli.main import app
from bitsodata.lake.storage import LocalStorage
from bitsodata.orchestration.lake_tasks import task_storage
from bitsodata.settings import load_settings
from tests.fakes.s3 import running_s3
from tests.report.lakes import FIRST, WINDOW_STARTS, write_lake

runner = CliRunner()
END = WINDOW_STARTS[2] + 600


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with running_s3("lake") as url:
        yield url


def _summary(page: str) -> list[tuple[str, str]]:
    return re.findall(r'data-field="([^"]+)" data-value="([^"]*)"', page)


def test_an_s3_lake_reports_like_the_local_one(
    endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = write_lake(tmp_path / "lake")
    lake = {"url": "s3://lake/report", "s3_endpoint_url": endpoint}
    monkeypatch.setenv("BITSODATA_LAKE__S3_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("BITSODATA_LAKE__S3_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("BITSODATA_LAKE__S3_ENDPOINT_URL", endpoint)
    remote = task_storage(load_settings(lake=lake))
    source = LocalStorage(local)
    for key in source.list("spreads/"):
        remote.put(key, source.get(key))
    pages = {}
    for name, where in (("local", str(local)), ("s3", lake["url"])):
        out = tmp_path / f"{name}.html"
        args = ["spread", "report", "--lake", where, "--from", str(FIRST), "--to", str(END)]
        result = runner.invoke(app, [*args, "--out", str(out)])
        assert result.exit_code == 0, result.output
        pages[name] = out.read_text()
    assert "s3://lake/report" in pages["s3"]
    local_cells, s3_cells = _summary(pages["local"]), _summary(pages["s3"])
    assert len(local_cells) == len(s3_cells) > 20
    for (field, mine), (same, theirs) in zip(local_cells, s3_cells, strict=True):
        assert field == same
        if field.startswith("spread."):  # DuckDB's parallel sums may differ in the last bits
            assert float(mine) == pytest.approx(float(theirs))
        else:
            assert mine == theirs
