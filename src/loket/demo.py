"""`loket demo`: an embedded central store with demo users and a few days of contacts.

Everything lives in `settings.state_dir / "demo"`: the central store's SQLite file, the
demo users' tokens (`users.json`, so a re-run reuses them), the consoles' local stores
and a marker that the seed ran (seeding happens once). The seed goes through the same
services and sync protocol as a real console, so the demo shows real data paths.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loket.config import Settings

if TYPE_CHECKING:
    from loket.server.embedded import EmbeddedServer
    from loket.services import ConsoleServices

# (name, role, teams): every role, two agents, back office for a couple of teams.
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("anna", "agent", ("kcc",)),
    ("bram", "agent", ("kcc",)),
    ("carla", "backoffice", ("burgerzaken", "afval")),
    ("dirk", "backoffice", ("werk-inkomen", "openbare-ruimte", "belastingen")),
    ("eva", "supervisor", ()),
    ("frank", "admin", ()),
)
USERS_FILE = "users.json"
SEEDED_MARKER = "seeded"
SEED_DAYS = 3

# (question text, kb product, outcome; None = route it with this internal note)
_QUESTIONS: tuple[tuple[str, str, str], ...] = (
    ("Paspoort kwijt, wat nu?", "paspoort", "zelfstandig afgehandeld"),
    ("Afspraak ID-kaart", "identiteitskaart", "zelfstandig afgehandeld"),
    ("Rijbewijs verlopen", "rijbewijs", "zelfstandig afgehandeld"),
    ("Container niet geleegd", "afvalcontainer", "route:Hele straat overgeslagen volgens bewoner."),
    ("Grofvuil ophalen", "afvalinzameling-grofvuil", "zelfstandig afgehandeld"),
    ("Kliko kapot", "afvalcontainer", "route:Wiel afgebroken, nieuwe grijze kliko nodig."),
    ("Bijstand aanvragen", "bijstand", "route:Net ontslagen, vraagt naar voorschot."),
    ("Parkeervergunning tweede auto", "parkeervergunning", "afgehandeld na ruggespraak"),
    (
        "Lantaarnpaal brandt niet",
        "melding-openbare-ruimte-straatverlichting",
        "route:Paal bij speeltuin, al een week donker.",
    ),
    ("Bezwaar WOZ-waarde", "woz-beschikking", "route:Vindt waarde te hoog t.o.v. buren."),
    (
        "Kwijtschelding gemeentelijke belastingen",
        "belastingkwijtschelding",
        "route:Heeft bijstand, wil kwijtschelding afvalstoffenheffing.",
    ),
    ("Evenement in de straat", "evenementenvergunning", "verwezen naar andere instantie"),
    ("Geboorte aangeven", "geboorteaangifte", "zelfstandig afgehandeld"),
    ("Gladheid op het fietspad", "gladheidbestrijding", "doorverbonden"),
)
ROUTE = "route:"
DEFAULT_PORT = 8751  # the demo's first port (loket serve's default is 8750)
PORT_FILE = "port"  # the port the demo dir's store listened on last
_CUSTOMERS: tuple[dict[str, str], ...] = (
    {"name": "J. de Vries", "phone": "0612345678"},
    {"name": "M. Jansen", "email": "m.jansen@example.org"},
    {"name": "A. el Amrani", "phone": "0201234567", "bsn": "111222333"},
    {"name": "P. Bakker", "phone": "0687654321"},
    {},
    {},
)
_CHANNELS = ("telefoon", "telefoon", "telefoon", "balie", "e-mail", "chat")


@dataclass
class DemoUser:
    name: str
    role: str
    teams: list[str]
    token: str


@dataclass
class Demo:
    """A running demo: the embedded store and the users that can log in to it."""

    dir: Path
    settings: Settings
    server: EmbeddedServer
    users: dict[str, DemoUser]

    @property
    def url(self) -> str:
        return self.server.url

    def services_for(self, name: str) -> ConsoleServices:
        """A console for a demo user, with its own local store in the demo dir."""
        from loket.services import ConsoleServices, UserInfo

        user = self.users[name]
        return ConsoleServices.open(
            self.settings,
            store_path=self.dir / f"console-{name}.sqlite3",
            server_url=self.url,
            token=user.token,
            user=UserInfo(user.name, user.role, list(user.teams)),
        )

    def stop(self) -> None:
        self.server.stop()

    def second_console(self) -> str:
        """The command for a console next to this one: the back office's (carla)."""
        return f"loket console --server {self.url} --token {self.users['carla'].token}"

    def describe(self) -> str:
        """What the demo prints: who can log in and how to start a second console."""
        lines = [f"loket demo: central store at {self.url} (data in {self.dir})", "", "Demo users:"]
        for user in self.users.values():
            teams = f" [{', '.join(user.teams)}]" if user.teams else ""
            lines.append(f"  {user.name:<6} {user.role:<10}{teams}")
        lines += [
            "",
            "Second console against the same store (while the demo runs), e.g. back office:",
            f"  {self.second_console()}",
            f"Tokens of every demo user: {self.dir / USERS_FILE}",
        ]
        return "\n".join(lines)


