"""The REST views that describe what is traded: ``available_books`` and ``catalogues``.

Order limits of the books in the recorded ``available_books`` are served exactly as recorded (see
``calibration.py``); price limits follow each book's price level, because the recorded ones (2017)
sit below today's prices.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitsodata.simulator.calibration import profile
from bitsodata.simulator.engine import BookState
from bitsodata.simulator.formatting import dec
from bitsodata.simulator.specs import BookSpec

FEES = {
    "flat_rate": {"maker": "0.500", "taker": "0.650"},
    "structure": [
        {"volume": "1500000", "maker": "0.00500", "taker": "0.00650"},
        {"volume": "2000000", "maker": "0.00490", "taker": "0.00637"},
    ],
}
CURRENCIES: dict[str, tuple[str, str, str]] = {
    # code: (full name, type, colour)
    "btc": ("Bitcoin", "crypto", "F7931A"),
    "eth": ("Ether", "crypto", "616161"),
    "xrp": ("XRP", "crypto", "00A4DF"),
    "bch": ("Bitcoin Cash", "crypto", "8DC351"),
    "mxn": ("Mexican Peso", "fiat", "00A859"),
    "usd": ("US Dollar", "fiat", "85BB65"),
}


def _plain(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1)) if value >= 1 else value.normalize()


def _derived_limits(spec: BookSpec) -> dict[str, str]:
    return {
        "minimum_amount": dec(Decimal(1).scaleb(-spec.amount_decimals)),
        "maximum_amount": dec(_plain(Decimal(repr(spec.order_size)) * 10_000)),
        "minimum_value": "10.00",
        "maximum_value": "200000000",
    }


def available_book(state: BookState) -> dict[str, Any]:
    spec = state.spec
    limits = profile().limits.get(spec.book) or _derived_limits(spec)
    return {
        "book": spec.book,
        "default_chart": spec.default_chart,
        "minimum_price": dec(_plain(spec.tick * 100)),
        "maximum_price": dec(_plain(Decimal(repr(spec.mid)) * 10)),
        "minimum_amount": limits["minimum_amount"],
        "maximum_amount": limits["maximum_amount"],
        "minimum_value": limits["minimum_value"],
        "maximum_value": limits["maximum_value"],
        "tick_size": dec(spec.tick),
        "margin_enabled": False,
        "fees": FEES,
    }


def catalogues(books: list[BookState]) -> dict[str, Any]:
    """``catalogues``: the currencies of the served books, with their amount precision."""
    precision: dict[str, int] = {}
    for state in books:
        major, minor = state.name.split("_")
        precision.setdefault(major, state.spec.amount_decimals)
        precision.setdefault(minor, 2 if CURRENCIES.get(minor, ("", "fiat"))[1] == "fiat" else 8)
    return {"currencies": {"metadata": [_currency(c, p) for c, p in sorted(precision.items())]}}


def _currency(code: str, precision: int) -> dict[str, Any]:
    name, kind, colour = CURRENCIES.get(code, (code.upper(), "crypto", "9E9E9E"))
    return {
        "code": code,
        "full_name": name,
        "color": colour,
        "precision": precision,
        "display_ticker": code.upper(),
        "type": kind,
    }
