"""Named crash points for durability tests: ``kill -9`` of this process at an exact step.

Off unless the environment variable ``_BITSODATA_CRASH_AT`` names a point (``name`` or
``name@N`` for its N-th pass), read once at import. The end-to-end tests start the real collector
with it to prove that no crash between two steps loses or reorders an alert.
"""

from __future__ import annotations

import os
import signal

_SPEC = os.environ.get("_BITSODATA_CRASH_AT", "")
_NAME, _, _NTH = _SPEC.partition("@")
_passes = 0


def crash_point(name: str) -> None:
    """Die at once (SIGKILL: no cleanup, no flush) when this is the chosen point and pass."""
    global _passes
    if not _NAME or name != _NAME:
        return
    _passes += 1
    if _passes >= int(_NTH or 1):
        os.kill(os.getpid(), signal.SIGKILL)
