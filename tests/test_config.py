from pathlib import Path

import pytest

from loket.config import ConfigError, load_settings


def test_env_overrides_file_and_sources_are_recorded(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('server_url = "http://file:1"\nserver_port = 9000\nansi = true\n')
    settings = load_settings(env={"LOKET_SERVER_URL": "http://env:2"}, path=cfg)
    assert settings.server_url == "http://env:2"
    assert settings.sources["server_url"] == "env LOKET_SERVER_URL"
    assert settings.server_port == 9000
    assert settings.sources["server_port"] == f"file {cfg}"
    assert settings.ansi is True
    assert settings.sources["mouse"] == "default"


def test_unknown_key_is_named(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("sever_url = 'x'\n")
    with pytest.raises(ConfigError, match="sever_url"):
        load_settings(env={}, path=cfg)


def test_bad_type_names_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LOKET_SERVER_PORT"):
        load_settings(env={"LOKET_SERVER_PORT": "abc"}, path=tmp_path / "none.toml")


def test_broken_toml_names_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("server_url = \n")
    with pytest.raises(ConfigError, match=str(cfg)):
        load_settings(env={}, path=cfg)


def test_secrets_are_masked_in_display(tmp_path: Path) -> None:
    settings = load_settings(env={"LOKET_TOKEN": "secret-token"}, path=tmp_path / "no.toml")
    shown = {name: value for name, value, _ in settings.public_items()}
    assert shown["token"] == "****"


@pytest.mark.parametrize(
    ("var", "raw", "rule"),
    [
        ("LOKET_MAX_BODY_BYTES", "0", "from 4096 to"),
        ("LOKET_MAX_BODY_BYTES", "-1", "from 4096 to"),
        ("LOKET_SYNC_INTERVAL", "-5", "from 0.1 to 86400 seconds"),
        ("LOKET_SYNC_INTERVAL", "nan", "from 0.1 to 86400 seconds"),
        ("LOKET_STATE_DIR", "", "a directory path"),
        ("LOKET_SERVER_PORT", "99999", "from 1 to 65535"),
        ("LOKET_SERVER_URL", "ftp://x", "http:// or https://"),
        ("LOKET_SERVER_DB", "mysql://x", "sqlite:///PATH or postgresql://"),
        ("LOKET_LOG_LEVEL", "loud", "one of critical"),
        ("LOKET_ANSI", "maybe", "true or false"),
        ("LOKET_REQUEST_HEADER_TIMEOUT", "0", "from 0.1 to 3600 seconds"),
    ],
)
def test_bad_env_value_names_variable_setting_and_rule(
    tmp_path: Path, var: str, raw: str, rule: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env={var: raw}, path=tmp_path / "none.toml")
    message = str(info.value)
    name = var.removeprefix("LOKET_").lower()
    assert f"${var}" in message and f"'{name}'" in message and rule in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("line", "name", "rule"),
    [
        ("server_host = { a = 1 }", "server_host", "a host name"),
        ("server_url = ['http://x']", "server_url", "http://"),
        ("server_port = true", "server_port", "from 1 to 65535"),
        ("server_port = 80.5", "server_port", "from 1 to 65535"),
        ("sync_interval = -1", "sync_interval", "from 0.1"),
        ("ansi = 'yes'", "ansi", "true or false"),
        ("state_dir = ''", "state_dir", "a directory path"),
    ],
)
def test_wrong_type_or_value_in_file_names_file_setting_and_rule(
    tmp_path: Path, line: str, name: str, rule: str
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(line + "\n")
    with pytest.raises(ConfigError) as info:
        load_settings(env={}, path=cfg)
    message = str(info.value)
    assert str(cfg) in message and f"'{name}'" in message and rule in message


def test_state_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    a_file = tmp_path / "state"
    a_file.write_text("")
    with pytest.raises(ConfigError, match="not a file"):
        load_settings(env={"LOKET_STATE_DIR": str(a_file)}, path=tmp_path / "none.toml")


def test_good_values_load_typed(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("sync_interval = 2\nmax_body_bytes = 65536\nlog_level = 'debug'\n")
    settings = load_settings(env={"LOKET_MOUSE": "nee"}, path=cfg)
    assert settings.sync_interval == 2.0 and isinstance(settings.sync_interval, float)
    assert settings.max_body_bytes == 65536 and settings.log_level == "debug"
    assert settings.mouse is False


def test_settings_file_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a settings file"):
        load_settings(env={}, path=tmp_path)


def test_settings_file_with_invalid_utf8_names_file_and_byte(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_bytes(b'server_url = "http://h\xff"\n')
    with pytest.raises(ConfigError, match=rf"{cfg}: not UTF-8 text \(byte 22 is 0xff\)"):
        load_settings(env={}, path=cfg)


def test_empty_loket_config_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"\$LOKET_CONFIG is set but empty"):
        load_settings(env={"LOKET_CONFIG": ""})


@pytest.mark.parametrize(
    ("name", "url", "shown"),
    [
        (
            "server_db",
            "postgresql://loket:s3cr%40t@db:5432/loket",
            "postgresql://loket:****@db:5432/loket",
        ),
        (
            "server_db",
            "postgresql://db/loket?password=s3cret&sslmode=require",
            "postgresql://db/loket?password=****&sslmode=require",
        ),
        ("server_url", "https://anna:s3cret@loket.example/", "https://anna:****@loket.example/"),
        ("server_url", "https://loket.example/", "https://loket.example/"),
    ],
)
def test_passwords_in_urls_are_masked_in_display(
    tmp_path: Path, name: str, url: str, shown: str
) -> None:
    settings = load_settings(env={f"LOKET_{name.upper()}": url}, path=tmp_path / "no.toml")
    values = {n: v for n, v, _ in settings.public_items()}
    assert values[name] == shown
    assert getattr(settings, name) == url  # masked for display only


def test_password_is_masked_in_a_refused_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env={"LOKET_SERVER_DB": "mysql://u:s3cret@h/db"}, path=tmp_path / "n")
    assert "s3cret" not in str(info.value) and "mysql://u:****@h/db" in str(info.value)
