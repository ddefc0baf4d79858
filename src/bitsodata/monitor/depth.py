"""The depth part of a tick: the feed's book view measured into a ``DepthRow``. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from bitsodata.domain.depth import DepthRow, NotionalSize, depth_row
from bitsodata.domain.observation import Observation
from bitsodata.exchange.books import BookView


def measure(view: BookView | None, sizes: Sequence[NotionalSize]) -> DepthRow | None:
    """Depth, fills and imbalance of the view's book now; None without a book."""
    if view is None:
        return None
    book = view.levels
    return depth_row(
        view.source,
        book.levels("bid"),
        book.levels("ask"),
        sizes,
        levels=(book.level_count("bid"), book.level_count("ask")),
        sequence=view.sequence,
        received_at=view.received_at,
    )


def with_depth(
    row: Observation, view: BookView | None, sizes: Mapping[str, Sequence[NotionalSize]]
) -> Observation:
    """``row`` carrying the depth of its book at its tick."""
    depth = measure(view, sizes.get(row.book, ()))
    return row if depth is None else replace(row, depth=depth)
