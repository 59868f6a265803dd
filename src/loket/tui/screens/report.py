"""Supervisors and admins: the report screen. Three terminal charts of the central
store's figures (`GET /report/charts`, the report's definitions): contacts per hour
today against the same weekday's mean over the four weeks before, FCR per channel per
week over twelve weeks, and the service level per phone queue per day over two weeks.

One chart per tab, so each gets the whole screen at 80x24; the charts use the basic
terminal colours (`loket.report_charts`), so they read the same in 16 colours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from loket.domain.models import from_iso
from loket.report_charts import Chart, charts_of, draw
from loket.tui import strings as S
from loket.tui.app import LoketApp
from loket.tui.formatting import local
from loket.tui.widgets.status_line import StatusLine

TABS = (
    ("hourly", S.REPORT_TAB_HOURLY),
    ("fcr", S.REPORT_TAB_FCR),
    ("service_level", S.REPORT_TAB_SL),
)


@dataclass
class ChartsLoaded(Message):
    """The central store's chart series arrived."""

    data: dict[str, Any]


@dataclass
class ChartsFailed(Message):
    """No chart series: what went wrong, in Dutch; the charts on screen stay."""

    error: str


class ChartPlot(PlotextPlot):
    """One chart, drawn from the `Chart` it keeps (what a test checks)."""

    def __init__(self, key: str) -> None:
        super().__init__(id=f"chart-{key}")
        self.theme = "clear"  # the terminal's own colours: no RGB background in 16 colours
        self.chart: Chart | None = None

    def show(self, chart: Chart) -> None:
        self.chart = chart
        draw(self.plt, chart)
        self.refresh()


class ReportScreen(Screen[None]):
    """The supervisor's and management's charts, read when opened and on G."""

    app = getters.app(LoketApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "refresh", S.KEY_REFRESH, id="report-refresh"),
        Binding("1", "tab('hourly')", S.REPORT_TAB_HOURLY, id="report-hourly"),
        Binding("2", "tab('fcr')", S.REPORT_TAB_FCR, id="report-fcr"),
        Binding("3", "tab('service_level')", S.REPORT_TAB_SL, id="report-sl"),
    ]
    CSS_PATH = "report.tcss"

    def __init__(self) -> None:
        super().__init__(id="report")

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static(S.REPORT_LOADING, id="report-title")
        with TabbedContent(id="report-tabs"):
            for key, label in TABS:
                with TabPane(label, id=f"tab-{key}"):
                    yield ChartPlot(key)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.action_refresh()

    def on_screen_resume(self) -> None:
        services = self.app.services
        if services is not None:
            self.query_one(StatusLine).set_user(services.user.name, services.user.role)
        self.query_one(StatusLine).set_sync(self.app.sync_state)

    def action_refresh(self) -> None:
        self._load()

    def action_tab(self, key: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{key}"

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def _load(self) -> None:
        from loket.services import SyncError

        services = self.app.wait_services()
        if services is None:
            return
        try:
            self.post_message(ChartsLoaded(services.figures.charts()))
        except SyncError as exc:
            self.post_message(ChartsFailed(S.REPORT_FAILED.format(error=exc)))

    def on_charts_loaded(self, message: ChartsLoaded) -> None:
        for chart in charts_of(message.data):
            self.query_one(f"#chart-{chart.key}", ChartPlot).show(chart)
        generated = from_iso(message.data.get("generated_at"))
        when = local(generated).strftime("%H:%M") if generated else "–"
        day = message.data["day"]
        self.query_one("#report-title", Static).update(S.REPORT_TITLE.format(day=day, time=when))

    def on_charts_failed(self, message: ChartsFailed) -> None:
        self.query_one("#report-title", Static).update(message.error)
