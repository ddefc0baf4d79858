"""A durable local upload queue in front of a remote store (S3): an outage never loses a file.

``put`` first writes the file into the queue folder (fsynced), then tries to upload everything
queued, oldest first. While the store is down (a ``Transient`` error) files stay queued and
``put`` returns; ``flush()`` uploads them once when it is back. Keys are idempotent: a retry
replaces, never duplicates.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from urllib.parse import quote, unquote

from bitsodata.clock import Clock, SystemClock
from bitsodata.errors import LakeError, Transient
from bitsodata.lake.storage import Storage, check_key, folders_of, write_atomic
from bitsodata.logs import event

log = logging.getLogger(__name__)
_SUFFIX = ".queued"


class QueuedStorage:
    """``inner`` behind a queue folder; reads see queued files too."""

    def __init__(
        self,
        inner: Storage,
        queue_dir: Path,
        *,
        retry_seconds: float = 5.0,
        clock: Clock | None = None,
    ) -> None:
        self.inner = inner
        self.url = inner.url
        self.queue_dir = Path(queue_dir)
        self.retry_seconds = retry_seconds
        self._clock = clock or SystemClock()
        self._lock = threading.RLock()
        self._failed_at: float | None = None
        self.queue_dir.mkdir(parents=True, exist_ok=True)
        self._next = max((seq for seq, _k, _p in self._entries()), default=0) + 1

    def __repr__(self) -> str:
        return f"QueuedStorage({self.inner!r}, {str(self.queue_dir)!r})"

    # -- the queue -------------------------------------------------------------------------------

    def _entries(self) -> list[tuple[int, str, Path]]:
        """(sequence, key, file) of every queued upload, oldest first."""
        found = []
        for path in self.queue_dir.iterdir():
            name = path.name
            if not name.endswith(_SUFFIX) or "." not in name.removesuffix(_SUFFIX):
                continue  # temp files of an interrupted enqueue, or strangers
            seq, _, quoted = name.removesuffix(_SUFFIX).partition(".")
            if seq.isdigit():
                found.append((int(seq), unquote(quoted), path))
        return sorted(found)

    def pending(self) -> int:
        """Number of files waiting for upload."""
        with self._lock:
            return len(self._entries())

    def pending_keys(self) -> list[str]:
        """Keys waiting for upload, oldest first."""
        with self._lock:
            return [key for _s, key, _p in self._entries()]

    def _enqueue(self, key: str, data: bytes) -> None:
        older = [path for _s, k, path in self._entries() if k == key]
        name = f"{self._next:012d}.{quote(key, safe='')}{_SUFFIX}"
        self._next += 1
        try:
            write_atomic(self.queue_dir / name, data)
        except OSError as exc:
            raise LakeError(
                f"cannot queue a lake file: {exc}", key=key, queue=str(self.queue_dir)
            ) from exc
        for path in older:  # the newest content wins; the key is uploaded once
            path.unlink(missing_ok=True)

    def flush(self) -> int:
        """Upload queued files oldest first, stopping at a Transient failure; returns uploads."""
        uploaded = 0
        with self._lock:
            entries = self._entries()
            newest = {key: seq for seq, key, _p in entries}
            for seq, key, path in entries:
                if newest[key] != seq:
                    path.unlink(missing_ok=True)
                    continue
                try:
                    self.inner.put(key, path.read_bytes())
                except Exception as exc:
                    if isinstance(exc, Transient):
                        self._failed_at = self._clock.monotonic()
                        event(log, "lake_upload_deferred", logging.WARNING, key=key, error=str(exc))
                        return uploaded
                    raise
                path.unlink()
                uploaded += 1
            self._failed_at = None
        if uploaded:
            event(log, "lake_uploaded", files=uploaded, lake=self.url)
        return uploaded

    def _backing_off(self) -> bool:
        if self._failed_at is None:
            return False
        return self._clock.monotonic() - self._failed_at < self.retry_seconds

    # -- Storage ---------------------------------------------------------------------------------

    def put(self, key: str, data: bytes) -> None:
        """Queue durably, then upload unless the store failed less than ``retry_seconds`` ago."""
        check_key(key)
        with self._lock:
            self._enqueue(key, data)
            if not self._backing_off():
                self.flush()

    def get(self, key: str) -> bytes:
        with self._lock:
            queued = [path for _s, k, path in self._entries() if k == key]
            if queued:
                return queued[-1].read_bytes()
        return self.inner.get(key)

    def exists(self, key: str) -> bool:
        return key in self.pending_keys() or self.inner.exists(key)

    def folders(self, prefix: str) -> list[str]:
        queued = folders_of((k for k in self.pending_keys() if k.startswith(prefix)), prefix)
        return sorted(set(queued) | set(self.inner.folders(prefix)))

    def list(self, prefix: str) -> list[str]:
        queued = {k for k in self.pending_keys() if k.startswith(prefix)}
        return sorted(queued | set(self.inner.list(prefix)))

    def delete(self, key: str) -> None:
        with self._lock:
            for _s, k, path in self._entries():
                if k == key:
                    path.unlink(missing_ok=True)
        self.inner.delete(key)
