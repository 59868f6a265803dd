"""The report's three charts, drawn with plotext the same way on the console's report
screen (`loket.tui.screens.report`, through textual-plotext) and by `loket report
--chart` in a plain terminal.

The series come from the central store's `GET /report/charts` (the report's own
definitions, docs/metrics.md "Charts"); `charts_of` turns that answer into `Chart`s,
plain data a test can check, and `draw` puts one on a plotext figure. Colours are the
eight basic terminal colours, so the charts read the same in 16 colours (`--ansi`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from loket.tui import strings as S

COLORS = ("blue", "green", "red", "yellow", "magenta", "cyan", "white")
OFFICE_HOURS = (8, 18)  # the hours always shown (local), widened to any with contacts


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]  # one per x label; None: nothing to show there
    bars: bool = False  # bars (else a line)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    x: tuple[str, ...]
    series: tuple[Series, ...]
    percent: bool = False  # y from 0 to 100

    @property
    def empty(self) -> bool:
        return not any(v for s in self.series for v in s.values)


def _percent(values: list[float | None]) -> tuple[float | None, ...]:
    return tuple(None if v is None else round(v * 100, 1) for v in values)


def hourly_chart(data: dict[str, Any]) -> Chart:
    """Contacts per local hour today (bars) against the same weekday's mean (line)."""
    hourly, day = data["hourly"], date.fromisoformat(data["day"])
    busy = [h for h in range(24) if hourly["today"][h] or hourly["average"][h]]
    first = min([OFFICE_HOURS[0], *busy])
    last = max([OFFICE_HOURS[1], *busy])
    hours = range(first, last + 1)
    return Chart(
        key="hourly",
        title=S.CHART_HOURLY.format(
            day=day.strftime("%d-%m"), weekday=S.WEEKDAYS[day.weekday()], weeks=hourly["weeks"]
        ),
        x=tuple(f"{h:02d}" for h in hours),
        series=(
            Series(S.CHART_TODAY, tuple(float(hourly["today"][h]) for h in hours), bars=True),
            Series(S.CHART_AVERAGE, tuple(float(hourly["average"][h]) for h in hours)),
        ),
    )


def fcr_chart(data: dict[str, Any]) -> Chart:
    """FCR per question, a line per channel, per ISO week."""
    fcr = data["fcr_weekly"]
    return Chart(
        key="fcr",
        title=S.CHART_FCR.format(weeks=len(fcr["weeks"])),
        x=tuple(w.split("-")[-1] for w in fcr["weeks"]),  # "2026-W49" -> "W49"
        series=tuple(Series(ch, _percent(v)) for ch, v in sorted(fcr["channels"].items())),
        percent=True,
    )


def service_level_chart(data: dict[str, Any]) -> Chart:
    """Service level, a line per phone queue, per day."""
    levels = data["service_level"]
    return Chart(
        key="service_level",
        title=S.CHART_SL.format(days=len(levels["days"])),
        x=tuple(f"{d[8:10]}-{d[5:7]}" for d in levels["days"]),
        series=tuple(
            Series(q["name"], _percent(q["levels"])) for _, q in sorted(levels["queues"].items())
        ),
        percent=True,
    )


def charts_of(data: dict[str, Any]) -> list[Chart]:
    return [hourly_chart(data), fcr_chart(data), service_level_chart(data)]


def draw(plt: Any, chart: Chart) -> None:
    """Put `chart` on a plotext figure (the `plotext` module, or a textual-plotext
    widget's `plt`), replacing what was there."""
    plt.clear_data()
    plt.clear_figure()
    plt.theme("clear")
    plt.title(chart.title + (f" {S.CHART_NO_DATA}" if chart.empty else ""))
    positions = list(range(1, len(chart.x) + 1))
    for n, series in enumerate(chart.series):
        points = [(x, v) for x, v in zip(positions, series.values, strict=True) if v is not None]
        if not points:
            continue
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        color = COLORS[n % len(COLORS)]
        if series.bars:
            plt.bar(xs, ys, label=series.label, color=color, width=0.6)
        else:
            plt.plot(xs, ys, label=series.label, color=color, marker="hd")
    step = max(1, -(-len(chart.x) // 12))  # at most ~12 labels: readable at 80 columns
    shown = positions[::-step][::-1]  # every step-th label, the last (today) always
    plt.xticks(shown, [chart.x[p - 1] for p in shown])  # after the bars, which set theirs
    plt.xlim(0.5, len(chart.x) + 0.5)
    if chart.percent:
        plt.ylim(0, 100)
    else:
        top = max([v for s in chart.series for v in s.values if v is not None] or [0.0])
        plt.ylim(0, max(1.0, top * 1.15))


def render(data: dict[str, Any], width: int = 80, height: int = 18, color: bool = True) -> str:
    """The three charts as terminal text, one under the other (`loket report --chart`);
    without `color` no escape codes (output to a file or a pipe)."""
    import plotext as plt

    out = []
    for chart in charts_of(data):
        draw(plt, chart)
        plt.plotsize(width, height)
        text = plt.build()
        out.append(text if color else plt.uncolorize(text))
    return "\n".join(out)
