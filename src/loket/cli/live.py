"""`loket queue` (the live view in a terminal), `loket ticket SERVICE` (draw a counter
number) and `loket simulate` (realistic traffic through the real API)."""

from __future__ import annotations

import json
import time
from typing import Any

import typer

from loket.cli.common import fail, settings_or_exit

SERVER = typer.Option("", "--server", help="Central store URL (default: server_url setting).")
TOKEN = typer.Option("", "--token", help="Bearer token (default: token setting).")


def register(app: typer.Typer) -> None:
    app.command("queue")(queue)
    app.command("ticket")(ticket)
    app.command("simulate")(simulate)


def _client(server: str, token: str) -> Any:
    from loket.live_view import open_client

    settings = settings_or_exit()
    url, tok = server or settings.server_url, token or settings.token
    if not url or not tok:
        fail("no central store: pass --server and --token (or set server_url and token)")
    return open_client(url, tok)


def _refused(exc: Exception) -> str:
    from loket.sync.client import RequestRefused
    from loket.sync.live import refusal_text

    return refusal_text(exc) if isinstance(exc, RequestRefused) else str(exc)


def queue(
    server: str = SERVER,
    token: str = TOKEN,
    once: bool = typer.Option(False, "--once", help="Print the figures once and exit."),
    as_json: bool = typer.Option(False, "--json", help="With --once: machine-readable output."),
) -> None:
    """The supervisor's live view: queues, agents, back-office stock; follows the server."""
    from rich.console import Console
    from rich.live import Live

    from loket.live_view import LiveFeed, render
    from loket.sync.client import SyncError

    client = _client(server, token)
    try:
        if once:
            snapshot = LiveFeed(client).read()
            if as_json:
                print(json.dumps({"live": snapshot.live, "stats": snapshot.stats}, indent=2))
            else:
                Console().print(render(snapshot))
            return
        feed = LiveFeed(client)
        with Live(auto_refresh=False, screen=False) as view:
            for snapshot in feed.snapshots():
                view.update(render(snapshot), refresh=True)
    except SyncError as exc:
        fail(f"the central store gave no live figures: {_refused(exc)}")
    except KeyboardInterrupt:
        pass
    finally:
        client.close()


def ticket(
    service: str = typer.Argument(..., help="Counter service id from data/queues.toml."),
    server: str = SERVER,
    token: str = TOKEN,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Draw a counter ticket: prints the number and the expected wait."""
    from loket.live_view import minutes_seconds
    from loket.sync.client import SyncError

    client = _client(server, token)
    try:
        answer = client.draw_ticket(service)
    except SyncError as exc:
        fail(f"no ticket drawn: {_refused(exc)}", 2)
    finally:
        client.close()
    if as_json:
        print(json.dumps(answer))
        return
    wait = answer.get("expected_wait_seconds")
    expected = "unknown" if wait is None else f"about {minutes_seconds(wait)} min"
    print(f"{answer['ticket']['number']}  ({answer['ahead']} ahead, expected wait {expected})")


def simulate(
    agents: int = typer.Option(10, "--agents", min=1, max=1000, help="Simulated agents."),
    rate: float = typer.Option(
        6.0, "--rate", min=0.01, help="Arrivals per minute (calls and tickets together)."
    ),
    duration: float = typer.Option(
        0, "--duration", min=0, help="Seconds to run (0: until Ctrl+C)."
    ),
    server: str = SERVER,
    token: str = typer.Option("", "--token", help="An admin token (default: token setting)."),
    speed: float = typer.Option(
        1.0, "--speed", min=0.1, max=100, help="Time runs this much faster."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed (0: a new one each run)."),
    human: list[str] = typer.Option(
        [],
        "--human",
        help="A real agent (repeatable) who gets calls too while their console says available.",
    ),
) -> None:
    """Drive realistic traffic through the real API: calls, tickets, agents, contacts."""
    from loket.simulation import Simulation, SimulationConfig
    from loket.sync.client import SyncError

    settings = settings_or_exit()
    url, tok = server or settings.server_url, token or settings.token
    if not url or not tok:
        fail("no central store: pass --server and an admin --token")
    config = SimulationConfig(
        agents=agents, rate_per_minute=rate, speed=speed, seed=seed or None, humans=tuple(human)
    )
    try:
        sim = Simulation.setup(url, tok, config)
    except SyncError as exc:
        fail(f"cannot set up the simulation: {_refused(exc)}")
    print(f"simulating {agents} agents at {rate}/min on {url} (Ctrl+C stops)")
    started = time.monotonic()
    try:
        sim.run(duration or None)
    except KeyboardInterrupt:
        pass
    finally:
        sim.close()
    print(sim.summary(time.monotonic() - started))
