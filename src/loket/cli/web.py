"""`loket web`: the same console in a browser (textual-serve).

Each browser session starts its own `loket console --login` process, which asks for the
user's token on screen and checks it with the central store; roles come from that token on
the server, exactly as in the terminal. The web server itself only serves the page, its
static files and the session's websocket; it holds no token and no data.
"""

from __future__ import annotations

import shlex
import sys

import typer

from loket.cli.common import fail, settings_or_exit


def web(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8760, "--port", help="Port to listen on."),
    server: str | None = typer.Option(
        None, "--server", help="Central store URL the consoles use (default: settings)."
    ),
    public_url: str | None = typer.Option(
        None,
        "--public-url",
        help="The address users open, e.g. https://loket.gemeente.nl (behind a TLS proxy).",
    ),
) -> None:
    """Serve the console to browsers; each user logs in with their own token."""
    settings = settings_or_exit()
    url = server or settings.server_url
    if not url:
        fail("no central store: pass --server URL or set server_url")
    try:
        from textual_serve.server import Server
    except ImportError:
        fail("loket web needs textual-serve (pip install textual-serve)")
    command = shlex.join([sys.executable, "-m", "loket", "console", "--login", "--server", url])
    typer.echo(f"loket web on http://{host}:{port} (central store {url})")
    Server(command, host=host, port=port, title="loket", public_url=public_url).serve()


def register(app: typer.Typer) -> None:
    app.command("web")(web)
