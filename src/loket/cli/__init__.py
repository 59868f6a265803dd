"""The `loket` command. Each area registers its own Typer sub-app from a module here;
this root stays thin and imports nothing heavy, so `loket --help` is instant.

The Typer app (`loket.cli.app`) is built on first use: `loket console` with plain options
starts the console without it (see `loket.cli.console.run_fast`), so the console's first
frame does not wait for typer, click, pydantic and every other command's module.
"""

from __future__ import annotations

import sys
from typing import Any

_APP: Any = None


def _build_app() -> Any:
    import typer

    from loket.cli import config_cmd

    app = typer.Typer(
        name="loket",
        help="loket: terminal console for the municipal customer contact centre (KCC).",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode="rich",
    )
    app.add_typer(
        config_cmd.app, name="config", help="Show the effective settings and where each came from."
    )
    _register_optional(app)
    return app


def _register_optional(app: Any) -> None:
    """Attach the sub-apps of areas that exist; each area owns its module in loket.cli."""
    import importlib

    names = (
        "kb",
        "server",
        "bsn",
        "contact",
        "console",
        "report",
        "remind",
        "export",
        "live",
        "web",
    )
    for module_name in names:
        try:
            module = importlib.import_module(f"loket.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"loket.cli.{module_name}":
                raise
            continue
        module.register(app)


def __getattr__(name: str) -> Any:
    """`loket.cli.app`, built once on first access (PEP 562)."""
    global _APP
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _APP is None:
        _APP = _build_app()
    return _APP


def main() -> None:
    try:
        _run(sys.argv[1:])
    except Exception as exc:
        from loket.cli.common import EXIT_ENVIRONMENT, environment_problem

        problem = environment_problem(exc)
        if problem is None:
            raise
        print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(EXIT_ENVIRONMENT) from None


def _run(argv: list[str]) -> None:
    if argv[:1] == ["console"]:
        from loket.cli.console import run_fast

        if run_fast(argv[1:]):
            return
    __getattr__("app")()
