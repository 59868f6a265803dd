"""Worklist views: what each filter shows and counts, urgency from the work calendar
(a holiday in the SLA period), returned tasks on top, done today by the Amsterdam day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loket.domain.models import Task, TaskStatus, TaskStep
from loket.domain.sla import AMSTERDAM
from loket.domain.worklist import (
    BACK_OFFICE_VIEWS,
    FRONT_OFFICE_VIEWS,
    View,
    Viewer,
    counts,
    select,
    views_for,
)


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM).astimezone(UTC)


# Friday 24 April 2026, 15:00; Monday 27 April is Koningsdag (no working time).
NOW = _local(2026, 4, 24, 15, 0)
VIEWER = Viewer("bo1", NOW)


def _task(subject: str, due: datetime | None, **fields: object) -> Task:
    return Task(team="burgerzaken", subject=subject, due_at=due, **fields)  # type: ignore[arg-type]


def _done(subject: str, at: datetime) -> Task:
    task = _task(subject, at, status=TaskStatus.DONE)
    task.log = [
        TaskStep(at - timedelta(hours=1), "bo1", "claimed"),
        TaskStep(at, "bo1", "resolved"),
    ]
    return task


TASKS = [
    _task("late", _local(2026, 4, 23, 12, 0), assignee="bo1", status=TaskStatus.CLAIMED),
    # Due Tuesday 10:00: 2 h Friday + 0 h Koningsdag + 1.5 h Tuesday = 3.5 h left: nearly due.
    _task("after the holiday", _local(2026, 4, 28, 10, 0)),
    _task("next week", _local(2026, 5, 6, 10, 0), assignee="bo2", status=TaskStatus.CLAIMED),
    _task("handed back", _local(2026, 5, 4, 10, 0), status=TaskStatus.RETURNED),
    _task("no deadline", None),
    _done("done this morning", _local(2026, 4, 24, 9, 30)),
    _done("done yesterday", _local(2026, 4, 23, 16, 0)),
    # 00:30 on the 24th in Amsterdam is still the 23rd in UTC: it is today's.
    _done("done after midnight", _local(2026, 4, 24, 0, 30)),
]


def _subjects(view: View, viewer: Viewer = VIEWER) -> list[str]:
    return [t.subject for t in select(TASKS, view, viewer)]


def test_each_view_shows_its_tasks_most_urgent_first_handed_back_on_top() -> None:
    assert _subjects(View.TEAM) == [
        "handed back",
        "late",
        "after the holiday",
        "next week",
        "no deadline",
    ]
    assert _subjects(View.MINE) == ["late"]
    assert _subjects(View.OVERDUE) == ["late"]
    assert _subjects(View.NEARLY_DUE) == ["after the holiday"]
    assert _subjects(View.RETURNED) == ["handed back"]
    assert _subjects(View.DONE_TODAY) == ["done this morning", "done after midnight"]


def test_counts_per_view_match_what_each_view_shows() -> None:
    found = counts(TASKS, BACK_OFFICE_VIEWS, VIEWER)
    assert found == {view: len(_subjects(view)) for view in BACK_OFFICE_VIEWS}
    assert found[View.TEAM] == 5 and found[View.DONE_TODAY] == 2


def test_without_a_holiday_in_between_the_same_lead_is_not_nearly_due() -> None:
    """The same Friday 15:00 -> Tuesday 10:00 a week later has a working Monday in it."""
    later = [_task("a normal week", _local(2026, 5, 5, 10, 0))]
    assert select(later, View.NEARLY_DUE, Viewer("bo1", _local(2026, 5, 1, 15, 0))) == []


def test_the_front_office_gets_its_own_views() -> None:
    assert views_for("agent") == FRONT_OFFICE_VIEWS and views_for("backoffice") == BACK_OFFICE_VIEWS
    assert View.MINE not in FRONT_OFFICE_VIEWS
    assert _subjects(View.ROUTED_BY_ME)[0] == "handed back"


def test_at_one_deadline_the_older_task_comes_first() -> None:
    """Two tasks due at the same hour keep one order, whatever order the store gives."""
    due = _local(2026, 4, 30, 17, 0)
    older = _task("asked first", due, created_at=NOW - timedelta(hours=3))
    newer = _task("asked later", due, created_at=NOW - timedelta(hours=1))
    for given in ([older, newer], [newer, older]):
        assert [t.subject for t in select(given, View.TEAM, VIEWER)] == [
            "asked first",
            "asked later",
        ]
