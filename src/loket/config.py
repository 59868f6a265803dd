"""Settings: defaults, then a TOML file in the platformdirs config dir, then LOKET_* variables.

Every value remembers where it came from, so `loket config show` can answer the
question support always asks first: "which setting is actually in force, and why?".
Every value is also checked against its rule when loaded: a bad one is refused with
the setting, its source and the rule, instead of surfacing later as a 413 on every
request or a console that polls in a tight loop.

The rules are plain Python, not pydantic: the console loads settings before its first
frame, and pydantic would add ~150 ms to it (see docs/decisions.md).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from loket.paths import default_data_dir, default_kb_dir
from loket.redact import MASK, mask_password

APP_NAME = "loket"
ENV_PREFIX = "LOKET_"
CONFIG_VAR = f"{ENV_PREFIX}CONFIG"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


class ConfigError(ValueError):
    """A settings file or variable that cannot be used; the message names which."""


def config_file() -> Path:
    """The settings file: LOKET_CONFIG if set, else the platform's config dir."""
    explicit = os.environ.get(CONFIG_VAR)
    if explicit is not None:
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
    desk: str = ""  # a counter desk's name ("balie 3"): F12 calls the next ticket there
    counter_services: str = ""  # the services this desk serves, comma-separated; empty: all
    # Central store side
    server_db: str = ""
    server_host: str = "127.0.0.1"
    server_port: int = 8750
    bsn_key_file: str = ""  # default: state_dir/bsn-keys.toml (loket.server.bsn)
    max_body_bytes: int = 1_000_000
    request_header_timeout: float = 10.0
    request_body_timeout: float = 30.0
    log_level: str = "info"
    export_url: str = ""  # Klantinteracties register (Open Klant) the central store exports to
    export_token: str = ""  # its API key, sent as `Authorization: Token <key>`
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def server_db_url(self) -> str:
        """The central store's database; an SQLite file in the state dir unless configured."""
        return self.server_db or f"sqlite:///{self.state_dir / 'central.sqlite3'}"

    def counter_service_ids(self) -> list[str]:
        """The services this counter desk calls tickets for; [] means every one."""
        return [part.strip() for part in self.counter_services.split(",") if part.strip()]

    def bsn_key_path(self) -> Path:
        """The central store's BSN key file (made on first start when absent)."""
        if self.bsn_key_file:
            return Path(self.bsn_key_file).expanduser()
        return self.state_dir / "bsn-keys.toml"

    def public_items(self) -> list[tuple[str, Any, str]]:
        """(name, value, source) for display; secrets and URL passwords are masked."""
        rows = []
        for f in fields(self):
            if f.name == "sources":
                continue
            value = getattr(self, f.name)
            if f.name in _SECRETS and value:
                value = MASK
            elif f.name in _URLS:
                value = mask_password(value)
            rows.append((f.name, value, self.sources.get(f.name, "default")))
        return rows


_SECRETS = {"token", "export_token"}
_URLS = {"server_url", "server_db", "export_url"}


# --- rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """What a setting must be: `check` returns True for a good (already typed) value."""

    text: str
    check: Callable[[Any], bool] = lambda _value: True


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _between(low: float, high: float, unit: str = "") -> _Rule:
    suffix = f" {unit}" if unit else ""
    return _Rule(
        f"a number from {_number(low)} to {_number(high)}{suffix}",
        lambda v: math.isfinite(v) and low <= v <= high,
    )


def _http_url(value: str) -> bool:
    if not value:
        return True
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a bad port or IPv6 literal
        return False


def _db_url(value: str) -> bool:
    if not value:
        return True
    if value.startswith("sqlite:///"):
        return len(value) > len("sqlite:///")
    return value.startswith(("postgresql://", "postgres://"))


def _dir_path(value: Path) -> bool:
    return str(value) not in ("", ".") and not (value.exists() and not value.is_dir())


_NON_EMPTY_PATH = _Rule("a path, not empty", lambda v: str(v) not in ("", "."))
_ONE_WORD = _Rule("one word without spaces", lambda v: not any(c.isspace() for c in v))

