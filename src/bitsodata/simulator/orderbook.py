"""A book of individual resting orders that follows a moving top of book.

``SimBook.move(bid, ask)`` makes the best bid and ask equal the targets, lets takers trade against
the best orders (Poisson arrivals, sizes as recorded), churns the depth and keeps the depth within
1 % of the best price near what the liquidity factor asks for. Level gaps and sizes are drawn from
the recorded order book (``calibration.py``). It returns every order change (for ``diff-orders``)
and every fill (for ``trades``).
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from bitsodata.simulator.calibration import DepthProfile, minimum_amount, profile
from bitsodata.simulator.formatting import quantize
from bitsodata.simulator.liquidity import Liquidity
from bitsodata.simulator.specs import BookSpec
from bitsodata.simulator.tape import poisson

BID, ASK = 0, 1
_OID_ALPHABET = string.ascii_letters + string.digits
MIN_LEVELS, MAX_LEVELS = 30, 70
BAND = 0.01
"""Depth is steered within this fraction of the best price."""
ORDERS_PER_LEVEL = ((1, 2, 3), (6, 3, 1))
MEAN_ORDERS_PER_LEVEL = 1.5
SEED_LEVELS = 50
"""Levels per side of a fresh book, on average."""


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

    def __init__(
        self,
        spec: BookSpec,
        rng: random.Random,
        *,
        depth: DepthProfile | None = None,
        liquidity: Liquidity | None = None,
    ) -> None:
        self.spec = spec
        self.rng = rng
        self.depth = depth or profile()
        self.liquidity = liquidity or Liquidity(random.Random(rng.random()))
        self.factor = self.liquidity.factor()
        """Current depth factor (1 = the recorded depth)."""
        self.orders: dict[str, SimOrder] = {}
        self.last_ms: int | None = None
        self._moves = 0
        self._ticks_per_gap = spec.mid * spec.level_gap / self.depth.mean_gap / float(spec.tick)
        self._band_depth = band_depth(spec, self.depth)
        self._unit = minimum_amount(spec.book, spec.amount_decimals)

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
        self.last_ms = now_ms
        for side, top in ((BID, bid), (ASK, ask)):
            price = top
            for _ in range(self.rng.randint(SEED_LEVELS - 15, SEED_LEVELS + 15)):
                for _ in range(self._orders_per_level()):
                    self._new(side, price, now_ms - self.rng.randint(1_000, 3_600_000))
                price = self._deeper(side, price)
                if price <= 0:
                    break

    def move(self, bid: Decimal, ask: Decimal, now_ms: int) -> tuple[list[Change], list[Fill]]:
        """Make ``bid``/``ask`` the best prices; returns changes and fills in order."""
        dt = 0.0 if self.last_ms is None else max(0.0, (now_ms - self.last_ms) / 1000)
        self.last_ms = now_ms
        stressed = float((ask - bid) / ask) * 100 > 3 * self.spec.spread_pct
        self.factor = self.liquidity.step(dt, stressed=stressed)
        changes: list[Change] = []
        fills: list[Fill] = []
        for side, top in ((BID, bid), (ASK, ask)):
            self._clear_through(side, top, now_ms, changes)
        self._takers(dt, now_ms, changes, fills)
        for side, top in ((BID, bid), (ASK, ask)):
            if self.best(side) != top:
                changes.append(self._open(self._new(side, top, now_ms), now_ms))
        for _ in range(self.rng.randint(0, 3)):
            self._churn(now_ms, changes)
        for side in (BID, ASK):
            self._keep_depth(side, now_ms, changes)
        self._moves += 1
        self._steer_depth(self._moves % 2, now_ms, changes)  # one side per move is enough
        return changes, fills

    # -- drawing -----------------------------------------------------------------------------
    def _orders_per_level(self) -> int:
        return self.rng.choices(*ORDERS_PER_LEVEL)[0]

    def _deeper(self, side: int, price: Decimal) -> Decimal:
        """The next level's price: a recorded gap, wider when the book is thin."""
        relative = self.depth.gaps.draw(self.rng) / math.sqrt(self.factor)
        steps = max(1, round(relative * self._ticks_per_gap))
        delta = self.spec.tick * steps
        return price - delta if side == BID else price + delta

    def new_oid(self) -> str:
        """16 alphanumeric characters, like Bitso's order ids."""
        number = self.rng.getrandbits(96)
        chars = []
        for _ in range(16):
            number, digit = divmod(number, 62)
            chars.append(_OID_ALPHABET[digit])
        return "".join(chars)

    def order_amount(self) -> Decimal:
        """One resting order: a recorded level size split over its orders, smaller when thin."""
        size = (
            self.spec.level_median / MEAN_ORDERS_PER_LEVEL * self.depth.level_sizes.draw(self.rng)
        )
        return self._amount(size * math.sqrt(self.factor))

    def trade_amount(self) -> Decimal:
        return self._amount(self.spec.trade_median * self.depth.trade_sizes.draw(self.rng))

    def _amount(self, size: float) -> Decimal:
        return max(self._unit, quantize(Decimal(repr(size)), self.spec.amount_decimals))

    # -- internals ---------------------------------------------------------------------------
    def _new(self, side: int, price: Decimal, created_ms: int) -> SimOrder:
        oid = self.new_oid()
        order = SimOrder(oid, side, price, self.order_amount(), created_ms, self.rng.random() < 0.7)
        self.orders[oid] = order
        return order

    @staticmethod
    def _open(order: SimOrder, now_ms: int) -> Change:
        return Change(order, "open", now_ms, order.amount)

    def _remove(self, order: SimOrder, status: str, now_ms: int) -> Change:
        del self.orders[order.oid]
        return Change(order, status, now_ms, None)

    def _clear_through(self, side: int, top: Decimal, now_ms: int, changes: list[Change]) -> None:
        """Orders better than the new top are withdrawn (their makers requote)."""
        better = [
            o
            for o in self.orders.values()
            if o.side == side and (o.price > top if side == BID else o.price < top)
        ]
        better.sort(key=lambda o: (o.price, o.created_ms), reverse=(side == BID))
        for order in better:
            changes.append(self._remove(order, "cancelled", now_ms))

    def _takers(self, dt: float, now_ms: int, changes: list[Change], fills: list[Fill]) -> None:
        """Market orders arriving in ``dt`` seconds, each walking one side from its best order."""
        for _ in range(poisson(self.rng, self.spec.trade_rate * dt)):
            side = self.rng.choice((BID, ASK))
            self._take(side, self.trade_amount(), self.new_oid(), now_ms, changes, fills)

    def _take(
        self,
        side: int,
        wanted: Decimal,
        taker: str,
        now_ms: int,
        changes: list[Change],
        fills: list[Fill],
    ) -> None:
        maker_side = "buy" if side == BID else "sell"
        for order in self.side(side):
            if wanted <= 0:
                break
            taken = min(order.amount, wanted)
            wanted -= taken
            fills.append(Fill(order.price, taken, maker_side, order.oid, taker, now_ms))
            if taken == order.amount:
                changes.append(self._remove(order, "completed", now_ms))
            else:
                order.amount -= taken
                changes.append(Change(order, "open", now_ms, order.amount))

    def _churn(self, now_ms: int, changes: list[Change]) -> None:
        side = self.rng.choice((BID, ASK))
        orders = self.side(side)
        if not orders:
            return
        if self.rng.random() < 0.5:  # a new order somewhere in the book
            price = orders[0].price
            for _ in range(self.rng.randint(0, 12)):
                price = self._deeper(side, price)
            if price > 0:
                changes.append(self._open(self._new(side, price, now_ms), now_ms))
        else:  # a cancellation below the best level
            deeper = [o for o in orders if o.price != orders[0].price]
            if deeper:
                changes.append(self._remove(self.rng.choice(deeper[:40]), "cancelled", now_ms))

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

    def _steer_depth(self, side: int, now_ms: int, changes: list[Change]) -> None:
        """One step towards the depth the liquidity factor asks for within ``BAND`` of the best
        price: the largest order there is withdrawn, or a new one joins."""
        best = self.best(side)
        if best is None:
            return
        edge = best * Decimal(repr(1 - BAND if side == BID else 1 + BAND))
        inside = [
            o
            for o in self.orders.values()
            if o.side == side and (o.price >= edge if side == BID else o.price <= edge)
        ]
        held = float(sum(o.amount for o in inside))
        target = self._band_depth * self.factor
        if held > 1.3 * target:
            deeper = [o for o in inside if o.price != best]
            if deeper:
                biggest = max(deeper, key=lambda o: (o.amount, o.oid))
                changes.append(self._remove(biggest, "cancelled", now_ms))
        elif held < 0.75 * target:
            steps = max(1, round(self.rng.random() * BAND * float(best / self.spec.tick)))
            offset = self.spec.tick * steps
            price = best - offset if side == BID else best + offset
            if price > 0:
                changes.append(self._open(self._new(side, price, now_ms), now_ms))


def band_depth(spec: BookSpec, depth: DepthProfile) -> float:
    """The median depth within ``BAND`` of the best price of a book drawn at factor 1 (a fixed
    simulation, so every run of every seed steers towards the same level)."""
    one_tick = float(f"{float(spec.tick) / spec.mid:.2g}")
    return spec.level_median * _unit_band_depth(spec.level_gap, one_tick, depth)


@cache
def _unit_band_depth(level_gap: float, one_tick: float, depth: DepthProfile) -> float:
    """``band_depth`` for a median level of 1 (books with alike grids share it)."""
    rng = random.Random(f"{level_gap}:{one_tick}:band")
    per_order = 1 / MEAN_ORDERS_PER_LEVEL
    scale = level_gap / depth.mean_gap
    sums = []
    for _ in range(101):
        distance, total, levels = 0.0, 0.0, 0
        while distance <= BAND and levels < SEED_LEVELS:
            levels += 1
            for _ in range(rng.choices(*ORDERS_PER_LEVEL)[0]):
                total += per_order * depth.level_sizes.draw(rng)
            distance += max(one_tick, depth.gaps.draw(rng) * scale)
        sums.append(total)
    return sorted(sums)[len(sums) // 2]
