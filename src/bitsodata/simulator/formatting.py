"""How the wire spells numbers and times: decimal strings, three ISO-8601 styles, epoch ms."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

ISO_STYLES = ("colon", "nocolon", "millis")


def dec(value: Decimal) -> str:
    """Plain positional notation, never an exponent, keeping the value's own decimals."""
    return format(value, "f")


def short(value: Decimal) -> str:
    """Without trailing zeros (``"1.2"``, ``"40000"``), as Bitso sometimes sends amounts."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def quantize(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals))


def on_grid(value: Decimal, tick: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """``value`` rounded to a multiple of ``tick`` and spelled with the tick's decimals
    (``17.52`` on a 0.001 grid is ``17.520``; ``1164930.0`` on a 10 grid is ``1164930``)."""
    steps = (value / tick).to_integral_value(rounding=rounding).quantize(Decimal(1))
    return steps * tick


def iso(epoch_ms: int, style: str = "colon") -> str:
    """``...T23:08:33+00:00`` (colon), ``...+0000`` (nocolon), ``...33.000+00:00`` (millis)."""
    dt = datetime.fromtimestamp(epoch_ms // 1000, tz=UTC)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if style == "nocolon":
        return base + "+0000"
    if style == "millis":
        return f"{base}.{epoch_ms % 1000:03d}+00:00"
    return base + "+00:00"
