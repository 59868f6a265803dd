"""`loket console` and `loket demo`: the Textual console. Textual is imported only here, late."""

from __future__ import annotations

import typer

from loket.cli.common import fail, settings_or_exit


def register(app: typer.Typer) -> None:
    app.command("console")(console)
    app.command("demo")(demo)


def console(
    server: str = typer.Option(None, "--server", help="Central store URL (default: settings)."),
    token: str = typer.Option(None, "--token", help="Bearer token (default: settings)."),
    ansi: bool = typer.Option(False, "--ansi", help="Use the terminal's own 16-colour palette."),
    no_mouse: bool = typer.Option(False, "--no-mouse", help="Switch mouse support off (SSH)."),
) -> None:
    """The console for agents, back office and supervisors (works offline)."""
    settings = settings_or_exit()
    from loket.tui.app import LoketApp

    def open_services():  # runs in a thread after the first frame
        from loket.services import ConsoleServices

        return ConsoleServices.open(settings, server_url=server, token=token)

    app = LoketApp(open_services=open_services, ansi=ansi or settings.ansi)
    app.run(mouse=settings.mouse and not no_mouse)


def demo(
    ansi: bool = typer.Option(False, "--ansi", help="Use the terminal's own 16-colour palette."),
    no_mouse: bool = typer.Option(False, "--no-mouse", help="Switch mouse support off (SSH)."),
) -> None:
    """Start an embedded central store with demo users and data, and open the console."""
    settings = settings_or_exit()
    from loket import demo as demo_mod

    try:
        demo_mod.run(settings, ansi=ansi or settings.ansi, mouse=settings.mouse and not no_mouse)
    except OSError as exc:
        fail(f"demo could not start: {exc}")
