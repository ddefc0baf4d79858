"""The one place where failures become what the user reads: one line on stderr, a non-zero exit.

``BitsodataError`` -> its message, exit 1; a bad command line -> Click's message, exit 2; an
``OSError`` (a path, a socket) -> its reason and the path, exit 1; anything else is a bug, still
one line (``--traceback`` shows the Python traceback).
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup
from typer.exceptions import Abort

from bitsodata.errors import BitsodataError

USAGE_EXIT = 2
FAIL_EXIT = 1
INTERRUPTED_EXIT = 130


def one_line(text: str) -> str:
    """Several lines joined by ``; `` (a message is one line on stderr, whatever its source)."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def describe_os_error(exc: OSError) -> str:
    """``cannot use afile/j: not a directory`` from ``NotADirectoryError(20, ..., 'afile/j')``."""
    reason = os.strerror(exc.errno).lower() if exc.errno else (exc.strerror or str(exc))
    if exc.errno == errno.EADDRINUSE:
        return f"cannot listen: {reason} (another process holds the port)"
    paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
    if paths:
        return f"cannot use {' -> '.join(paths)}: {reason}"
    return reason


def _engine(exc: Exception) -> str | None:
    module = type(exc).__module__
    if module.startswith(("duckdb", "_duckdb")):
        return "DuckDB"
    if module.startswith("psycopg"):
        return "PostgreSQL"
    return None


def describe(exc: BaseException) -> tuple[str, int]:
    """The message and exit code of a failure that reached the command line."""
    if isinstance(exc, BitsodataError):
        return str(exc), FAIL_EXIT
    if isinstance(exc, UsageError):
        where = exc.ctx.command_path if exc.ctx is not None else "bitsodata"
        return f"{exc.format_message()} (see `{where} --help`)", USAGE_EXIT
    if isinstance(exc, ClickException):
        return exc.format_message(), exc.exit_code or FAIL_EXIT
    if isinstance(exc, Abort):
        return "aborted", FAIL_EXIT
    if isinstance(exc, OSError):
        return describe_os_error(exc), FAIL_EXIT
    if isinstance(exc, Exception) and (engine := _engine(exc)) is not None:
        first = next(iter(str(exc).splitlines()), "")
        return f"{engine}: {first}", FAIL_EXIT
    name = type(exc).__name__
    return f"unexpected {name}: {exc} (a bug; --traceback shows where)", FAIL_EXIT


def report(message: str) -> None:
    """Print ``error: <message>`` as one line on stderr."""
    typer.secho(f"error: {one_line(message)}", err=True, fg="red")


class ErrorEdge(TyperGroup):
    """The root command: runs the CLI non-standalone and translates whatever escapes."""

    show_tracebacks = False
    """Set by the root ``--traceback`` option: unexpected failures are re-raised as they are."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        def run() -> Any:
            return super(ErrorEdge, self).main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )

        if not standalone_mode:
            return run()
        ErrorEdge.show_tracebacks = False
        try:
            result = run()
        except KeyboardInterrupt:
            sys.exit(INTERRUPTED_EXIT)
        except NoArgsIsHelpError as exc:  # a bare group: its help, as Click would show it
            exc.show()
            sys.exit(exc.exit_code)
        except Exception as exc:
            message, code = describe(exc)
            known = isinstance(exc, BitsodataError | ClickException | Abort | OSError)
            if ErrorEdge.show_tracebacks and not known:
                raise
            report(message)
            sys.exit(code)
        sys.exit(result if isinstance(result, int) else 0)