def demo_settings(settings: Settings) -> Settings:
    """The demo keeps everything (kb index included) under state_dir/demo."""
    from dataclasses import replace

    demo_dir = settings.state_dir / "demo"
    return replace(settings, state_dir=demo_dir, server_url="", token="")


def start(settings: Settings, *, port: int | None = None, seed: bool = True) -> Demo:
    """Start the embedded store, make sure users exist, seed once.

    The port: `port` if given (0: any free one), else the one this demo dir used last
    (first time: DEFAULT_PORT), so a second console left open reconnects after a restart;
    a remembered port now taken gives way to a free one, which is remembered instead."""
    from loket.server.admin import migrate
    from loket.server.bsn import KEY_FILE_NAME

    demo = demo_settings(settings)
    demo.state_dir.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{demo.state_dir / 'central.sqlite3'}"
    key_file = demo.state_dir / KEY_FILE_NAME  # made (0600) by the server on first start
    users = _load_users(demo.state_dir)
    if users is None or not key_file.exists():  # BSNs without their key are unreadable
        _reset(demo.state_dir)
        migrate(db_url)
        users = _create_users(demo.state_dir, db_url)
    else:
        migrate(db_url)
    server = _start_server(db_url, str(key_file), demo.state_dir, port)
    running = Demo(demo.state_dir, demo, server, users)
    try:
        if seed and not (demo.state_dir / SEEDED_MARKER).exists():
            seed_demo(running)
            (demo.state_dir / SEEDED_MARKER).write_text(datetime.now(UTC).isoformat())
    except BaseException:
        server.stop()
        raise
    return running


def _start_server(db_url: str, key_file: str, demo_dir: Path, port: int | None) -> EmbeddedServer:
    from loket.server.embedded import EmbeddedServer

    port_file = demo_dir / PORT_FILE
    if port is None:
        try:
            wanted = int(port_file.read_text().strip())
        except (OSError, ValueError):
            wanted = DEFAULT_PORT
    else:
        wanted = port
    try:
        server = EmbeddedServer(db_url, port=wanted, bsn_key_file=key_file).start()
    except OSError:
        if port is not None:
            raise  # asked for with --port: say so rather than move elsewhere
        server = EmbeddedServer(db_url, port=0, bsn_key_file=key_file).start()
    port_file.write_text(f"{server.port}\n")
    return server


def _load_users(demo_dir: Path) -> dict[str, DemoUser] | None:
    path = demo_dir / USERS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: DemoUser(**data[name]) for name, _, _ in DEMO_USERS}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _reset(demo_dir: Path) -> None:
    """Without the tokens the old demo store is unusable: start it afresh."""
    for path in demo_dir.glob("*.sqlite3*"):
        path.unlink()
    (demo_dir / SEEDED_MARKER).unlink(missing_ok=True)


def _create_users(demo_dir: Path, db_url: str) -> dict[str, DemoUser]:
    from loket.server.admin import create_user

    users = {
        name: DemoUser(name, role, list(teams), create_user(db_url, name, role, teams))
        for name, role, teams in DEMO_USERS
    }
    path = demo_dir / USERS_FILE
    path.write_text(json.dumps({n: u.__dict__ for n, u in users.items()}, indent=2))
    os.chmod(path, 0o600)  # tokens: only the owner may read them
    return users


# -- seed -----------------------------------------------------------------------------------


def seed_demo(demo: Demo, days: int = SEED_DAYS, per_day: int = 8) -> int:
    """A few days of contacts by both agents, some routed; back office picks some up."""
    rng = random.Random(20261123)
    count = 0
    for name in ("anna", "bram"):
        services = demo.services_for(name)
        try:
            for day in range(days, -1, -1):
                for moment in _moments(rng, day, per_day // 2):
                    _seed_contact(services, rng, moment)
                    count += 1
            services.sync.now()
        finally:
            services.close()
    _seed_backoffice(demo)
    return count


def _moments(
    rng: random.Random, days_ago: int, count: int, now: datetime | None = None
) -> list[datetime]:
    """`count` start times in that day's office hours, all in the past: today's end half an
    hour before `now` (the longest seeded contact lasts 10 minutes); none today before
    that window opens (a demo started at 7 has no contacts at half past 8)."""
    today = (now or datetime.now()).astimezone()
    day = (today - timedelta(days=days_ago)).date()
    start = datetime.combine(day, time(8, 30), tzinfo=today.tzinfo)
    latest = today - timedelta(minutes=30) if days_ago == 0 else start + timedelta(hours=8)
    if latest <= start:
        return []
    span = (latest - start).total_seconds()
    return sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))


