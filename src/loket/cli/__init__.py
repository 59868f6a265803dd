"""The `loket` command. Each area registers its own Typer sub-app from a module here;
this root stays thin and imports nothing heavy, so `loket --help` is instant."""

from __future__ import annotations

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


def _register_optional() -> None:
    """Attach the sub-apps of areas that exist; each area owns its module in loket.cli."""
    import importlib

    for module_name in ("kb", "server", "contact", "console", "report"):
        try:
            module = importlib.import_module(f"loket.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"loket.cli.{module_name}":
                raise
            continue
        module.register(app)


_register_optional()


def main() -> None:
    app()
