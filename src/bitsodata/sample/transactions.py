"""Deposits and withdrawals of one month: who, when, which currency, how much, did it work.

Both files share one id sequence (ids grow with time, with gaps, as in the real withdrawals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bitsodata.sample import calibration as cal
from bitsodata.sample.population import I32, Population, pick_users, weights
from bitsodata.sample.render import TimestampRenderer, amounts
from bitsodata.sample.timing import I64, expand_sessions, session_starts

CURRENCY_CODES = pa.array([c[0] for c in cal.CURRENCIES])
_CURRENCY_P = weights(cal.CURRENCIES)
_MEDIANS = np.array([c[2] for c in cal.CURRENCIES])
_ABSURD = np.array([6_827_677_768_780, 2_222_222_222_222, 500_000_000_000, 5_000_000_000, 2e9])
_MEAN_SESSION = 1.0 / (1.0 - cal.SESSION_FOLLOW_UP)


@dataclass
class TxRows:
    """Rows of one file for one month, not yet rendered."""

    at_us: I64
    users: I32
    currency: npt.NDArray[Any]
    integer: I64
    frac_e8: I64
    negative: npt.NDArray[Any]
    failed: npt.NDArray[Any]
    app: npt.NDArray[Any]
    ids: I64

    def take(self, order: npt.NDArray[Any]) -> TxRows:
        return TxRows(**{k: v[order] for k, v in vars(self).items()})


def _amount_values(rng: np.random.Generator, currency: npt.NDArray[Any]) -> npt.NDArray[Any]:
    v = _MEDIANS[currency] * rng.lognormal(0.0, cal.AMOUNT_LOG_SIGMA, len(currency))
    mag = 10.0 ** np.floor(np.log10(v))
    kind = rng.random(len(v))
    nice = np.maximum(np.round(v / mag), 1.0) * mag
    cents = np.maximum(np.round(v, 2), 0.01)
    fine = np.maximum(np.round(v, 8), 1e-8)
    two = cal.ROUND_AMOUNT_SHARE + cal.TWO_DECIMALS_SHARE
    out = np.where(kind < cal.ROUND_AMOUNT_SHARE, nice, np.where(kind < two, cents, fine))
    return np.asarray(np.round(out, 8), dtype=np.float64)


def _split(value: npt.NDArray[Any]) -> tuple[I64, I64]:
    """Integer part and eight decimals (as an integer) of non-negative amounts."""
    integer = np.floor(value).astype(np.int64)
    frac = np.round((value - integer) * 1e8).astype(np.int64)
    carry = frac >= 100_000_000
    return integer + carry, np.where(carry, 0, frac)


def cover_currencies(rng: np.random.Generator, rows: TxRows, seen: set[int]) -> None:
    """Give currencies not seen so far one row each (the real long tail has 11 single rows)."""
    unseen = np.array(sorted(set(range(len(_CURRENCY_P))) - seen), dtype=np.int64)
    k = min(len(unseen), len(rows.ids))
    pos = rng.choice(len(rows.ids), k, replace=False)
    rows.currency[pos] = unseen[:k]
    rows.integer[pos], rows.frac_e8[pos] = _split(_amount_values(rng, unseen[:k]))
    rows.negative[pos] = False


def draw_rows(
    rng: np.random.Generator,
    pop: Population,
    w: npt.NDArray[Any],
    span: tuple[int, int, int],
    expected: float,
) -> TxRows:
    """About ``expected`` rows in days ``[lo, hi)``; ``limit`` caps timestamps (µs)."""
    lo, hi, limit = span
    users = pick_users(rng, w, pop, lo, hi, int(rng.poisson(expected / _MEAN_SESSION)))
    at, rows_user = expand_sessions(rng, session_starts(rng, pop, users, lo, hi), users, limit)
    n = len(at)
    home = rng.random(n) < cal.HOME_CURRENCY_SHARE
    cur = np.where(
        home, pop.home_currency[rows_user], rng.choice(len(_CURRENCY_P), n, p=_CURRENCY_P)
    )
    value = _amount_values(rng, cur.astype(np.int64))
    failed = rng.random(n) < pop.fail_p[rows_user]
    absurd = rng.random(n) < cal.ABSURD_SHARE
    value = np.where(absurd, rng.choice(_ABSURD, n), value)
    negative = (rng.random(n) < cal.NEGATIVE_SHARE) & ~absurd
    failed = (failed | negative) & ~absurd
    integer, frac = _split(value)
    usual = rng.random(n) < cal.INTERFACE_STICKINESS
    return TxRows(
        at_us=at,
        users=rows_user,
        currency=cur.astype(np.int64),
        integer=integer,
        frac_e8=frac,
        negative=negative,
        failed=failed,
        app=np.where(usual, pop.uses_app[rows_user], ~pop.uses_app[rows_user]),
        ids=np.zeros(n, dtype=np.int64),
    )


def assign_ids(rng: np.random.Generator, parts: list[TxRows], next_id: int) -> int:
    """Shared, time-ordered id sequence with gaps across ``parts``; returns the next free id."""
    times = np.concatenate([p.at_us for p in parts])
    order = np.argsort(times, kind="stable")
    step = 1 + rng.geometric(0.25, len(times))
    if len(times) == 0:
        return next_id
    ids = np.empty(len(times), dtype=np.int64)
    ids[order] = next_id + np.cumsum(step) - step[0]
    start = 0
    for p in parts:
        p.ids[:] = ids[start : start + len(p.ids)]
        start += len(p.ids)
    return int(next_id + step.sum())


def file_order(rng: np.random.Generator, ids: I64, block: int = 16) -> npt.NDArray[Any]:
    """Rows by id, but a few neighbouring blocks swapped (real file: 65 descending id steps)."""
    order = np.argsort(ids, kind="stable")
    n_blocks = len(order) // block
    blocks = np.arange(n_blocks)
    swap = np.flatnonzero(rng.random(max(n_blocks - 1, 0)) < 0.08)
    swap = swap[np.diff(swap, prepend=-2) > 1]
    blocks[swap], blocks[swap + 1] = blocks[swap + 1], blocks[swap].copy()
    head = order[: n_blocks * block].reshape(n_blocks, block)[blocks].ravel()
    return np.concatenate([head, order[n_blocks * block :]])


def render(
    rows: TxRows, pop: Population, ts: TimestampRenderer, with_interface: bool
) -> dict[str, pa.Array]:
    """The file's columns as text (the interface column only for withdrawals)."""
    cols: dict[str, pa.Array] = {
        "id": pa.array(rows.ids),
        "event_timestamp": ts.render(rows.at_us),
        "user_id": pop.ids.take(pa.array(rows.users)),
        "amount": amounts(rows.integer, rows.frac_e8, rows.negative),
    }
    if with_interface:
        cols["interface"] = pa.array(np.where(rows.app, "app", "web"))
    cols["currency"] = CURRENCY_CODES.take(pa.array(rows.currency))
    cols["tx_status"] = pa.array(np.where(rows.failed, "failed", "complete"))
    return cols


def duplicate_some(rng: np.random.Generator, n: int) -> npt.NDArray[Any]:
    """Row positions with a few rows repeated right after themselves (exact duplicates)."""
    return np.repeat(np.arange(n), 1 + (rng.random(n) < cal.DUPLICATE_DEPOSIT_SHARE))
