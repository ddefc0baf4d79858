"""A Bitso-compatible exchange that runs offline: REST, WebSocket, rate limits and faults.

``SimulatorServer(SimConfig(...))`` is the entry point; ``bitsodata simulate exchange`` runs it.
"""

from bitsodata.simulator.config import SimConfig
from bitsodata.simulator.faults import FAULTS, Fault, FaultSet, parse_fault
from bitsodata.simulator.server import SimulatorServer

__all__ = ["FAULTS", "Fault", "FaultSet", "SimConfig", "SimulatorServer", "parse_fault"]
