"""Lake storage as a port: a local folder, S3, or memory behind one small ``Storage`` protocol.

The window writer and the alert log are the only callers that write; keys are relative to the lake
root (``spreads/book=…/…parquet``), writes are atomic and a rewrite of a key replaces it.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

from bitsodata.errors import LakeError, LakeKeyMissing
from bitsodata.settings import LakeSettings

_TMP_MARK = ".tmp-"


@runtime_checkable
class Storage(Protocol):
    """Where lake files live. Keys use ``/`` and are relative to the lake root."""

    url: str

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically, replacing any previous object."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; ``LakeKeyMissing`` when absent."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        ...

    def folders(self, prefix: str) -> list[str]:
        """The names of the folders directly under ``prefix`` (a folder path ending in ``/``)
        that hold at least one key, sorted: one listing level, not every key below."""
        ...

    def list(self, prefix: str) -> list[str]:
        """Every key starting with ``prefix`` (plain string prefix), sorted."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; absent keys are ignored."""
        ...


def folders_of(keys: Iterable[str], prefix: str) -> list[str]:
    """The folder names directly under ``prefix`` among ``keys`` (for stores without listings
    by level)."""
    return sorted({k[len(prefix) :].split("/", 1)[0] for k in keys if "/" in k[len(prefix) :]})


def check_key(key: str) -> str:
    """A key must stay inside the lake: relative, no empty, ``.`` or ``..`` parts."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise LakeError("not a valid lake key", key=key)
    if _TMP_MARK in parts[-1]:
        raise LakeError("lake keys may not look like temporary files", key=key)
    return key


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write a temp file beside ``path`` and rename it over ``path``: readers see the old file or
    the new one, never half of one. ``durable`` also fsyncs the file and the folder (a crash
    keeps it); scratch copies that die with the process skip that cost."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}{_TMP_MARK}{uuid.uuid4().hex}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if durable:
        _fsync_dir(path.parent)


class LocalStorage:
    """A folder on local disk; readers never see a half-written file.

    ``durable=False`` is for scratch folders (query downloads): no fsync, still atomic.
    """

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = Path(root)
        self.url = str(self.root)
        self.durable = durable

    def __repr__(self) -> str:
        return f"LocalStorage({self.url!r})"

    def path(self, key: str) -> Path:
        """The file of ``key`` (which may not exist)."""
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, key: str, data: bytes) -> None:
        try:
            write_atomic(self.path(key), data, durable=self.durable)
        except OSError as exc:
            raise LakeError(f"cannot write lake file: {exc}", key=key, lake=self.url) from exc

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise LakeKeyMissing("no such lake file", key=key, lake=self.url) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def folders(self, prefix: str) -> list[str]:
        base = self.root.joinpath(*[p for p in prefix.split("/") if p])
        if not base.is_dir():
            return []
        return sorted(
            entry.name for entry in base.iterdir() if entry.is_dir() and _holds_a_file(entry)
        )

    def list(self, prefix: str) -> list[str]:
        # Walk only the deepest folder the prefix names, then filter by the string prefix.
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        root = os.path.join(str(self.root), "")  # with its separator: "./", "/", "lake/"
        base = os.path.join(root, folder) if folder else root
        if not os.path.isdir(base):
            return []
        keys: list[str] = []
        skip = len(root)  # os.walk joins below the root as given: cut it off as text
        for dirpath, _dirs, files in os.walk(base):
            rel = dirpath[skip:].replace(os.sep, "/")
            lead = rel + "/" if rel else ""
            keys.extend(
                lead + name
                for name in files
                if (lead + name).startswith(prefix) and _TMP_MARK not in name
            )
        return sorted(keys)

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()


def _holds_a_file(folder: Path) -> bool:
    """Whether a lake file (not a temporary one) is anywhere under ``folder`` (stops at one)."""
    for _dirpath, _dirs, files in os.walk(folder):
        if any(_TMP_MARK not in name for name in files):
            return True
    return False


class MemoryStorage:
    """The fake: a dict, with counters tests can read."""

    def __init__(self, url: str = "memory://lake") -> None:
        self.url = url
        self.objects: dict[str, bytes] = {}
        self.puts: dict[str, int] = {}
        self._lock = threading.Lock()

    def put(self, key: str, data: bytes) -> None:
        with self._lock:
            self.objects[check_key(key)] = bytes(data)
            self.puts[key] = self.puts.get(key, 0) + 1

    def get(self, key: str) -> bytes:
        try:
            return self.objects[key]
        except KeyError:
            raise LakeKeyMissing("no such lake object", key=key, lake=self.url) from None

    def exists(self, key: str) -> bool:
        return key in self.objects

    def folders(self, prefix: str) -> list[str]:
        return folders_of(self.list(prefix), prefix)

    def list(self, prefix: str) -> list[str]:
        with self._lock:
            return sorted(k for k in self.objects if k.startswith(prefix))

    def delete(self, key: str) -> None:
        with self._lock:
            self.objects.pop(key, None)


class ListingSnapshot:
    """A storage whose listings are taken once: a prefix inside one listed before is answered
    from that listing (one question's planning walks the lake once). Reads pass through;
    writes pass through and forget the listings."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.url = inner.url
        self._listed: dict[str, list[str]] = {}

    def folders(self, prefix: str) -> list[str]:
        if any(prefix.startswith(known) for known in self._listed):
            return folders_of(self.list(prefix), prefix)
        return self.inner.folders(prefix)

    def list(self, prefix: str) -> list[str]:
        for known, keys in self._listed.items():
            if prefix.startswith(known):
                lo = bisect.bisect_left(keys, prefix)
                return keys[lo : bisect.bisect_left(keys, prefix + "\U0010ffff", lo)]
        keys = self.inner.list(prefix)
        self._listed[prefix] = keys
        return list(keys)

    def get(self, key: str) -> bytes:
        return self.inner.get(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def put(self, key: str, data: bytes) -> None:
        self._listed.clear()
        self.inner.put(key, data)

    def delete(self, key: str) -> None:
        self._listed.clear()
        self.inner.delete(key)


def open_storage(settings: LakeSettings) -> Storage:
    """The lake named by ``settings.url``: S3 (behind a durable upload queue) or a local folder."""
    url = settings.url
    if url.startswith("s3://"):
        from bitsodata.lake.queue import QueuedStorage
        from bitsodata.lake.s3 import S3Storage

        return QueuedStorage(
            S3Storage.from_settings(settings),
            settings.upload_queue_dir,
            retry_seconds=settings.upload_retry_seconds,
        )
    if "://" in url and not url.startswith("file://"):
        raise LakeError("unsupported lake URL (use a path or s3://bucket/prefix)", url=url)
    return LocalStorage(Path(url.removeprefix("file://")))
