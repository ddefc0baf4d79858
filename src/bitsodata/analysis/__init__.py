"""Spread analysis for notebooks and reports: the lake's observations as DuckDB relations.

    from bitsodata import analysis
    lake = analysis.open_lake("./lake")            # or "s3://bucket/prefix"
    lake.resample("1min", books=["btc_mxn"], start="2024-05-28", end="2024-05-29").df()

Every method reads only the partitions (book, day, hour) its books and range need; relations
convert with ``.df()`` (pandas), ``.pl()`` (polars), ``.arrow()`` or ``.fetchall()``.
"""

from bitsodata.analysis.episodes import Episode
from bitsodata.analysis.lake import Lake, open_lake
from bitsodata.analysis.times import Instant, parse_interval, to_epoch

__all__ = ["Episode", "Instant", "Lake", "open_lake", "parse_interval", "to_epoch"]
