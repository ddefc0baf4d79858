"""A Bitso-compatible exchange that runs offline: REST, WebSocket, rate limits and faults.

``SimulatorServer(SimConfig(...))`` is the entry point; ``bitsodata simulate exchange`` runs it.
The server (aiohttp, the market model) loads on first use, so the fault list and the config stay
cheap to import for the command line's help.
"""

from typing import TYPE_CHECKING, Any

from bitsodata.simulator.config import SimConfig
from bitsodata.simulator.faults import FAULTS, Fault, FaultSet, parse_fault

if TYPE_CHECKING:
    from bitsodata.simulator.server import SimulatorServer

__all__ = ["FAULTS", "Fault", "FaultSet", "SimConfig", "SimulatorServer", "parse_fault"]


def __getattr__(name: str) -> Any:
    if name == "SimulatorServer":
        from bitsodata.simulator.server import SimulatorServer

        return SimulatorServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
