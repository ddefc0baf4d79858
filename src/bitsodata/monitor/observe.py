"""One tick of one book: the latest top of book and the link's health become an ``Observation``.

Pure. Freshness follows DESIGN §3: a quiet book on a live stream is ``ok`` with a growing
``age_ms``; ``stale`` means the source is suspect (no WS traffic for ``stale_after`` seconds, or a
REST value older than that). Status priority and the prices a row keeps are the table in
``bitsodata.domain.observation`` (``STATUS_TABLE``).
"""

from __future__ import annotations

from typing import Protocol

from bitsodata.domain.book import TopOfBook
from bitsodata.domain.observation import Observation, Status, StatusRule, status_rule


class LinkView(Protocol):
    """The part of ``exchange.feed.LinkState`` freshness depends on."""

    @property
    def last_frame_at(self) -> float | None: ...


def age_ms(tick: int, received_at: float) -> int:
    """Milliseconds from the update's receipt to the tick (0 when it arrived after the tick)."""
    return max(0, round((tick - received_at) * 1000))


def is_fresh(tick: int, top: TopOfBook, link: LinkView, stale_after: float) -> bool:
    """Whether the source of ``top`` can still be trusted at ``tick``."""
    if top.source == "ws":
        # A WS top stays current while the link carries any traffic (data or keep-alive).
        last = link.last_frame_at
        return last is not None and tick - last <= stale_after
    return tick - top.received_at <= stale_after


def rule_of(tick: int, top: TopOfBook, link: LinkView, stale_after: float) -> StatusRule:
    """The line of the status table that decides the row of ``top`` at ``tick``."""
    return status_rule(
        has_top=True,
        fresh=is_fresh(tick, top, link, stale_after),
        two_sided=not top.is_empty,
        crossed=top.is_crossed,
    )


def status_of(tick: int, top: TopOfBook, link: LinkView, stale_after: float) -> Status:
    """The status of the row of ``top`` at ``tick`` (see ``STATUS_TABLE``)."""
    return rule_of(tick, top, link, stale_after).status


def observe(
    tick: int, top: TopOfBook | None, link: LinkView, stale_after: float, book: str | None = None
) -> Observation:
    """The row of ``tick`` for the book of ``top`` (or ``book`` when there is no top at all)."""
    if top is None:
        if book is None:
            raise ValueError("observe() needs a book name when there is no top of book")
        return Observation.missing(tick, book)
    rule = rule_of(tick, top, link, stale_after)
    return Observation(
        tick=tick,
        book=top.book,
        bid=top.bid if rule.keeps_prices else None,
        ask=top.ask if rule.keeps_prices else None,
        spread=top.spread if rule.keeps_spread else None,
        exchange_timestamp=top.exchange_timestamp,
        received_at=top.received_at,
        age_ms=age_ms(tick, top.received_at),
        source=top.source,
        status=rule.status,
        sequence=top.sequence,
    )
