"""The simulator fixtures (``exchange``, ``make_exchange``) for every test in this folder."""

from tests.fakes.exchange import exchange, make_exchange  # noqa: F401
