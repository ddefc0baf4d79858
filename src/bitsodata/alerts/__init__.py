"""Spread and data-quality alerts: observations in, FIRING/RESOLVED transitions out to sinks.

``rules`` (TOML rules, hot reload) → ``engine`` (pure state machine) → ``sinks`` (log, lake alert
log, ``webhook`` outbox); ``replay`` re-runs rules over the lake.
"""
