"""What a failed command shows the user: exactly one ``error: ...`` line on stderr, no traceback."""

from __future__ import annotations

from typer.testing import Result


def error_line(result: Result) -> str:
    """The one stderr line of a failed in-process run (asserts the failure looks right)."""
    assert result.exit_code not in (0, None), (result.exit_code, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    assert "(a bug;" not in lines[0], f"a bug reached the safety net: {lines[0]}"
    return lines[0]
