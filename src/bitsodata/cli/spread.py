"""``bitsodata spread``: collect one observation per book per second into the lake, and query it."""

from __future__ import annotations

from bitsodata.cli import spread_collect, spread_lake, spread_report
from bitsodata.cli.lazy import sub_app

app = sub_app("spread")
spread_collect.register(app)
spread_lake.register(app)
spread_report.register(app)
