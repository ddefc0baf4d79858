"""A book of individual resting orders that follows a moving top of book.

``SimBook.move(bid, ask)`` makes the best bid and ask equal the targets and adds some churn
deeper in the book; it returns every order change (for ``diff-orders``) and every fill
(for ``trades``).
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass
from decimal import Decimal

from bitsodata.simulator.formatting import quantize
from bitsodata.simulator.specs import BookSpec

BID, ASK = 0, 1
_OID_ALPHABET = string.ascii_letters + string.digits
MIN_LEVELS, MAX_LEVELS = 30, 70


@dataclass(slots=True)
class SimOrder:
    """One resting order; ``full`` picks how its amount is spelled (8 decimals or trimmed)."""

    oid: str
    side: int
    price: Decimal
    amount: Decimal
    created_ms: int
    full: bool


@dataclass(frozen=True, slots=True)
class Change:
    """One order state change, as ``diff-orders`` reports it."""

    order: SimOrder
    status: str  # open | cancelled | completed
    at_ms: int
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class Fill:
    """A trade against a resting (maker) order."""

    price: Decimal
    amount: Decimal
    maker_side: str  # buy | sell: the side of the resting order
    maker_oid: str
    taker_oid: str
    at_ms: int


class SimBook:
    """Individual orders of one book, best price kept equal to the driver's target."""

    def __init__(self, spec: BookSpec, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.orders: dict[str, SimOrder] = {}
        self.gap_ticks = max(1.0, spec.mid * spec.level_gap / float(spec.tick))

    # -- reading -----------------------------------------------------------------------------
    def side(self, side: int) -> list[SimOrder]:
        """Best first; time priority within a price."""
        orders = [o for o in self.orders.values() if o.side == side]
        if side == BID:
            orders.sort(key=lambda o: (-o.price, o.created_ms, o.oid))
        else:
            orders.sort(key=lambda o: (o.price, o.created_ms, o.oid))
        return orders

    def best(self, side: int) -> Decimal | None:
        prices = [o.price for o in self.orders.values() if o.side == side]
        if not prices:
            return None
        return max(prices) if side == BID else min(prices)

    # -- building ----------------------------------------------------------------------------
    def seed(self, bid: Decimal, ask: Decimal, now_ms: int) -> None:
        """Fill both sides without reporting changes (the state before the first message)."""
        for side, top in ((BID, bid), (ASK, ask)):
            price = top
            for _ in range(self.rng.randint(35, 65)):
                for _ in range(self._orders_per_level()):
                    self._new(side, price, now_ms - self.rng.randint(1_000, 3_600_000))
                price = self._deeper(side, price)
                if price <= 0:
                    break

    def move(self, bid: Decimal, ask: Decimal, now_ms: int) -> tuple[list[Change], list[Fill]]:
        """Make ``bid``/``ask`` the best prices; returns changes and fills in order."""
        changes: list[Change] = []
        fills: list[Fill] = []
        for side, top in ((BID, bid), (ASK, ask)):
            self._clear_through(side, top, now_ms, changes, fills)
        for side, top in ((BID, bid), (ASK, ask)):
            if self.best(side) != top:
                changes.append(self._open(self._new(side, top, now_ms), now_ms))
        for _ in range(self.rng.randint(0, 3)):
            self._churn(now_ms, changes, fills)
        for side in (BID, ASK):
            self._keep_depth(side, now_ms, changes)
        return changes, fills

    # -- internals ---------------------------------------------------------------------------
    def _orders_per_level(self) -> int:
        return self.rng.choices((1, 2, 3), weights=(6, 3, 1))[0]

    def _deeper(self, side: int, price: Decimal) -> Decimal:
        steps = max(1, round(self.rng.expovariate(1 / self.gap_ticks)))
        delta = self.spec.tick * steps
        return price - delta if side == BID else price + delta

    def new_oid(self) -> str:
        """16 alphanumeric characters, like Bitso's order ids."""
        return "".join(self.rng.choices(_OID_ALPHABET, k=16))

    def random_amount(self) -> Decimal:
        size = self.spec.order_size * math.exp(self.rng.gauss(0, 1.2))
        amount = quantize(Decimal(repr(size)), self.spec.amount_decimals)
        return amount if amount > 0 else Decimal(1).scaleb(-self.spec.amount_decimals)

    def _new(self, side: int, price: Decimal, created_ms: int) -> SimOrder:
        oid = self.new_oid()
        order = SimOrder(
            oid, side, price, self.random_amount(), created_ms, self.rng.random() < 0.7
        )
        self.orders[oid] = order
        return order

    @staticmethod
    def _open(order: SimOrder, now_ms: int) -> Change:
        return Change(order, "open", now_ms, order.amount)

    def _remove(self, order: SimOrder, status: str, now_ms: int) -> Change:
        del self.orders[order.oid]
        return Change(order, status, now_ms, None)

    def _fill(self, order: SimOrder, amount: Decimal, now_ms: int) -> Fill:
        taker = self.new_oid()
        maker_side = "buy" if order.side == BID else "sell"
        return Fill(order.price, amount, maker_side, order.oid, taker, now_ms)

    def _clear_through(
        self, side: int, top: Decimal, now_ms: int, changes: list[Change], fills: list[Fill]
    ) -> None:
        """Orders better than the new top leave: filled by a taker or cancelled."""
        better = [
            o
            for o in self.orders.values()
            if o.side == side and (o.price > top if side == BID else o.price < top)
        ]
        better.sort(key=lambda o: (o.price, o.created_ms), reverse=(side == BID))
        for order in better:
            if self.rng.random() < 0.5:
                fills.append(self._fill(order, order.amount, now_ms))
                changes.append(self._remove(order, "completed", now_ms))
            else:
                changes.append(self._remove(order, "cancelled", now_ms))

    def _churn(self, now_ms: int, changes: list[Change], fills: list[Fill]) -> None:
        side = self.rng.choice((BID, ASK))
        orders = self.side(side)
        if not orders:
            return
        op = self.rng.random()
        if op < 0.4:  # a new order somewhere in the book
            price = orders[0].price
            for _ in range(self.rng.randint(0, 12)):
                price = self._deeper(side, price)
            if price > 0:
                changes.append(self._open(self._new(side, price, now_ms), now_ms))
        elif op < 0.75:  # a cancellation below the best level
            deeper = [o for o in orders if o.price != orders[0].price]
            if deeper:
                changes.append(self._remove(self.rng.choice(deeper[:40]), "cancelled", now_ms))
        else:  # a partial fill of the best order: a trade, the amount shrinks
            self._partial_fill(orders[0], now_ms, changes, fills)

    def _partial_fill(
        self, order: SimOrder, now_ms: int, changes: list[Change], fills: list[Fill]
    ) -> None:
        share = Decimal(repr(round(self.rng.uniform(0.1, 0.8), 3)))
        taken = quantize(order.amount * share, self.spec.amount_decimals)
        if taken <= 0 or taken >= order.amount:
            return
        fills.append(self._fill(order, taken, now_ms))
        order.amount -= taken
        changes.append(Change(order, "open", now_ms, order.amount))

    def _keep_depth(self, side: int, now_ms: int, changes: list[Change]) -> None:
        levels = {o.price for o in self.orders.values() if o.side == side}
        if len(levels) > MAX_LEVELS:
            worst = min(levels) if side == BID else max(levels)
            for order in [o for o in self.orders.values() if o.side == side and o.price == worst]:
                changes.append(self._remove(order, "cancelled", now_ms))
        elif levels and len(levels) < MIN_LEVELS:
            price = self._deeper(side, min(levels) if side == BID else max(levels))
            if price > 0:
                changes.append(self._open(self._new(side, price, now_ms), now_ms))
