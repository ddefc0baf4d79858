"""Join daily batch folders into one batch folder.

A warehouse that starts from a long landing area can load its first days as one batch (one
transaction) and only the recent days one by one: loading day by day ends where loading
everything at once does, and a daily batch pays a fixed cost per statement, so 1,300 small
transactions cost far more than one big one.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

from bitsodata.errors import WarehouseError


def combine_days(folders: Sequence[Path], out: Path) -> dict[str, int]:
    """Write into ``out`` one file per source file name found in ``folders``: the header once,
    then the data lines of every folder in the order given (bytes as landed). Written to a
    temporary folder first, so ``out`` is either the whole result or left as it was. Returns the
    data lines written per file name. Days whose headers differ are refused."""
    if not folders:
        raise WarehouseError("no day folder to combine", out=str(out))
    names = sorted({p.name for folder in folders for p in folder.glob("*.csv")})
    tmp = out.with_name(f".{out.name}-{uuid.uuid4().hex}")
    tmp.mkdir(parents=True)
    written: dict[str, int] = {}
    try:
        for name in names:
            written[name] = _combine_file([f / name for f in folders], tmp / name)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written


def _combine_file(paths: list[Path], target: Path) -> int:
    header: bytes | None = None
    lines = 0
    with target.open("wb") as sink:
        for path in paths:
            if not path.is_file():
                continue
            with path.open("rb") as source:
                first = source.readline()
                if header is None:
                    header = first
                    sink.write(first)
                elif first.rstrip(b"\r\n") != header.rstrip(b"\r\n"):
                    raise WarehouseError(
                        "day files of one source have different headers", path=str(path)
                    )
                body = source.read()
            if body and not body.endswith(b"\n"):
                body += b"\n"  # the next day's first line must start a line of its own
            lines += body.count(b"\n")
            sink.write(body)
    return lines
