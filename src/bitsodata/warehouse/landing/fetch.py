"""Download the public challenge files (for users who have internet and want the real data).

Each file streams to a temp name beside its target, is checked against the Git blob id published
in the challenge repository (so a mirror, a truncated download or a Git LFS pointer is caught),
unzipped when published zipped, and only then renamed into place: a target is whole or absent.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from bitsodata.errors import SampleDownloadError, SampleIntegrityError

DEFAULT_BASE_URL = (
    "https://raw.githubusercontent.com/IMARVI/sr_de_challenge/"
    "460084571b1e61351702dcc91c5e72f21ae878e7/"
)
"""The challenge repository at the commit described in ``data/sr_de_challenge/README.md``."""
_LFS_POINTER = b"version https://git-lfs.github.com/spec/"


@dataclass(frozen=True)
class RemoteFile:
    """One published file: where it is, what it becomes locally, its Git blob id."""

    remote: str
    target: str
    blob: str | None

    @property
    def zipped(self) -> bool:
        return self.remote.endswith(".zip")


SAMPLE_FILES = (
    RemoteFile("user_id_sample_data.csv", "user_id_sample_data.csv",
               "f6efbf45cb8ec0d9f205d890f4a5d3bf9bf7470e"),
    RemoteFile("withdrawals_sample_data.csv", "withdrawals_sample_data.csv",
               "83deb6dbe0521161168186350ff200b8cee7bf73"),
    RemoteFile("deposit_sample_data.csv.zip", "deposit_sample_data.csv",
               "c0f254761855dc08c7f8896126cfbf63f1c0ddfc"),
    RemoteFile("event_sample_data.csv", "event_sample_data.csv",
               "8e704e1d1754240f8b33048749b0ca09d97c52f2"),
    RemoteFile("user_level_sample_data.csv", "user_level_sample_data.csv",
               "c814eb4b94a9b3a72d690b24102d59d772868146"),
)  # fmt: skip


@dataclass(frozen=True)
class FetchReport:
    """Files written (target name -> bytes)."""

    out: Path
    sizes: dict[str, int]


def git_blob_id(path: Path) -> str:
    """``git hash-object`` of a file: sha1 of ``blob <size>\\0`` + content."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode(), usedforsecurity=False)
    with path.open("rb") as src:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


async def _download(client: httpx.AsyncClient, url: str, part: Path) -> None:
    try:
        async with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise SampleDownloadError(
                    f"download failed with HTTP {response.status_code}", url=url
                )
            with part.open("wb") as sink:
                async for chunk in response.aiter_bytes(1 << 20):
                    sink.write(chunk)
                sink.flush()
                os.fsync(sink.fileno())
    except httpx.HTTPError as exc:
        raise SampleDownloadError(f"download failed: {exc!r}", url=url) from exc


def _check(part: Path, spec: RemoteFile, url: str, verify: bool) -> None:
    with part.open("rb") as src:
        if src.read(len(_LFS_POINTER)) == _LFS_POINTER:
            raise SampleIntegrityError(
                "the server returned a Git LFS pointer, not the file", url=url
            )
    if verify and spec.blob is not None:
        got = git_blob_id(part)
        if got != spec.blob:
            raise SampleIntegrityError(
                "downloaded file is not the published one", url=url, expected=spec.blob, got=got
            )


def _unzip(part: Path, spec: RemoteFile, url: str) -> Path:
    plain = part.with_suffix(".csv.part")
    try:
        with zipfile.ZipFile(part) as archive:
            member = next(n for n in archive.namelist() if n.endswith(".csv"))
            with archive.open(member) as src, plain.open("wb") as sink:
                while chunk := src.read(1 << 20):
                    sink.write(chunk)
    except (zipfile.BadZipFile, StopIteration, OSError) as exc:
        plain.unlink(missing_ok=True)
        raise SampleIntegrityError(f"cannot unzip {spec.remote}: {exc!r}", url=url) from exc
    finally:
        part.unlink(missing_ok=True)
    return plain


async def fetch_sample(
    out: Path,
    *,
    base_url: str = DEFAULT_BASE_URL,
    verify: bool = True,
    timeout: float = 60.0,
    client: httpx.AsyncClient | None = None,
) -> FetchReport:
    """Download the five challenge files into ``out``; stops at the first failure."""
    out.mkdir(parents=True, exist_ok=True)
    base = base_url if base_url.endswith("/") else base_url + "/"
    own = client is None
    http = client or httpx.AsyncClient(timeout=timeout, follow_redirects=True)
    sizes: dict[str, int] = {}
    try:
        for spec in SAMPLE_FILES:
            url = base + spec.remote
            part = out / f".{spec.remote}.part"
            try:
                await _download(http, url, part)
                _check(part, spec, url, verify)
                ready = _unzip(part, spec, url) if spec.zipped else part
                os.replace(ready, out / spec.target)
            finally:
                part.unlink(missing_ok=True)
            sizes[spec.target] = (out / spec.target).stat().st_size
    finally:
        if own:
            await http.aclose()
    return FetchReport(out=out, sizes=sizes)
