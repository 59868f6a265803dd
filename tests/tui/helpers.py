"""Helpers for the console's Pilot tests: services on a temporary store, screen text, waits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loket.config import Settings
from loket.domain.models import Callback, Task
from loket.services import ConsoleServices, UserInfo

SIZE = (80, 24)


def open_services(
    state_dir: Path,
    *,
    name: str = "anna",
    role: str = "agent",
    teams: tuple[str, ...] = ("kcc",),
    server_url: str = "",
    token: str = "",
    warm: bool = True,
    **settings_fields: Any,
) -> ConsoleServices:
    """A console on its own store in `state_dir`; the kb index is built there too.
    `settings_fields` are further settings (for example a counter `desk`)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(state_dir=state_dir, sync_interval=3600.0, **settings_fields)
    if warm and not (state_dir / "kb-index.sqlite3").exists():
        warm_kb_index(state_dir)
    return ConsoleServices.open(
        settings,
        store_path=state_dir / f"console-{name}.sqlite3",
        server_url=server_url,
        token=token,
        user=UserInfo(name, role, list(teams)),
    )


def screen_text(app: Any) -> str:
    """What the terminal shows right now, as plain text lines."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


async def wait_for(pilot: Any, predicate: Callable[[], object], timeout: float = 8.0) -> None:
    """Let the app run until `predicate()` holds (workers, timers), or fail clearly."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        await pilot.pause(0.05)


class Recorder:
    """A `message_hook` that keeps the messages of the given types, in order."""

    def __init__(self, *types: type) -> None:
        self.types = types
        self.messages: list[Any] = []

    def __call__(self, message: Any) -> None:
        if isinstance(message, self.types):
            self.messages.append(message)

    def of(self, kind: type) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]


_KB_INDEX: dict[str, Path] = {}


def warm_kb_index(state_dir: Path) -> None:
    """Copy a kb index built once per session into `state_dir`, so tests do not rebuild it."""
    import shutil
    import tempfile

    if "path" not in _KB_INDEX:
        base = Path(tempfile.mkdtemp(prefix="loket-kb-"))
        services = open_services(base, warm=False)
        services.reference.kb.search("paspoort", limit=1)
        services.close()
        _KB_INDEX["path"] = base / "kb-index.sqlite3"
    shutil.copy(_KB_INDEX["path"], state_dir / "kb-index.sqlite3")


def burst(app: Any, *keys: str) -> None:
    """Deliver `keys` at once, as a slow SSH link or a text expander does: every key is
    queued before the console has handled the first (Pilot's `press` waits after each)."""
    import unicodedata

    from textual import events
    from textual.keys import _character_to_key, _get_unicode_name_from_key

    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        if len(key) == 1:
            char: str | None = key  # a typed character is itself ("@" is named "at")
        else:
            try:
                char = unicodedata.lookup(_get_unicode_name_from_key(name))
            except KeyError:
                char = None
        event = events.Key(name, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def take_call(pilot: Any) -> None:
    """Wait for the agent screen to be ready, then take the next call (F12)."""
    app = pilot.app
    await wait_for(pilot, lambda: getattr(app.screen, "workspace", None) is not None)
    await pilot.press("f12")
    await wait_for(pilot, lambda: app.screen.contact is not None)


def route_locally(
    services: ConsoleServices,
    subject: str,
    team: str = "afval",
    product: str = "afvalcontainer",
    note: str = "Graag terugbellen",
) -> Task:
    """A new contact whose one question is routed to `team` (stored locally, synced later)."""
    contact = services.contacts.new("telefoon")
    contact.questions[0].text = subject
    _, task = services.contacts.route_question(
        contact,
        contact.questions[0].id,
        team=team,
        internal_note=note,
        callback=Callback(phone="0612345678"),
        intake={},
        product=product,
    )
    return task


async def open_worklist(pilot: Any) -> Any:
    """Alt+W to the worklist; its screen once it is shown."""
    await pilot.press("alt+w")
    await wait_for(pilot, lambda: pilot.app.screen.id == "worklist")
    return pilot.app.screen
