"""The spread collector: 1 Hz sampler -> journal -> windows -> lake, with alerts and metrics.

Entry points: ``monitor.app.run_collector(settings, duration=...)`` (the CLI's), and
``monitor.service.Collector(settings.monitor, Parts(...), clock)`` to wire fakes in tests.
"""
