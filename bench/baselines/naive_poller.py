"""The naive spread collector most public solutions write: REST poll, ``sleep(1)``, in-memory batch.

Deliberately naive, for the benchmark: one ``order_book`` request per book per loop (2 books =
120 requests/minute, twice Bitso's budget), ``time.sleep(1)`` after the work (so every loop
drifts by the request time), the timestamp taken from the local clock truncated to the second,
errors skipped, and rows held in memory until 600 have accumulated (a crash loses the batch).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx


def poll_once(client: httpx.Client, rest_url: str, book: str) -> dict[str, Any] | None:
    """One row for one book, or None when the request failed (the naive way: skip it)."""
    try:
        resp = client.get(f"{rest_url}/order_book/", params={"book": book})
        payload = resp.json()["payload"]
        bid = float(payload["bids"][0]["price"])
        ask = float(payload["asks"][0]["price"])
    except Exception:
        return None
    now = datetime.now(tz=UTC).replace(microsecond=0)
    return {
        "orderbook_timestamp": now.isoformat(),
        "book": book,
        "bid": bid,
        "ask": ask,
        "spread": (ask - bid) * 100 / ask,
    }


def run(rest_url: str, books: list[str], duration: float) -> list[dict[str, Any]]:
    """Poll until ``duration`` seconds have passed; every row collected (the in-memory batch)."""
    rows: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    end = time.time() + duration
    with httpx.Client(timeout=5.0) as client:
        while time.time() < end:
            for book in books:
                row = poll_once(client, rest_url, book)
                if row is not None:
                    batch.append(row)
            if len(batch) >= 600:  # "store a file every 600 records"
                rows.extend(batch)
                batch = []
            time.sleep(1)
    return rows + batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rest-url", required=True)
    parser.add_argument("--books", default="btc_mxn,usd_mxn")
    parser.add_argument("--duration", type=float, default=60)
    args = parser.parse_args()
    rows = run(args.rest_url, args.books.split(","), args.duration)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
