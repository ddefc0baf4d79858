"""``bitsodata simulate``: the offline Bitso-compatible exchange."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bitsodata.cli import guards
from bitsodata.cli.lazy import sub_app
from bitsodata.cli.state import STATE
from bitsodata.errors import ConfigError
from bitsodata.simulator.config import SimConfig
from bitsodata.simulator.faults import FAULTS, parse_fault

if TYPE_CHECKING:  # aiohttp and the market model load when the server starts
    from bitsodata.simulator.server import SimulatorServer

app = sub_app("simulate")

_FAULT_HELP = (
    "Switch a fault on at start, NAME[:BOOK][=VALUE][@CHANCE]; repeatable. Known: "
    + ", ".join(sorted(FAULTS))
    + ". @CHANCE makes a REST fault hit only that share of requests (http_5xx@0.2: 20 %)."
    + " Change faults at run time with POST/DELETE /_control/faults (see docs/simulator.md)."
)


@app.command("exchange")
def exchange(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            help="Port for REST, WebSocket and control; 0 picks a free one.", min=0, max=65_535
        ),
    ] = 8765,
    books: Annotated[
        str,
        typer.Option(help="Comma-separated books; any lower-case major_minor name is accepted."),
    ] = "btc_mxn,usd_mxn",
    extra_books: Annotated[
        int,
        typer.Option(min=0, help="Add N generic books (sim001_mxn, ...) to test scale."),
    ] = 0,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same books.")] = 1,
    speed: Annotated[
        float, typer.Option(min=0.01, help="Market seconds per wall second (accelerated clock).")
    ] = 1.0,
    fault: Annotated[list[str] | None, typer.Option("--fault", help=_FAULT_HELP)] = None,
    replay: Annotated[
        list[Path] | None,
        typer.Option(
            "--replay",
            help="Recorded observations (CSV/Parquet with orderbook_timestamp, book, bid, ask, or "
            "a folder of them) that drive the books; repeatable.",
        ),
    ] = None,
    replay_loop: Annotated[
        bool, typer.Option(help="Start the recording again when it ends.")
    ] = True,
    ka_interval: Annotated[
        float, typer.Option(min=0.05, help="Seconds between WebSocket keep-alive frames.")
    ] = 5.0,
    rate_limit: Annotated[
        int, typer.Option(min=1, help="REST requests allowed per client IP per window.")
    ] = 60,
    rate_limit_window: Annotated[
        float, typer.Option(min=0.1, help="Length of a rate-limit window in seconds.")
    ] = 60.0,
    rate_limit_status: Annotated[
        int, typer.Option(help="HTTP status of a rate-limit answer (Bitso: 420; or 429).")
    ] = 420,
    lockout_seconds: Annotated[
        float, typer.Option(min=0.0, help="How long a client over the limit is refused.")
    ] = 60.0,
    block_after: Annotated[
        int,
        typer.Option(
            min=0, help="Block a client after N lockouts in a row (Bitso's 24 h block); 0 = never."
        ),
    ] = 0,
    block_seconds: Annotated[
        float, typer.Option(min=0.0, help="How long such a block lasts.")
    ] = 86_400.0,
    update_rate: Annotated[
        float, typer.Option(min=0.01, help="Book updates per market second per book.")
    ] = 3.0,
) -> None:
    """Serve Bitso's public REST API and WebSocket from a simulated market until interrupted.

    Prints `REST http://HOST:PORT/v3` and `WS ws://HOST:PORT/ws` once listening.
    """
    STATE.check()
    names = _books(books)
    for option, value in {
        "--speed": speed,
        "--ka-interval": ka_interval,
        "--rate-limit-window": rate_limit_window,
        "--lockout-seconds": lockout_seconds,
        "--block-seconds": block_seconds,
        "--update-rate": update_rate,
    }.items():
        guards.finite(option, value)
    for path in replay or ():
        if not path.exists():
            raise ConfigError(f"--replay {path} does not exist")
    config = SimConfig(
        host=host,
        port=port,
        books=names,
        extra_books=extra_books,
        seed=seed,
        speed=speed,
        update_rate=update_rate,
        ka_interval=ka_interval,
        rate_limit=rate_limit,
        rate_limit_window=rate_limit_window,
        rate_limit_status=rate_limit_status,
        lockout_seconds=lockout_seconds,
        block_after=block_after,
        block_seconds=block_seconds,
        faults=tuple(parse_fault(f) for f in fault or ()),
        replay=tuple(replay or ()),
        replay_loop=replay_loop,
    )
    guards.free_port(host, port, "--port")
    import asyncio

    asyncio.run(_run(config))


def _books(text: str) -> tuple[str, ...]:
    from bitsodata.lake.layout import check_book

    names = tuple(b.strip() for b in text.split(",") if b.strip())
    for name in names:
        try:
            check_book(name)
        except ValueError:
            raise ConfigError(f"--books: not a book id: {name!r} (expected e.g. btc_mxn)") from None
    return names


async def _run(config: SimConfig) -> None:
    import asyncio
    import signal

    from bitsodata.simulator.server import serve

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(config, stop, _announce)


def _announce(server: SimulatorServer) -> None:
    print(f"REST {server.rest_url}", flush=True)
    print(f"WS {server.ws_url}", flush=True)
    print(f"control: {server.control_url}/faults", file=sys.stderr, flush=True)
