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


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("BITSODATA_LAKE_URL", "did you mean BITSODATA_LAKE__URL?"),
        ("BITSODATA_BOGUS__X", "BITSODATA_<SECTION>__<KEY>"),
        ("BITSODATA_MONITOR__WINDOW_SECS", "BITSODATA_<SECTION>__<KEY>"),
        ("bitsodata_lake__urll", "did you mean BITSODATA_LAKE__URL?"),
    ],
)
def test_environment_variables_that_match_no_setting_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, hint: str
) -> None:
    monkeypatch.setenv(name, "x")
    with pytest.raises(ConfigError, match="unknown setting in the environment") as caught:
        load_settings()
    assert name in str(caught.value) and hint in str(caught.value)


def test_every_real_setting_and_the_config_variable_are_accepted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cfg = tmp_path / "b.toml"
    cfg.write_text("")
    monkeypatch.setenv("BITSODATA_CONFIG", str(cfg))
    monkeypatch.setenv("bitsodata_lake__url", "/lower/case")
    monkeypatch.setenv("BITSODATA_MONITOR", '{"window_seconds": 60}')
    s = load_settings()
    assert s.lake.url == "/lower/case" and s.monitor.window_seconds == 60


@pytest.mark.parametrize(
    ("env", "value", "says"),
    [
        ("BITSODATA_LAKE__S3_SECRET_ACCESS_KEYY", "hunter2-secret", "S3_SECRET_ACCESS_KEYY"),
        ("BITSODATA_ALERTS__WEBHOOK_URL", "https://h:99999/hunter2-secret", "alerts.webhook_url"),
        ("BITSODATA_ALERTS__WEBHOOK_URL", "hunter2-secret", "alerts.webhook_url"),
    ],
)
def test_errors_name_the_key_never_the_value(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, says: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert says in message and "hunter2" not in message
    assert "pydantic" not in message and "input_value" not in message and "\n" not in message


def test_a_toml_error_names_the_file_and_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "b.toml"
    cfg.write_text("[lake]\ns3_secret_access_key = 31337\n[monitr]\nx = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(cfg)
    message = str(caught.value)
    assert f"invalid setting lake.s3_secret_access_key in {cfg}" in message
    assert "unknown setting monitr" in message and "did you mean monitor?" in message
    assert "31337" not in message


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    cfg = tmp_path / "b.toml"
    cfg.write_text("[monitor\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(cfg)


def test_command_line_overrides_are_named_as_such() -> None:
    with pytest.raises(ConfigError, match=r"monitor.format \(from the command line\)"):
        load_settings(monitor={"format": "xlsx"})


@pytest.mark.parametrize(
    ("section", "values", "says"),
    [
        ("logging", {"level": "LOUD"}, "must be one of DEBUG"),
        ("monitor", {"metrics_port": 70_000}, "less than or equal to 65535"),
        ("monitor", {"metrics_host": "a b"}, "interface address"),
        ("monitor", {"window_seconds": 7}, "must divide 86400"),
        ("monitor", {"books": ("BTC/MXN",)}, "not a book id"),
        ("monitor", {"books": ()}, "at least one book"),
        ("exchange", {"rest_url": "api.bitso.com"}, "https://host"),
        ("exchange", {"ws_url": "https://ws.bitso.com"}, "wss://host"),
        ("warehouse", {"db": "mysql://u@h/db"}, "mysql:// is not supported"),
    ],
)
def test_values_are_checked_when_loaded(section: str, values: dict[str, object], says: str) -> None:
    with pytest.raises(ConfigError, match=f"{section}\\.") as caught:
        load_settings(**{section: values})
    assert says in str(caught.value)


def test_log_level_is_case_insensitive_and_the_metrics_server_stays_on_loopback() -> None:
    s = load_settings(logging={"level": "debug"})
    assert s.logging.level == "DEBUG"
    assert s.monitor.metrics_host == "127.0.0.1"
