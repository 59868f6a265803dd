"""Command palette: the commands follow the screen you are on and its state.

Each screen offers `palette_commands()`; this provider adds the screen switches. Only
commands that can run now are listed (a bound action whose `check_action` says no is
left out), so the palette never offers what would fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

Command = tuple[str, Callable[[], object], str]


def binding_commands(screen: Screen[object]) -> list[Command]:
    """Every active binding of the screen (and app) with a description, as a command."""
    app = screen.app
    seen: set[str] = set()
    commands: list[Command] = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.id or not binding.description or not active.enabled:
            continue
        if binding.action in seen:
            continue
        seen.add(binding.action)
        key_display = app.get_key_display(binding)
        run = partial(app.run_action, binding.action, active.node)
        commands.append((binding.description, run, key_display or key))
    return commands


class LoketCommands(Provider):
    """Commands from the current screen's bindings and state."""

    def _commands(self) -> Iterable[Command]:
        screen = self.screen
        extra = getattr(screen, "palette_commands", None)
        yield from binding_commands(screen)
        if extra is not None:
            yield from extra()
        app = screen.app
        if getattr(app, "connection_text", ""):
            from loket.tui import strings as S

            yield (S.PALETTE_CONNECTION, app.show_connection, "")  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for name, run, help_text in self._commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
