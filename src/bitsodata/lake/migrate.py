"""Rewrite a version 1 lake (``spreads/book=…/``, text times) into the version 2 layout.

Each old window file is decoded, re-encoded as version 2 at its new key, and only then removed,
so an interrupted run loses nothing and a re-run finishes the job (the same window always lands
on the same key). Old compacted day files are removed: they are a cache, remade by compaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from bitsodata.errors import LakeError
from bitsodata.lake import layout
from bitsodata.lake.storage import Storage
from bitsodata.lake.windowfile import decode_table, encode_table


@dataclass(frozen=True)
class MigrateResult:
    """What a migration did (or, with ``dry_run``, would do)."""

    windows: int
    """Version 1 window files rewritten into version 2."""
    daily_removed: int
    """Version 1 compacted day files removed."""
    skipped: tuple[str, ...]
    """Keys under the old folders that are not window files (left as they are)."""


def migrate_lake(storage: Storage, *, dry_run: bool = False) -> MigrateResult:
    """Move every version 1 spread file of ``storage`` to version 2."""
    windows, skipped = 0, []
    for key in storage.list(f"{layout.SPREADS}/book="):
        try:
            parsed = layout.parse_key(key)
        except ValueError:
            skipped.append(key)
            continue
        if not dry_run:
            table = decode_table(storage.get(key), parsed.fmt)
            storage.put(
                layout.spread_window_key(parsed.book, parsed.start, parsed.fmt),
                encode_table(table, parsed.fmt),
            )
            storage.delete(key)
        windows += 1
    daily = [k for k in storage.list(f"{layout.SPREADS}{layout.DAILY_SUFFIX}/book=")]
    if not dry_run:
        for key in daily:
            storage.delete(key)
    return MigrateResult(windows, len(daily), tuple(skipped))


def check_migrated(storage: Storage) -> None:
    """A ``LakeError`` when version 1 window files are left (for tools that need version 2)."""
    left = [k for k in storage.list(f"{layout.SPREADS}/book=") if k.endswith((".parquet", ".csv"))]
    if left:
        raise LakeError(
            f"{len(left)} version 1 window files left: run `bitsodata spread migrate`",
            lake=storage.url,
        )
