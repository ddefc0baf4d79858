"""Synthetic challenge data: all five source files, calibrated on the two real ones, any size.

What was calibrated on what (numbers in ``calibration.py``):
- ``user_id_sample_data.csv`` (25,699 ids): user count at ``scale=1``, 32-char lowercase hex ids
  in random order, the blank line right after the header.
- ``withdrawals_sample_data.csv`` (5,098 rows): rows at ``scale=1``; the 42 currencies and their
  mix; per-currency median amounts and the spread around them; round amounts, two or up to eight
  decimals otherwise, written with 18 decimals; ~36 % failed with a wide per-user spread; web/app
  mix per year and sticky per user; volume per month (2020: 1,710 · 2021: 1,768 · 2022: 1,099 ·
  2023: 521), per UTC hour and per weekday; heavy users (lognormal activity, a few with hundreds
  of rows); bursts of rows minutes apart; timestamps with 0-6 fractional digits (Postgres text
  output); ids growing with time, with gaps and a few swapped blocks; one negative amount per ~5k
  rows, a few absurd complete amounts (10^9 .. 10^13).
- Not available, so assumed and documented beside each constant: deposits (same shape, ~4x the
  withdrawals, no interface column, a few exact duplicate rows), events (the 16 real names,
  logins dominate, ``login_api`` from API users, ~12 per user), the level history (country codes,
  levels 0-3, mostly going up; changes mirrored by ``level_change_*``/``country_updated`` events),
  and ~0.1 % of active users missing from the user snapshot (late-arriving dimension).

Rows are produced month by month (bounded memory, ~1 M rows/s) and written with pyarrow; a run is
deterministic for a ``(seed, scale)``. Files are written to temp names and renamed at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa

from bitsodata.errors import WarehouseError
from bitsodata.sample import calibration as cal
from bitsodata.sample import events as ev
from bitsodata.sample import transactions as tx
from bitsodata.sample.population import Population, build_population
from bitsodata.sample.render import US_PER_DAY, TimestampRenderer, write_rows

USERS_FILE = "user_id_sample_data.csv"
WITHDRAWALS_FILE = "withdrawals_sample_data.csv"
DEPOSITS_FILE = "deposit_sample_data.csv"
EVENTS_FILE = "event_sample_data.csv"
LEVELS_FILE = "user_level_sample_data.csv"
HEADERS = {
    USERS_FILE: "user_id",
    WITHDRAWALS_FILE: "id,event_timestamp,user_id,amount,interface,currency,tx_status",
    DEPOSITS_FILE: "id,event_timestamp,user_id,amount,currency,tx_status",
    EVENTS_FILE: "id,event_timestamp,user_id,event_name",
    LEVELS_FILE: "user_id,jurisdiction,level,event_timestamp",
}
"""The five source files and their exact header lines."""

__all__ = ["HEADERS", "SampleReport", "generate"]


@dataclass(frozen=True)
class SampleReport:
    """What ``generate`` wrote."""

    out: Path
    seed: int
    scale: float
    rows: dict[str, int]
    """Data rows per file name (the user file's blank line is not a row)."""
    late_users: int
    """Users that have facts but are missing from the user snapshot."""
    duplicate_deposits: int
    """Exact duplicate rows added to the deposit file."""


def _month_spans() -> np.ndarray:
    first = np.datetime64(cal.START_DAY, "D")
    end = np.datetime64(cal.END_DAY, "D") + 1
    months = np.arange(first.astype("datetime64[M]"), end.astype("datetime64[M]") + 1)
    starts = np.maximum(months.astype("datetime64[D]"), first)
    return np.append(starts, end).astype(np.int64) - first.astype(np.int64)


class _Writer:
    """Temp files with headers, renamed into place only when everything is written."""

    def __init__(self, out: Path, stack: ExitStack) -> None:
        self.out = out
        self.rows = dict.fromkeys(HEADERS, 0)
        self.sinks: dict[str, IO[bytes]] = {}
        for name, header in HEADERS.items():
            sink = stack.enter_context((out / f".{name}.tmp").open("wb"))
            sink.write(header.encode() + (b"\n\n" if name == USERS_FILE else b"\n"))
            self.sinks[name] = sink

    def write(self, name: str, cols: dict[str, pa.Array]) -> None:
        write_rows(self.sinks[name], cols)
        self.rows[name] += len(next(iter(cols.values()))) if cols else 0

    def abort(self) -> None:
        for name, sink in self.sinks.items():
            sink.close()
            (self.out / f".{name}.tmp").unlink(missing_ok=True)

    def commit(self) -> None:
        for name, sink in self.sinks.items():
            sink.flush()
            os.fsync(sink.fileno())
            sink.close()
            os.replace(self.out / f".{name}.tmp", self.out / name)


def _months(
    seed: int, spans: np.ndarray
) -> Iterator[tuple[int, np.random.Generator, tuple[int, int, int]]]:
    end_us = int(spans[-1]) * US_PER_DAY
    for m in range(len(spans) - 1):
        yield m, np.random.default_rng([seed, 1, m]), (int(spans[m]), int(spans[m + 1]), end_us)


def _transactions(
    w: _Writer, pop: Population, seed: int, scale: float, spans: np.ndarray, ts: TimestampRenderer
) -> int:
    share = np.asarray(cal.MONTH_WEIGHTS, dtype=np.float64) / sum(cal.MONTH_WEIGHTS)
    n_wd = cal.REAL_WITHDRAWALS * scale
    next_id, dups = 1_500, 0
    seen: tuple[set[int], set[int]] = (set(), set())
    for m, rng, span in _months(seed, spans):
        wd = tx.draw_rows(rng, pop, pop.w_withdrawal, span, n_wd * share[m])
        n_dep = n_wd * cal.DEPOSITS_PER_WITHDRAWAL * share[m]
        dep = tx.draw_rows(rng, pop, pop.w_deposit, span, n_dep)
        for rows, known in zip((wd, dep), seen, strict=True):
            if m == len(share) - 1:  # the real long tail: every currency shows up at least once
                tx.cover_currencies(rng, rows, known)
            known.update(np.unique(rows.currency).tolist())
        next_id = tx.assign_ids(rng, [wd, dep], next_id)
        w.write(WITHDRAWALS_FILE, tx.render(wd.take(tx.file_order(rng, wd.ids)), pop, ts, True))
        order = tx.file_order(rng, dep.ids)
        order = order[tx.duplicate_some(rng, len(order))]
        dups += len(order) - len(dep.ids)
        w.write(DEPOSITS_FILE, tx.render(dep.take(order), pop, ts, False))
    return dups


def _events(
    w: _Writer, pop: Population, seed: int, scale: float, spans: np.ndarray, ts: TimestampRenderer
) -> None:
    share = np.asarray(cal.MONTH_WEIGHTS, dtype=np.float64) / sum(cal.MONTH_WEIGHTS)
    total = cal.EVENTS_PER_USER * cal.REAL_USERS * scale
    next_id = 1_000
    for m, _, span in _months(seed, spans):
        rng = np.random.default_rng([seed, 2, m])
        events, levels = ev.draw_month(rng, pop, span, total * share[m])
        at, users, names, _ = events.sorted()
        ids = next_id + np.cumsum(1 + rng.geometric(0.7, len(at))).astype(np.int64)
        next_id = int(ids[-1]) + 1 if len(ids) else next_id
        order = tx.file_order(rng, ids)
        w.write(
            EVENTS_FILE,
            ev.render_events(at[order], users[order], names[order], ids[order], pop, ts),
        )
        at, users, jur, lvl = levels.sorted()
        w.write(LEVELS_FILE, ev.render_levels(at, users, jur, lvl, pop, ts))


def generate(out: Path, *, seed: int = 1, scale: float = 1.0) -> SampleReport:
    """Write the five challenge files into ``out``; the same seed and scale give the same bytes."""
    if not scale > 0:
        raise WarehouseError("scale must be positive", scale=scale)
    out.mkdir(parents=True, exist_ok=True)
    spans = _month_spans()
    n_users = max(20, round(cal.REAL_USERS * scale))
    pop = build_population(np.random.default_rng([seed, 0]), n_users, spans.astype(np.int32))
    ts = TimestampRenderer(np.datetime64(cal.START_DAY, "D"), int(spans[-1]))
    with ExitStack() as stack:
        w = _Writer(out, stack)
        try:
            dups = _transactions(w, pop, seed, scale, spans, ts)
            _events(w, pop, seed, scale, spans, ts)
            snapshot = np.flatnonzero(pop.in_snapshot)
            shuffled = snapshot[np.random.default_rng([seed, 3]).permutation(len(snapshot))]
            w.write(USERS_FILE, {"user_id": pop.ids.take(pa.array(shuffled))})
        except BaseException:
            w.abort()  # no half-written sample: the previous files (if any) stay as they were
            raise
        w.commit()
    return SampleReport(
        out=out, seed=seed, scale=scale, rows=dict(w.rows),
        late_users=int((~pop.in_snapshot).sum()), duplicate_deposits=dups,
    )  # fmt: skip