_RULES: dict[str, _Rule] = {
    "server_url": _Rule("empty or an http:// or https:// URL with a host", _http_url),
    "token": _ONE_WORD,
    "state_dir": _Rule("a directory path (not empty, not a file)", _dir_path),
    "kb_dir": _NON_EMPTY_PATH,
    "data_dir": _NON_EMPTY_PATH,
    "sync_interval": _between(0.1, 86_400, "seconds"),
    "desk": _Rule("empty or a desk name of at most 40 characters", lambda v: len(v) <= 40),
    "counter_services": _Rule(
        "empty or service ids separated by commas, without spaces in an id",
        lambda v: (
            all(part.strip() and _ONE_WORD.check(part.strip()) for part in v.split(","))
            if v.strip()
            else True
        ),
    ),
    "server_db": _Rule("empty, sqlite:///PATH or postgresql://...", _db_url),
    "server_host": _Rule("a host name or address", lambda v: bool(v) and _ONE_WORD.check(v)),
    "server_port": _between(1, 65_535),
    "bsn_key_file": _Rule(
        "empty or a file path (not a directory)", lambda v: not Path(v).expanduser().is_dir()
    ),
    "max_body_bytes": _between(4_096, 1 << 30, "bytes"),
    "request_header_timeout": _between(0.1, 3_600, "seconds"),
    "request_body_timeout": _between(0.1, 3_600, "seconds"),
    "export_url": _Rule("empty or an http:// or https:// URL with a host", _http_url),
    "export_token": _ONE_WORD,
    "log_level": _Rule(f"one of {', '.join(LOG_LEVELS)}", lambda v: v in LOG_LEVELS),
}

_TYPE_WORDS = {str: "a string", Path: "a path", bool: "true or false", float: "a number"}
_TRUE = {"1", "true", "yes", "on", "ja"}
_FALSE = {"0", "false", "no", "off", "nee", ""}


def _field_types() -> dict[str, type]:
    hints = {"str": str, "Path": Path, "bool": bool, "float": float, "int": int}
    return {f.name: hints[str(f.type)] for f in fields(Settings) if f.name != "sources"}


def _from_toml(raw: Any, kind: type) -> Any:
    """A TOML value as `kind`; TOML is typed, so no guessing (a table is never a string)."""
    if kind in (str, Path) and isinstance(raw, str):
        return Path(raw).expanduser() if kind is Path else raw
    if kind is bool and isinstance(raw, bool):
        return raw
    if kind is int and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if kind is float and isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    raise ValueError


def _from_env(raw: str, kind: type) -> Any:
    """An environment variable's text as `kind`."""
    if kind is bool:
        text = raw.strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ValueError
    if kind is Path:
        return Path(raw).expanduser() if raw else Path("")
    return kind(raw.strip()) if kind in (int, float) else raw


def _checked(name: str, raw: Any, kind: type, origin: str, parse: Callable[..., Any]) -> Any:
    rule = _RULES.get(name)
    expected = rule.text if rule else _TYPE_WORDS.get(kind, kind.__name__)
    if kind is int and rule:
        expected = expected.replace("a number", "a whole number")
    try:
        value = parse(raw, kind)
    except (TypeError, ValueError):
        value = None
    if value is None or (rule is not None and not rule.check(value)):
        shown = mask_password(raw) if name in _URLS and isinstance(raw, str) else raw
        if name in _SECRETS:
            shown = MASK
        raise ConfigError(f"{origin}: '{name}' must be {expected}, got {shown!r}")
    return value


def _read_file(path: Path) -> dict[str, Any]:
    """The settings file as a table; {} when it does not exist."""
    if not path.exists():
        return {}
    if not path.is_file():
        via = f" (from ${CONFIG_VAR})" if os.environ.get(CONFIG_VAR) else ""
        raise ConfigError(f"{path}{via}: not a settings file (it is a directory or device)")
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x})"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load_settings(env: dict[str, str] | None = None, path: Path | None = None) -> Settings:
    """Build the effective settings; raises ConfigError naming file/variable, key and rule."""
    env = dict(os.environ if env is None else env)
    if path is None:
        if env.get(CONFIG_VAR) == "":
            raise ConfigError(f"${CONFIG_VAR} is set but empty: unset it or name a file")
        path = config_file()
    settings = Settings()
    types = _field_types()
    sources = {name: "default" for name in types}
    for key, raw in _read_file(path).items():
        if key not in types:
            raise ConfigError(
                f"{path}: unknown setting '{key}' (known: {', '.join(sorted(types))})"
            )
        setattr(settings, key, _checked(key, raw, types[key], str(path), _from_toml))
        sources[key] = f"file {path}"
    for name, kind in types.items():
        var = ENV_PREFIX + name.upper()
        if var in env:
            setattr(settings, name, _checked(name, env[var], kind, f"${var}", _from_env))
            sources[name] = f"env {var}"
    settings.sources = sources
    return settings
