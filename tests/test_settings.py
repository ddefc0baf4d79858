from __future__ import annotations

from pathlib import Path

import pytest

from bitsodata.errors import ConfigError
from bitsodata.settings import load_settings


def test_defaults_point_at_the_real_exchange() -> None:
    s = load_settings()
    assert s.exchange.rest_url == "https://api.bitso.com/v3"
    assert s.exchange.ws_url == "wss://ws.bitso.com"
    assert s.monitor.books == ("btc_mxn", "usd_mxn")
    assert s.monitor.window_seconds == 600


def test_environment_overrides_nested_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BITSODATA_MONITOR__WINDOW_SECONDS", "10")
    monkeypatch.setenv("BITSODATA_LAKE__URL", "s3://bucket/prefix")
    s = load_settings()
    assert s.monitor.window_seconds == 10
    assert s.lake.url == "s3://bucket/prefix"


def test_toml_file_is_read_and_env_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "b.toml"
    cfg.write_text('[monitor]\nwindow_seconds = 60\nbooks = ["eth_mxn"]\n[lake]\nurl = "/x"\n')
    monkeypatch.setenv("BITSODATA_LAKE__URL", "/y")
    s = load_settings(cfg)
    assert s.monitor.window_seconds == 60
    assert s.monitor.books == ("eth_mxn",)
    assert s.lake.url == "/y"


def test_unknown_keys_are_rejected(tmp_path: Path) -> None:
    cfg = tmp_path / "b.toml"
    cfg.write_text("[monitor]\nwindow_secnds = 60\n")
    with pytest.raises(ConfigError, match="window_secnds"):
        load_settings(cfg)


def test_unknown_section_is_rejected(tmp_path: Path) -> None:
    cfg = tmp_path / "b.toml"
    cfg.write_text("[monitr]\nx = 1\n")
    with pytest.raises(ConfigError):
        load_settings(cfg)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_secrets_do_not_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BITSODATA_LAKE__S3_SECRET_ACCESS_KEY", "hunter2")
    s = load_settings()
    assert "hunter2" not in repr(s)
    assert s.lake.s3_secret_access_key is not None
    assert s.lake.s3_secret_access_key.get_secret_value() == "hunter2"
