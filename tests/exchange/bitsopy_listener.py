"""Rebuild one book with the official ``bitso-py`` 3.0.1 client (its WebSocket listener, its
models, its REST ``order_book``); only the URLs are changed. Run by ``test_bitso_py.py`` with
``.venv-bitsopy/bin/python``; prints the book as JSON (oid -> [side, price, amount], sequence).

Usage: bitsopy_listener.py REST_URL WS_URL BOOK SECONDS
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

import bitso  # type: ignore[import-not-found]
from bitso.bitsows import Client, Listener  # type: ignore[import-not-found]


class Book(Listener):  # type: ignore[misc]
    """Bitso's documented procedure over bitso-py's own parsed messages."""

    def __init__(self, api: Any, book: str) -> None:
        self.api, self.book = api, book
        self.lock = threading.Lock()
        self.queue: list[Any] = []
        self.orders: dict[str, tuple[str, str, str]] | None = None
        self.sequence = -1
        self.resyncs = 0

    def on_update(self, update: Any) -> None:
        if update.channel != "diff-orders" or update.sequence_number is None:
            return
        with self.lock:
            if self.orders is None:
                self.queue.append(update)
            elif update.sequence_number == self.sequence + 1:
                self._apply(update)
            elif update.sequence_number > self.sequence:  # a gap: start over
                self.orders, self.queue = None, [update]
                self.resyncs += 1

    def _apply(self, update: Any) -> None:
        assert self.orders is not None
        for change in update.updates:
            if change.amount == 0:
                self.orders.pop(change.oid, None)
            else:
                self.orders[change.oid] = (change.side, str(change.rate), str(change.amount))
        self.sequence = update.sequence_number

    def snapshot(self) -> None:
        rest = self.api.order_book(self.book, aggregate=False)
        with self.lock:
            orders = {o.oid: ("bid", str(o.price), str(o.amount)) for o in rest.bids}
            orders |= {o.oid: ("ask", str(o.price), str(o.amount)) for o in rest.asks}
            self.orders, self.sequence = orders, rest.sequence
            queued, self.queue = self.queue, []
            for update in queued:
                if update.sequence_number <= self.sequence:
                    continue
                if update.sequence_number != self.sequence + 1:
                    self.orders, self.queue = None, []
                    self.resyncs += 1
                    return
                self._apply(update)


def main() -> None:
    rest_url, ws_url, book, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    api = bitso.Api()
    api.base_url = rest_url
    listener = Book(api, book)
    client = Client(listener)
    client.ws_client.url = ws_url
    threading.Thread(target=client.connect, args=(["diff-orders"], book), daemon=True).start()
    ends = time.monotonic() + seconds
    time.sleep(0.5)
    while time.monotonic() < ends:
        if listener.orders is None:
            listener.snapshot()
        time.sleep(0.2)
    with listener.lock:
        out = {"sequence": listener.sequence, "orders": listener.orders,
               "resyncs": listener.resyncs}  # fmt: skip
    print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
