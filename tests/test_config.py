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
