"""Vectorised text rendering of sample rows in the challenge's exact formats.

Timestamps look like Postgres' text output (``2020-01-10 14:11:05.63+00``: trailing zeros of the
fraction dropped, so 0-6 digits); amounts carry 18 decimals; ids are 32-char lowercase hex.
"""

from __future__ import annotations

from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

US_PER_DAY = 86_400_000_000
_HEX = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), dtype=np.uint8).reshape(
    256, 2
)

IntArray = npt.NDArray[Any]


def hex_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` random 32-char lowercase hex ids (MD5-like, 128 random bits each)."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    text = _HEX[raw].reshape(n, 32).copy().view("S32").ravel()
    return pa.array(text, type=pa.binary(32)).cast(pa.string())


class TimestampRenderer:
    """Turns microseconds since the first day into ``YYYY-MM-DD HH:MM:SS[.f]+00`` strings."""

    def __init__(self, first_day: np.datetime64, n_days: int) -> None:
        days = first_day + np.arange(n_days + 2)
        self._days = pa.array([f"{d} " for d in days])
        hours = pa.array([f"{h:02d}:" for h in range(24)])
        minsec = pa.array([f"{m:02d}:{s:02d}" for m in range(60) for s in range(60)])
        idx = np.arange(86_400)
        self._hms = pc.binary_join_element_wise(
            hours.take(pa.array(idx // 3600)), minsec.take(pa.array(idx % 3600)), ""
        )

    def render(self, us: IntArray) -> pa.Array:
        day = us // US_PER_DAY
        sod = (us // 1_000_000) % 86_400
        frac = pc.cast(pa.array(us % 1_000_000), pa.string())
        digits = pc.utf8_rtrim(pc.utf8_lpad(frac, width=6, padding="0"), characters="0")
        dotted = pc.if_else(
            pc.equal(pc.utf8_length(digits), 0), "", pc.binary_join_element_wise(".", digits, "")
        )
        return pc.binary_join_element_wise(
            self._days.take(pa.array(day)), self._hms.take(pa.array(sod)), dotted, "+00", ""
        )


def amounts(integer: IntArray, frac_e8: IntArray, negative: npt.NDArray[Any]) -> pa.Array:
    """``integer.frac`` with 18 decimals (8 significant), e.g. ``10.000000000000000000``."""
    whole = pc.cast(pa.array(integer), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(frac_e8), pa.string()), width=8, padding="0")
    sign = pc.if_else(pa.array(negative), "-", "")
    return pc.binary_join_element_wise(sign, whole, ".", frac, "0000000000", "")


def write_rows(sink: IO[bytes], columns: dict[str, pa.Array]) -> None:
    """Append rows (no header, no quoting: no value contains a comma or a quote)."""
    if not columns or len(next(iter(columns.values()))) == 0:
        return
    table = pa.table(columns)
    options = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536)
    pacsv.write_csv(table, sink, options)
