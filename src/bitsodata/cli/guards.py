"""Checks a command runs on its arguments before it has any side effect.

A command that fails on its arguments creates nothing: every folder it will write is checked to
be creatable, every file it reads to exist, every port to be free, before the first write.
"""

from __future__ import annotations

import errno
import math
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bitsodata.errors import ConfigError, LakeError, WarehouseError

DUCKDB_MAGIC = b"DUCK"
"""Bytes 8-11 of every DuckDB database file."""


def finite(option: str, value: float) -> float:
    """A number option must be a finite number (``nan`` and ``inf`` parse as floats)."""
    if not math.isfinite(value):
        raise ConfigError(f"{option} must be a finite number")
    return value


def _first_existing(path: Path) -> Path:
    probe = path
    while not os.path.lexists(probe) and probe.parent != probe:
        probe = probe.parent
    return probe


def writable_dir(path: Path, what: str) -> Path:
    """``path`` is a folder, or can be created as one (no parent is a file, the first existing
    parent is writable). Creates nothing."""
    probe = _first_existing(path)
    if not probe.is_dir():
        if probe == path:
            raise ConfigError(f"{what} {path} is a file, not a folder")
        raise ConfigError(f"{what} {path} cannot be created: {probe} is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"{what} {path} cannot be written: {probe} is not writable")
    return path


def writable_file(path: Path, what: str) -> Path:
    """``path`` can be written as a file: not a folder, and its folder is creatable."""
    if path.is_dir():
        raise ConfigError(f"{what} {path} is a folder, not a file")
    writable_dir(path.parent, f"the folder of {what}")
    return path


def existing_dir(path: Path, what: str) -> Path:
    """``path`` is an existing, readable folder."""
    if not path.exists():
        raise ConfigError(f"{what} {path} does not exist")
    if not path.is_dir():
        raise ConfigError(f"{what} {path} is not a folder")
    if not os.access(path, os.R_OK | os.X_OK):
        raise ConfigError(f"{what} {path} cannot be read")
    return path


def lake_url(url: str) -> str:
    """A local folder, ``file://`` path or ``s3://bucket/prefix``; anything else is refused."""
    if not url.strip():
        raise LakeError("the lake needs a folder or s3://bucket/prefix")
    if url.startswith("s3://"):
        if not url.removeprefix("s3://").partition("/")[0]:
            raise LakeError(f"the lake URL {url} needs a bucket: s3://bucket/prefix")
    elif "://" in url and not url.startswith("file://"):
        raise LakeError(f"the lake {url} is not a local folder or s3://bucket/prefix")
    return url


def readable_lake(url: str) -> str:
    """A local lake must be a readable folder (an S3 lake is checked by its first request)."""
    if lake_url(url).startswith("s3://"):
        return url
    path = Path(url.removeprefix("file://"))
    if not path.exists():
        raise LakeError(f"no lake at {path}: the folder does not exist")
    if not path.is_dir():
        raise LakeError(f"the lake {path} is not a folder")
    if not os.access(path, os.R_OK | os.X_OK):
        raise LakeError(f"the lake {path} cannot be read")
    return url


def writable_lake(url: str) -> str:
    """A local lake must be a folder we can create or write."""
    if not lake_url(url).startswith("s3://"):
        writable_dir(Path(url.removeprefix("file://")), "the lake")
    return url


def shown_url(url: str) -> str:
    """A database URL fit for a message: the password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def is_duckdb_file(path: Path) -> bool:
    """The file starts like a DuckDB database (an empty file is not one)."""
    with path.open("rb") as f:
        head = f.read(12)
    return head[8:12] == DUCKDB_MAGIC


def existing_warehouse(db: str) -> str:
    """A DuckDB warehouse to read must be an existing DuckDB file (PostgreSQL: the server says)."""
    if db.startswith(("postgresql://", "postgres://")) or db == ":memory:":
        return db
    path = Path(db)
    if not path.exists():
        raise WarehouseError(
            f"no warehouse database at {path}: load a batch first (bitsodata warehouse load)"
        )
    if not path.is_file():
        raise WarehouseError(f"the warehouse database {path} is not a file")
    if not is_duckdb_file(path):
        raise WarehouseError(f"{path} is not a DuckDB database file")
    return db


def new_or_existing_warehouse(db: str) -> str:
    """A DuckDB warehouse to write: an existing DuckDB file, or a path where one can be made."""
    if db.startswith(("postgresql://", "postgres://")) or db == ":memory:":
        return db
    path = Path(db)
    if os.path.lexists(path):
        return existing_warehouse(db)
    writable_file(path, "the warehouse database")
    return db


def free_port(host: str, port: int, what: str) -> None:
    """Refuse a port another process listens on, or an address this machine does not have."""
    if not 0 <= port <= 65_535:
        raise ConfigError(f"{what} {port} is out of range (0 to 65535)")
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise ConfigError(f"{what}: cannot listen on {host}: unknown host") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(f"{what} {port} on {host} is already in use") from None
            reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
            raise ConfigError(f"{what}: cannot listen on {host}:{port}: {reason}") from None
