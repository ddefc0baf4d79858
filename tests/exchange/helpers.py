"""Small async helpers shared by the feed tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from bitsodata.exchange.feed import BitsoFeed


@asynccontextmanager
async def running(feed: BitsoFeed, stop_within: float = 3.0) -> AsyncIterator[None]:
    """Run ``feed`` for the body of the block; stopping must be prompt whatever the link does."""
    stop = asyncio.Event()
    task = asyncio.create_task(feed.run(stop))
    try:
        yield
    finally:
        stop.set()
        async with asyncio.timeout(stop_within):
            await task


async def eventually(condition: Callable[[], bool], timeout: float = 8.0) -> None:
    """Poll ``condition`` until it holds; fail (TimeoutError) after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
