"""The login screen of the browser console (`loket web`): the user's token, checked with
the central store before anything opens. The terminal console reads its token from the
settings instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from loket.tui import strings as S
from loket.tui.messages import ServicesReady

if TYPE_CHECKING:
    from loket.services import ConsoleServices


class LoginScreen(Screen[None]):
    """Asks for the token; `log_in(token)` returns the services or raises with a Dutch
    message (shown under the field; the screen stays)."""

    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    LoginScreen > Vertical {
        width: 70; max-width: 100%; height: auto; border: round $accent; padding: 1 2;
    }
    LoginScreen #login-error { color: $error; margin-top: 1; }
    """

    def __init__(self, log_in: Callable[[str], ConsoleServices]) -> None:
        super().__init__()
        self._log_in = log_in

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(S.LOGIN_TITLE, id="login-title")
            yield Static(S.LOGIN_PROMPT)
            yield Input(placeholder=S.LOGIN_PLACEHOLDER, password=True, id="login-token")
            yield Static("", id="login-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        token = event.value.strip()
        if not token:
            self._say(S.LOGIN_EMPTY)
            return
        event.input.disabled = True
        self._say(S.LOGIN_BUSY)
        self._check(token)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _check(self, token: str) -> None:
        try:
            services = self._log_in(token)
        except Exception as exc:  # LoginFailed carries Dutch text; anything else too
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._done, services)

    def _failed(self, message: str) -> None:
        self._say(message)
        field = self.query_one("#login-token", Input)
        field.disabled = False
        field.value = ""
        field.focus()

    def _done(self, services: ConsoleServices) -> None:
        self.app.pop_screen()
        self.app.post_message(ServicesReady(services))

    def _say(self, text: str) -> None:
        self.query_one("#login-error", Static).update(text)
