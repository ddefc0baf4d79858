"""Counters of the exchange feed, read by the metrics exporter."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FeedStats:
    """Monotonic counters; ``rest_requests`` is keyed ``"<endpoint>:<outcome>"``.

    Outcomes: ``ok``, ``rate_limited``, ``unavailable`` (timeouts, 5xx, HTML), ``error`` (error
    envelopes and unparsable answers). Calls refused by the budget send nothing and are not counted.
    """

    ws_reconnects: int = 0
    ws_messages: int = 0
    rest_requests: dict[str, int] = field(default_factory=dict)
    rest_lockouts: int = 0
    parse_errors: int = 0

    def count_rest(self, endpoint: str, outcome: str) -> None:
        """One REST request that left the process, by endpoint and outcome."""
        key = f"{endpoint}:{outcome}"
        self.rest_requests[key] = self.rest_requests.get(key, 0) + 1

    def rest_total(self, endpoint: str | None = None) -> int:
        """REST requests sent, for one endpoint or all of them."""
        return sum(
            n
            for k, n in self.rest_requests.items()
            if endpoint is None or k.split(":")[0] == endpoint
        )
