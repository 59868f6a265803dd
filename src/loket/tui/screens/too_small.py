"""Below 80x24 the console says so instead of cutting its screens: a notice over
everything (the work underneath is kept) until the terminal is large enough again."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static

from loket.tui import strings as S

MIN_WIDTH, MIN_HEIGHT = 80, 24


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; background: $background; }
    TooSmallScreen Static { width: auto; max-width: 100%; padding: 0 1; }
    """

    def __init__(self, width: int, height: int) -> None:
        super().__init__(id="too-small")
        self.size_text = (width, height)

    def compose(self) -> ComposeResult:
        yield Static(self._text(*self.size_text), id="too-small-text")

    def show_size(self, width: int, height: int) -> None:
        self.query_one("#too-small-text", Static).update(self._text(width, height))

    @staticmethod
    def _text(width: int, height: int) -> str:
        return S.TOO_SMALL.format(w=width, h=height, min_w=MIN_WIDTH, min_h=MIN_HEIGHT)
