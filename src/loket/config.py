"""Settings: defaults, then a TOML file in the platformdirs config dir, then LOKET_* variables.

Every value remembers where it came from, so `loket config show` can answer the
question support always asks first: "which setting is actually in force, and why?".
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from loket.paths import default_data_dir, default_kb_dir

APP_NAME = "loket"
ENV_PREFIX = "LOKET_"


class ConfigError(ValueError):
    """A settings file or variable that cannot be used; the message names which."""


def config_file() -> Path:
    """The settings file: LOKET_CONFIG if set, else the platform's config dir."""
    explicit = os.environ.get(f"{ENV_PREFIX}CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def _default_state_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


@dataclass
class Settings:
    """Effective settings. `sources` maps each field name to where its value came from."""

    # Console side
    server_url: str = ""
    token: str = ""
    state_dir: Path = field(default_factory=_default_state_dir)
    kb_dir: Path = field(default_factory=default_kb_dir)
    data_dir: Path = field(default_factory=default_data_dir)
    ansi: bool = False
    mouse: bool = True
    sync_interval: float = 15.0
    # Central store side
    server_db: str = ""
    server_host: str = "127.0.0.1"
    server_port: int = 8750
    bsn_key_file: str = ""  # default: state_dir/bsn-keys.toml (loket.server.bsn)
    max_body_bytes: int = 1_000_000
    log_level: str = "info"
    export_url: str = ""  # Klantinteracties register (Open Klant) the central store exports to
    export_token: str = ""  # its API key, sent as `Authorization: Token <key>`
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def server_db_url(self) -> str:
        """The central store's database; an SQLite file in the state dir unless configured."""
        return self.server_db or f"sqlite:///{self.state_dir / 'central.sqlite3'}"

    def bsn_key_path(self) -> Path:
        """The central store's BSN key file (made on first start when absent)."""
        if self.bsn_key_file:
            return Path(self.bsn_key_file).expanduser()
        return self.state_dir / "bsn-keys.toml"

    def public_items(self) -> list[tuple[str, Any, str]]:
        """(name, value, source) for display; secrets are masked."""
        rows = []
        for f in fields(self):
            if f.name == "sources":
                continue
            value = getattr(self, f.name)
            if f.name in _SECRETS and value:
                value = "****"
            rows.append((f.name, value, self.sources.get(f.name, "default")))
        return rows


_SECRETS = {"token", "export_token"}


def _coerce(name: str, raw: Any, kind: type, origin: str) -> Any:
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on", "ja"}:
                return True
            if text in {"0", "false", "no", "off", "nee", ""}:
                return False
            raise ValueError(raw)
        if kind is Path:
            return Path(str(raw)).expanduser()
        return kind(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: '{name}' must be {kind.__name__}, got {raw!r}") from exc


def _field_types() -> dict[str, type]:
    hints = {"str": str, "Path": Path, "bool": bool, "float": float, "int": int}
    return {f.name: hints[str(f.type)] for f in fields(Settings) if f.name != "sources"}


def load_settings(env: dict[str, str] | None = None, path: Path | None = None) -> Settings:
    """Build the effective settings; raises ConfigError naming file/variable and key."""
    env = dict(os.environ if env is None else env)
    path = path or config_file()
    settings = Settings()
    types = _field_types()
    sources = {name: "default" for name in types}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        for key, raw in data.items():
            if key not in types:
                raise ConfigError(
                    f"{path}: unknown setting '{key}' (known: {', '.join(sorted(types))})"
                )
            setattr(settings, key, _coerce(key, raw, types[key], str(path)))
            sources[key] = f"file {path}"
    for name, kind in types.items():
        var = ENV_PREFIX + name.upper()
        if var in env:
            setattr(settings, name, _coerce(name, env[var], kind, f"${var}"))
            sources[name] = f"env {var}"
    settings.sources = sources
    return settings