def _seed_contact(services: ConsoleServices, rng: random.Random, started: datetime) -> None:
    from loket.domain.models import (
        OUTCOME_RESOLVED,
        Callback,
        Contact,
        ContactStatus,
        Customer,
        Question,
    )

    picks = rng.sample(_QUESTIONS, rng.choice((1, 1, 1, 2)))
    customer_data = rng.choice(_CUSTOMERS)
    contact = Contact(
        agent=services.user.name,
        channel=rng.choice(_CHANNELS),
        started_at=started.astimezone(UTC),
        customer=Customer(**customer_data) if customer_data else None,
        questions=[Question(text=text, products=[product]) for text, product, _ in picks],
    )
    contact = services.contacts.save(contact)
    for index, (_, product, outcome) in enumerate(picks):
        question = contact.questions[index]  # route_question returns a new contact
        if not outcome.startswith(ROUTE):
            question.outcome = outcome
            continue
        team = services.reference.team_for_product(product)
        if team is None:
            question.outcome = OUTCOME_RESOLVED
            continue
        callback = Callback(
            name=customer_data.get("name", "Inwoner"),
            phone=customer_data.get("phone", "0301234567"),
            email=customer_data.get("email", ""),
        )
        intake = {q: "zie notitie" for q in team.intake}
        contact, _task = services.contacts.route_question(
            contact,
            question.id,
            team=team.id,
            internal_note=outcome.removeprefix(ROUTE),
            callback=callback,
            intake=intake,
            product=product,
            now=contact.started_at,
        )
    contact.ended_at = contact.started_at + timedelta(seconds=rng.randint(90, 600))
    contact.status = ContactStatus.CLOSED
    services.contacts.close(contact)


def _seed_backoffice(demo: Demo) -> None:
    """Carla claims some of her teams' tasks and resolves one, so the worklist has history."""
    services = demo.services_for("carla")
    try:
        services.sync.now()
        open_tasks = [t for t in services.tasks.worklist() if str(t.status) == "open"]
        for i, task in enumerate(open_tasks[:3]):
            services.tasks.claim(task.id)
            if i == 0:
                services.tasks.resolve(task.id, "Inwoner gebeld, opgelost.")
        services.sync.now()
    finally:
        services.close()


def run(
    settings: Settings,
    *,
    ansi: bool = False,
    mouse: bool = True,
    port: int | None = None,
    **app_kwargs: Any,
) -> None:
    """Start the demo and open the console as agent anna; quitting stops the server."""
    demo = start(settings, port=port)
    try:
        print(demo.describe(), flush=True)
        from loket.tui.app import LoketApp

        app = LoketApp(
            open_services=lambda: demo.services_for("anna"),
            ansi=ansi,
            server_url=demo.url,
            second_console=demo.second_console(),
            **app_kwargs,
        )
        app.run(mouse=mouse)
    finally:
        demo.stop()
    print(demo.describe())


SIMULATED_HUMANS = ("anna", "bram")  # demo agents who get simulated calls on their consoles


def run_simulated(
    settings: Settings,
    *,
    agents: int = 12,
    rate: float = 30.0,
    speed: float = 4.0,
    port: int | None = None,
) -> None:
    """`loket demo --simulate`: the demo store with simulated traffic (`loket.simulation`)
    and the supervisor's live view (`loket queue`) following it, until Ctrl+C."""
    import threading

    from rich.console import Console
    from rich.live import Live

    from loket.live_view import LiveFeed, open_client, render
    from loket.simulation import Simulation, SimulationConfig

    demo = start(settings, port=port)
    sim = None
    try:
        admin, supervisor = demo.users["frank"], demo.users["eva"]
        config = SimulationConfig(
            agents=agents, rate_per_minute=rate, speed=speed, humans=SIMULATED_HUMANS
        )
        sim = Simulation.setup(demo.url, admin.token, config)
        threading.Thread(target=sim.run, name="loket-simulate", daemon=True).start()
        anna = demo.users[SIMULATED_HUMANS[0]]
        Console().print(
            f"loket demo --simulate: {agents} simulated agents on {demo.url}; Ctrl+C stops\n"
            f"Take calls yourself in a second terminal (they pop while you are available):\n"
            f"  loket console --server {demo.url} --token {anna.token}",
            highlight=False,
        )
        feed = LiveFeed(open_client(demo.url, supervisor.token))
        with Live(auto_refresh=False) as view:
            for snapshot in feed.snapshots():
                view.update(render(snapshot, title="loket demo · live"), refresh=True)
    except KeyboardInterrupt:
        pass
    finally:
        if sim is not None:
            sim.stopped.set()
            sim.close()
        demo.stop()
