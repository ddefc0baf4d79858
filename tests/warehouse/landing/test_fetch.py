"""fetch-sample against a real HTTP server on 127.0.0.1: verified, unzipped, atomic."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bitsodata.errors import SampleDownloadError, SampleIntegrityError, Transient
from bitsodata.warehouse.landing.fetch import SAMPLE_FILES, fetch_sample, git_blob_id

Files = dict[str, bytes]


async def _serve(files: Files) -> tuple[web.AppRunner, str]:
    async def handler(request: web.Request) -> web.Response:
        body = files.get(request.match_info["name"])
        return web.Response(status=404) if body is None else web.Response(body=body)

    app = web.Application()
    app.router.add_get("/repo/{name}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/repo/"


@pytest.fixture
async def server() -> AsyncIterator[tuple[Files, str]]:
    files: Files = {}
    runner, url = await _serve(files)
    yield files, url
    await runner.cleanup()


def zipped(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(name, data)
    return buf.getvalue()


def synthetic() -> Files:
    files = {f.remote: f"{f.target} body\n".encode() for f in SAMPLE_FILES}
    files["deposit_sample_data.csv.zip"] = zipped("deposit_sample_data.csv", b"id,deposits\n")
    return files


async def test_downloads_all_five_files_and_unzips_deposits(
    server: tuple[Files, str], tmp_path: Path
) -> None:
    files, url = server
    files.update(synthetic())
    report = await fetch_sample(tmp_path, base_url=url, verify=False)
    assert sorted(report.sizes) == sorted(f.target for f in SAMPLE_FILES)
    assert (tmp_path / "deposit_sample_data.csv").read_bytes() == b"id,deposits\n"
    assert (tmp_path / "event_sample_data.csv").read_bytes() == b"event_sample_data.csv body\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(report.sizes), "no temp files"


async def test_real_files_pass_verification_and_other_bytes_do_not(
    server: tuple[Files, str], tmp_path: Path, shared_data: Path
) -> None:
    files, url = server
    real = shared_data / "sr_de_challenge"
    files.update(synthetic())
    for name in ("user_id_sample_data.csv", "withdrawals_sample_data.csv"):
        files[name] = (real / name).read_bytes()
    with pytest.raises(SampleIntegrityError) as err:
        await fetch_sample(tmp_path, base_url=url)
    assert err.value.url == url + "deposit_sample_data.csv.zip"  # type: ignore[attr-defined]
    for name in ("user_id_sample_data.csv", "withdrawals_sample_data.csv"):
        assert (tmp_path / name).read_bytes() == (real / name).read_bytes()
    assert not (tmp_path / "deposit_sample_data.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "user_id_sample_data.csv", "withdrawals_sample_data.csv"
    ]  # fmt: skip


def test_git_blob_id_matches_git_hash_object(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"hello\n")
    assert git_blob_id(path) == "ce013625030ba8dba906f756967f9e9ca394464a"


async def test_missing_file_is_a_clear_transient_error(
    server: tuple[Files, str], tmp_path: Path
) -> None:
    files, url = server
    files.update(synthetic())
    del files["event_sample_data.csv"]
    with pytest.raises(SampleDownloadError) as err:
        await fetch_sample(tmp_path, base_url=url.rstrip("/"), verify=False)
    assert "HTTP 404" in str(err.value) and "event_sample_data.csv" in str(err.value)
    assert isinstance(err.value, Transient)
    assert not (tmp_path / "event_sample_data.csv").exists()


async def test_git_lfs_pointer_is_refused_even_without_verification(
    server: tuple[Files, str], tmp_path: Path
) -> None:
    files, url = server
    files.update(synthetic())
    files["user_id_sample_data.csv"] = b"version https://git-lfs.github.com/spec/v1\noid sha256:x\n"
    with pytest.raises(SampleIntegrityError, match="LFS"):
        await fetch_sample(tmp_path, base_url=url, verify=False)
    assert list(tmp_path.iterdir()) == []


async def test_a_broken_zip_is_refused(server: tuple[Files, str], tmp_path: Path) -> None:
    files, url = server
    files.update(synthetic())
    files["deposit_sample_data.csv.zip"] = b"not a zip"
    with pytest.raises(SampleIntegrityError, match="unzip"):
        await fetch_sample(tmp_path, base_url=url, verify=False)
    assert not [p for p in tmp_path.iterdir() if "deposit" in p.name]


async def test_unreachable_server_is_a_download_error(tmp_path: Path) -> None:
    runner, url = await _serve({})
    await runner.cleanup()  # the port is closed now
    with pytest.raises(SampleDownloadError):
        await fetch_sample(tmp_path, base_url=url, verify=False, timeout=2)
