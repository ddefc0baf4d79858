"""Alert episodes of one book and rule from column arrays, vectorised with numpy.

The same episodes as replaying the rows through ``AlertEngine`` one by one (the analysis API's
``episodes``), at array speed, so a month of seconds replays in well under a second:

- a run is a stretch of consecutive seconds, each an ``ok`` row whose spread is ``> above``;
  any other row, or a second with no row, ends it;
- a run fires at its ``for_seconds``-th second after its first (runs too short never fire);
- a firing alert resolves at the first later ``ok`` row whose spread is ``<= clear level``;
  runs that start while it fires are absorbed (the engine does not look for them);
- the peak is the highest spread of any row from the firing second up to the resolving one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from bitsodata.alerts.rules import Rule

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
STILL_FIRING = -1


REPLAY_COLUMNS = (
    "book, epoch(observed_at)::bigint as tick, spread, "
    "status = 'ok' and spread is not null as usable"
)
"""The SELECT list of what a replay reads of each row (over a relation of lake rows)."""


def book_columns(table: pa.Table, book: str) -> tuple[Ints, Floats, Bools]:
    """(ticks, spread with NaN for null, usable) of one book of a ``REPLAY_COLUMNS`` table, in
    time order."""
    part = table.filter(pc.equal(table["book"], book))
    ticks = part["tick"].to_numpy().astype(np.int64)
    spread = part["spread"].to_numpy(zero_copy_only=False).astype(np.float64)
    usable = part["usable"].to_numpy(zero_copy_only=False).astype(bool)
    if len(ticks) > 1 and not (ticks[1:] >= ticks[:-1]).all():
        order = np.argsort(ticks, kind="stable")
        ticks, spread, usable = ticks[order], spread[order], usable[order]
    return ticks, spread, usable


@dataclass(frozen=True)
class EpisodeArrays:
    """Episodes of one rule on one book, as parallel arrays of epoch seconds."""

    started: Ints
    """First second of the run that fired."""
    fired: Ints
    ended: Ints
    """The resolving second, or ``STILL_FIRING``."""
    peak: Floats

    def __len__(self) -> int:
        return len(self.started)


def _empty() -> EpisodeArrays:
    none = np.zeros(0, dtype=np.int64)
    return EpisodeArrays(none, none, none, np.zeros(0, dtype=np.float64))


def replay_rule(ticks: Ints, spread: Floats, usable: Bools, rule: Rule) -> EpisodeArrays:
    """Episodes of ``rule`` over one book's rows in time order (``spread`` NaN where null;
    ``usable``: an ``ok`` row with a spread). Repeated or out-of-order ticks are skipped."""
    keep = _first_of_each_tick(ticks)
    if not keep.all():
        ticks, spread, usable = ticks[keep], spread[keep], usable[keep]
    n = len(ticks)
    if n == 0:
        return _empty()
    with np.errstate(invalid="ignore"):
        above = usable & (spread > float(rule.above))
        clear = usable & (spread <= float(rule.clear_level))
    continues = np.zeros(n, dtype=bool)
    continues[1:] = above[1:] & above[:-1] & (ticks[1:] == ticks[:-1] + 1)
    run_start = np.flatnonzero(above & ~continues)
    run_end = np.flatnonzero(above & ~np.append(continues[1:], False)) + 1
    long_enough = run_end - run_start > rule.for_seconds
    starts = run_start[long_enough]
    fires = starts + rule.for_seconds
    if len(fires) == 0:
        return _empty()
    clears = np.append(np.flatnonzero(clear), n)  # n: no resolving row (still firing)
    ends = clears[np.searchsorted(clears, fires, side="right")]
    fresh = np.ones(len(fires), dtype=bool)
    fresh[1:] = fires[1:] > ends[:-1]
    starts, fires, ends = starts[fresh], fires[fresh], ends[fresh]
    values = np.append(np.where(np.isnan(spread), -np.inf, spread), -np.inf)
    peak = np.maximum.reduceat(values, np.column_stack([fires, ends]).ravel())[::2]
    ended = np.where(ends < n, ticks[np.minimum(ends, n - 1)], STILL_FIRING)
    return EpisodeArrays(ticks[starts], ticks[fires], ended.astype(np.int64), peak)


def _first_of_each_tick(ticks: Ints) -> Bools:
    """Rows whose tick is later than every earlier row's (the engine skips the others)."""
    if len(ticks) < 2:
        return np.ones(len(ticks), dtype=bool)
    keep = np.ones(len(ticks), dtype=bool)
    keep[1:] = ticks[1:] > np.maximum.accumulate(ticks)[:-1]
    return keep
