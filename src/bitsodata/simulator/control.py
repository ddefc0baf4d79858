"""The control endpoint: switch faults and look inside the simulator while it runs.

GET    /_control/faults            -> {"active": [...], "known": {name: description}}
POST   /_control/faults            {"name": "frozen", "book": "btc_mxn", "value": null}
                                    (``"chance": 0.2`` makes a REST fault hit 20 % of requests)
                                    (a list of such objects is accepted too)
DELETE /_control/faults[?name=&book=] -> switch matching faults off (all without a query)
POST   /_control/advance           {"seconds": 5} -> move market time by hand
GET    /_control/state             -> books, sequences, request counts, connections
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bitsodata.errors import ConfigError
from bitsodata.simulator.engine import Exchange
from bitsodata.simulator.faults import FAULTS, Fault, FaultSet
from bitsodata.simulator.rest import RestApi
from bitsodata.simulator.ws import WsHub

PREFIX = "/_control"


class ControlApi:
    """Run-time switches; not part of Bitso's API and not rate limited."""

    def __init__(self, exchange: Exchange, faults: FaultSet, rest: RestApi, hub: WsHub) -> None:
        self.exchange = exchange
        self.faults = faults
        self.rest = rest
        self.hub = hub

    def install(self, app: web.Application) -> None:
        app.router.add_get(f"{PREFIX}/faults", self.list_faults)
        app.router.add_post(f"{PREFIX}/faults", self.set_faults)
        app.router.add_delete(f"{PREFIX}/faults", self.clear_faults)
        app.router.add_post(f"{PREFIX}/advance", self.advance)
        app.router.add_get(f"{PREFIX}/state", self.state)

    def _listing(self) -> dict[str, Any]:
        return {"active": [f.to_dict() for f in self.faults.active()], "known": FAULTS}

    async def list_faults(self, request: web.Request) -> web.Response:
        return web.json_response(self._listing())

    async def set_faults(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            items = body if isinstance(body, list) else [body]
            faults = [_fault(item) for item in items]
        except (ValueError, TypeError, KeyError, ConfigError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        for fault in faults:
            self.faults.set(fault)
        return web.json_response(self._listing())

    async def clear_faults(self, request: web.Request) -> web.Response:
        cleared = self.faults.clear(request.query.get("name"), request.query.get("book"))
        return web.json_response({"cleared": cleared, **self._listing()})

    async def advance(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.exchange.advance(float(body.get("seconds", 1.0)))
        return web.json_response({"elapsed": self.exchange.elapsed})

    async def state(self, request: web.Request) -> web.Response:
        books = {
            name: {"sequence": s.sequence, "updated_ms": s.updated_ms, "orders": len(s.book.orders)}
            for name, s in self.exchange.books.items()
        }
        return web.json_response(
            {
                "elapsed": self.exchange.elapsed,
                "books": books,
                "requests": {f"{raw} {canon}": n for (raw, canon), n in self.rest.counts.items()},
                "ws_connections": len(self.hub.connections),
                "ws_connects": self.hub.connects,
                "lockouts": self.rest.limiter.lockouts,
                "blocks": self.rest.limiter.blocks,
            }
        )


def _fault(item: Any) -> Fault:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise ValueError('a fault is {"name": ..., "book": ..., "value": ..., "chance": ...}')
    value, chance = item.get("value"), item.get("chance")
    return Fault(
        item["name"],
        item.get("book"),
        float(value) if value is not None else None,
        float(chance) if chance is not None else None,
    )
