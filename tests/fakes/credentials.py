"""Secret-looking values for tests that check secrets are never shown: made at run time, never
written in the code. ``TEST_SECRET_<NAME>`` in the environment overrides one (e.g. to reproduce)."""

from __future__ import annotations

import os
import secrets


def fake_secret(name: str) -> str:
    """A fresh token for ``name`` (letters and digits, so it survives URLs and TOML unquoted)."""
    return os.environ.get(f"TEST_SECRET_{name.upper()}") or f"{name}{secrets.token_hex(12)}"
