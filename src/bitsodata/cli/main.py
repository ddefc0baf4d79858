"""Root of the CLI: sub-apps ``simulate``, ``spread``, ``alerts``, ``warehouse``.

Failures are translated once, in ``cli.edge``: one ``error: ...`` line on stderr and a non-zero
exit. The sub-apps load when named (``cli.lazy``) and import their library modules inside the
commands, so ``--help`` and argument errors answer without loading DuckDB, Arrow or aiohttp.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bitsodata import __version__
from bitsodata.cli.edge import ErrorEdge
from bitsodata.cli.lazy import LazyRoot
from bitsodata.cli.state import STATE

app = typer.Typer(
    name="bitsodata",
    cls=LazyRoot,
    help="Bitso spread monitor and user-activity warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: Rich's renderer costs more than the rest of --help
)
# simulate, spread, alerts, warehouse: see cli.lazy.SUB_APPS


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bitsodata {__version__}")
        raise typer.Exit()


def _traceback(value: bool) -> None:
    ErrorEdge.show_tracebacks = value


@app.callback()
def root(
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML settings file (also BITSODATA_CONFIG).", exists=False),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_version),
    ] = False,
    traceback: Annotated[
        bool,
        typer.Option(
            "--traceback",
            help="On an unexpected failure (a bug), show the Python traceback.",
            callback=_traceback,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Bitso spread monitor and user-activity warehouse."""
    STATE.config_file = config


def main() -> None:
    """Entry point of the ``bitsodata`` script."""
    app()
