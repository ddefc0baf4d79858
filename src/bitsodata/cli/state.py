"""Options of the root command shared with the sub-apps (the settings file)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pydantic loads when a command asks for its settings, not for --help
    from bitsodata.settings import Settings


@dataclass
class CliState:
    config_file: Path | None = None

    def settings(self, **overrides: Any) -> Settings:
        """Settings from the config file and environment, with CLI flag overrides on top."""
        from bitsodata.logs import configure_logging
        from bitsodata.settings import load_settings

        settings = load_settings(self.config_file, **overrides)
        configure_logging(settings.logging.level, settings.logging.format)
        return settings

    def check(self) -> None:
        """Refuse a broken settings file or a mistyped ``BITSODATA_*`` variable, also in the
        commands that need no setting (a typo must not pass silently anywhere)."""
        from bitsodata.settings import load_settings

        load_settings(self.config_file)


STATE = CliState()
