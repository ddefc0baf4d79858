"""`make demo`: runs the main jobs offline (filled in as features land)."""

from __future__ import annotations

import subprocess
import sys


def main() -> int:
    return subprocess.call([sys.executable, "-m", "bitsodata", "--help"])


if __name__ == "__main__":
    raise SystemExit(main())
