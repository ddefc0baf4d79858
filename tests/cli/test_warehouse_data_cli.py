"""``warehouse sample``, ``land`` and ``fetch-sample`` run in-process on a tiny Typer app."""

from __future__ import annotations

import asyncio
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from aiohttp import web
from typer.testing import CliRunner

from bitsodata.cli.warehouse_data import register
from bitsodata.sample import HEADERS
from bitsodata.warehouse.landing.fetch import SAMPLE_FILES

app = typer.Typer()
register(app)
runner = CliRunner()


def test_every_command_and_option_has_help() -> None:
    group: Any = typer.main.get_command(app)
    assert set(group.commands) == {"sample", "land", "fetch-sample"}
    for name, cmd in group.commands.items():
        assert (cmd.help or "").strip(), name
        for param in cmd.params:
            assert (param.help or "").strip(), (name, param.opts)
        assert runner.invoke(app, [name, "--help"]).exit_code == 0


def test_sample_then_land_then_land_one_day(tmp_path: Path) -> None:
    src, landing = tmp_path / "src", tmp_path / "landing"
    result = runner.invoke(app, ["sample", "--out", str(src), "--scale", "0.01", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "withdrawals_sample_data.csv" in result.output
    assert sorted(p.name for p in src.iterdir()) == sorted(HEADERS)
    args = ["land", "--source", str(src), "--out", str(landing), "--late-share", "0.1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "day folder(s) written" in result.output
    day = sorted(landing.glob("date=*"))[3].name[5:]
    result = runner.invoke(app, [*args, "--day", day])
    assert result.exit_code == 0, result.output
    assert f"1 day folder(s) written ({day} .. {day})" in result.output


def test_land_rejects_a_malformed_day(tmp_path: Path) -> None:
    args = ["land", "--source", str(tmp_path), "--out", str(tmp_path), "--day", "2021-3-x"]
    result = runner.invoke(app, args)
    assert "YYYY-MM-DD" in str(result.exception)  # the sub-app alone: the root app prints it


@pytest.fixture
def http_files() -> Iterator[tuple[dict[str, bytes], str]]:
    """A real aiohttp server in its own thread (the CLI runs its own event loop)."""
    files: dict[str, bytes] = {}
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def handler(request: web.Request) -> web.Response:
        body = files.get(request.match_info["name"])
        return web.Response(status=404) if body is None else web.Response(body=body)

    async def start() -> None:
        web_app = web.Application()
        web_app.router.add_get("/{name}", handler)
        state["runner"] = web.AppRunner(web_app)
        await state["runner"].setup()
        await web.TCPSite(state["runner"], "127.0.0.1", 0).start()
        state["port"] = state["runner"].addresses[0][1]
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop)
    assert ready.wait(10)
    yield files, f"http://127.0.0.1:{state['port']}"
    asyncio.run_coroutine_threadsafe(state["runner"].cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def test_fetch_sample_downloads_and_reports(
    http_files: tuple[dict[str, bytes], str], tmp_path: Path
) -> None:
    files, url = http_files
    for spec in SAMPLE_FILES:
        files[spec.remote] = b"user_id\nabc\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("deposit_sample_data.csv", b"id\n1\n")
    files["deposit_sample_data.csv.zip"] = buf.getvalue()
    args = ["fetch-sample", "--out", str(tmp_path), "--base-url", url, "--no-verify"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "deposit_sample_data.csv" in result.output
    assert (tmp_path / "deposit_sample_data.csv").read_bytes() == b"id\n1\n"
    result = runner.invoke(app, args[:-1])  # verification on: these are not the published files
    assert result.exit_code != 0 and "not the published one" in str(result.exception)


def test_the_cli_default_source_is_the_verified_commit() -> None:
    from bitsodata.cli.warehouse_data import DEFAULT_BASE_URL as CLI_DEFAULT
    from bitsodata.warehouse.landing.fetch import DEFAULT_BASE_URL

    assert CLI_DEFAULT == DEFAULT_BASE_URL
