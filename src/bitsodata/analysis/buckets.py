"""The SQL of a resample over spread rows, shared by ``Lake.resample`` and ``LakeSlice``."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bitsodata.domain.observation import STATUSES
from bitsodata.lake.rollup import threshold_suffix

__all__ = ["STATUSES", "ident", "resample_sql", "threshold_column"]


def ident(name: str) -> str:
    """A book or column name as a quoted SQL identifier."""
    return '"' + name.replace('"', "") + '"'


def threshold_column(threshold: float | Decimal) -> str:
    """``share_above_0_5`` for 0.5: the resampled column of a threshold."""
    return "share_above_" + threshold_suffix(threshold)


def resample_sql(seconds: int, thresholds: Sequence[float | Decimal], rows: str = "rows") -> str:
    """``Lake.resample`` of the relation named ``rows`` (book, observed_at, spread, status):
    one row per book and bucket of ``seconds``, aligned to UTC midnight."""
    counts = [f"count(*) filter (where status = '{s}') as n_{s}" for s in STATUSES]
    counts += [
        f"count(*) filter (where spread > {float(t)!r}) as _above_{i}"
        for i, t in enumerate(thresholds)
    ]
    shares = [f"n_{s}::double / n_seconds as share_{s}" for s in STATUSES]
    shares += [
        f"_above_{i}::double / n_seconds as {threshold_column(t)}" for i, t in enumerate(thresholds)
    ]
    hidden = "".join(f", _above_{i}" for i in range(len(thresholds)))
    return f"""
        select book, to_timestamp(_bucket * {seconds}) as bucket_at,
               * exclude (book, _bucket{hidden}), {", ".join(shares)}
        from (
            select book,
                   epoch_us(observed_at) // {seconds * 1_000_000} as _bucket,
                   count(*) as n_seconds,
                   arg_min(spread, observed_at) filter (where spread is not null) as "open",
                   max(spread) as high,
                   min(spread) as low,
                   arg_max(spread, observed_at) filter (where spread is not null) as "close",
                   avg(spread::decimal(38, 18))::double as mean,
                   {", ".join(counts)}
            from {rows} group by book, _bucket
        ) order by book, bucket_at
    """
