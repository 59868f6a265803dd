"""`loket console` and `loket demo`: the Textual console. Textual is imported only here, late.

`loket console` with plain options also has a fast path (`run_fast`, called by
`loket.cli.main` before the Typer app is built): it skips importing typer (and the pydantic
it pulls in), click and every other command's module, which is ~1/3 of the time to the
console's first frame. Anything it does not recognise (e.g. `--help`) goes to Typer.
"""

from __future__ import annotations

import sys
from typing import Any

FLAG_OPTIONS = {"--ansi": "ansi", "--no-mouse": "no_mouse", "--login": "login"}
VALUE_OPTIONS = {"--server": "server", "--token": "token"}


def register(app: Any) -> None:
    import typer

    def console(
        server: str = typer.Option(None, "--server", help="Central store URL (default: settings)."),
        token: str = typer.Option(None, "--token", help="Bearer token (default: settings)."),
        ansi: bool = typer.Option(
            False, "--ansi", help="Use the terminal's own 16-colour palette."
        ),
        no_mouse: bool = typer.Option(False, "--no-mouse", help="Switch mouse support off (SSH)."),
        login: bool = typer.Option(
            False, "--login", help="Ask for the token on screen (the browser console)."
        ),
    ) -> None:
        """The console for agents, back office and supervisors (works offline)."""
        from loket.cli.common import settings_or_exit

        run_console(
            settings_or_exit(),
            server=server,
            token=token,
            ansi=ansi,
            no_mouse=no_mouse,
            login=login,
        )

    def demo(
        ansi: bool = typer.Option(
            False, "--ansi", help="Use the terminal's own 16-colour palette."
        ),
        no_mouse: bool = typer.Option(False, "--no-mouse", help="Switch mouse support off (SSH)."),
        simulate: bool = typer.Option(
            False, "--simulate", help="Simulated traffic and the supervisor's live view."
        ),
        port: int | None = typer.Option(
            None,
            "--port",
            min=0,
            max=65_535,
            help="The demo store's port (default: the one it used last, first 8751; 0: any).",
        ),
    ) -> None:
        """Start an embedded central store with demo users and data, and open the console."""
        from loket import demo as demo_mod
        from loket.cli.common import fail, settings_or_exit

        settings = settings_or_exit()
        if simulate:
            demo_mod.run_simulated(settings, port=port)
            return
        try:
            demo_mod.run(
                settings,
                ansi=ansi or settings.ansi,
                mouse=settings.mouse and not no_mouse,
                port=port,
            )
        except OSError as exc:
            fail(f"demo could not start: {exc}")

    app.command("console")(console)
    app.command("demo")(demo)


def run_console(
    settings: Any,
    *,
    server: str | None = None,
    token: str | None = None,
    ansi: bool = False,
    no_mouse: bool = False,
    login: bool = False,
) -> None:
    """Start the console; the services are opened in a thread after the first frame
    (with `login`, once the token typed on the login screen checks out)."""
    from loket.tui.app import LoketApp

    def open_services() -> Any:
        from loket.services import ConsoleServices

        return ConsoleServices.open(settings, server_url=server, token=token)

    def log_in(typed: str) -> Any:
        from loket.services import log_in as check

        return check(settings, server or settings.server_url, typed)

    app = LoketApp(
        open_services=None if login else open_services,
        log_in=log_in if login else None,
        ansi=ansi or settings.ansi,
    )
    app.run(mouse=settings.mouse and not no_mouse)


def parse_fast(argv: list[str]) -> dict[str, Any] | None:
    """The options of `loket console ARGV`, or None when Typer should handle them."""
    options: dict[str, Any] = {}
    args = iter(argv)
    for arg in args:
        name, eq, value = arg.partition("=")
        if name in VALUE_OPTIONS:
            if not eq:
                value = next(args, "")
            if not value or value.startswith("-"):
                return None  # let Typer report the missing value
            options[VALUE_OPTIONS[name]] = value
        elif arg in FLAG_OPTIONS:
            options[FLAG_OPTIONS[arg]] = True
        else:
            return None
    return options


def run_fast(argv: list[str]) -> bool:
    """Run `loket console ARGV` without Typer; False (nothing done) if it needs Typer."""
    options = parse_fast(argv)
    if options is None:
        return False
    from loket.config import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError as exc:  # same message and exit code as loket.cli.common.fail
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    run_console(settings, **options)
    return True
