"""Worklist views: which tasks a view shows, how many, and in which order (issue 11).

A back-office user filters the work of their teams (mine, overdue, nearly due, returned,
done today); a front-office agent sees what they routed ("door mij doorgezet"), with the
tasks handed back to them on top. "Nearly due" is the reminders' definition (under 4
working hours left on the work calendar), so the worklist, `loket remind` and the live
view never disagree on what is urgent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from loket.domain.models import Task, TaskStatus
from loket.domain.reminders import NEARLY_DUE, OVERDUE, reminder_for
from loket.domain.sla import AMSTERDAM, DEFAULT_CALENDAR, WorkCalendar


class View(StrEnum):
    TEAM = "team"  # the open work of my teams (every team for a supervisor)
    ROUTED_BY_ME = "routed_by_me"  # the front office: what I routed, not yet done
    MINE = "mine"  # claimed by me
    OVERDUE = "overdue"
    NEARLY_DUE = "nearly_due"
    RETURNED = "returned"  # handed back to the front office
    DONE_TODAY = "done_today"


BACK_OFFICE_VIEWS = (
    View.TEAM,
    View.MINE,
    View.OVERDUE,
    View.NEARLY_DUE,
    View.RETURNED,
    View.DONE_TODAY,
)
FRONT_OFFICE_VIEWS = (
    View.ROUTED_BY_ME,
    View.RETURNED,
    View.OVERDUE,
    View.NEARLY_DUE,
    View.DONE_TODAY,
)


@dataclass(frozen=True)
class Viewer:
    """Who looks, and when (the views depend on the moment: overdue, done today)."""

    name: str
    now: datetime
    calendar: WorkCalendar = DEFAULT_CALENDAR


def views_for(role: str) -> tuple[View, ...]:
    return FRONT_OFFICE_VIEWS if role == "agent" else BACK_OFFICE_VIEWS


def done_at(task: Task) -> datetime | None:
    """When the task was resolved (its last `resolved` step), None while it is not done."""
    if task.status != TaskStatus.DONE:
        return None
    resolved = [step.at for step in task.log if step.action == "resolved"]
    return max(resolved) if resolved else None


def shows(view: View, task: Task, viewer: Viewer) -> bool:
    if view == View.DONE_TODAY:
        done = done_at(task)
        return done is not None and _day(done) == _day(viewer.now)
    if task.status == TaskStatus.DONE:
        return False
    if view in (View.TEAM, View.ROUTED_BY_ME):
        return True
    if view == View.MINE:
        return task.assignee == viewer.name and task.status == TaskStatus.CLAIMED
    if view == View.RETURNED:
        return task.status == TaskStatus.RETURNED
    reminder = reminder_for(task, viewer.now, viewer.calendar)
    level = OVERDUE if view == View.OVERDUE else NEARLY_DUE
    return reminder is not None and reminder.level == level


def select(tasks: Iterable[Task], view: View, viewer: Viewer) -> list[Task]:
    """The view's tasks, most urgent first: handed-back tasks on top (the front office
    must act on them), then by deadline (none last), at one deadline the oldest first;
    done today newest first."""
    chosen = [task for task in tasks if shows(view, task, viewer)]
    if view == View.DONE_TODAY:
        return sorted(chosen, key=lambda t: done_at(t) or viewer.now, reverse=True)
    return sorted(
        chosen,
        key=lambda t: (
            t.status != TaskStatus.RETURNED,
            t.due_at is None,
            t.due_at or viewer.now,
            t.created_at,
        ),
    )


def counts(tasks: Sequence[Task], views: Iterable[View], viewer: Viewer) -> dict[View, int]:
    return {view: sum(shows(view, task, viewer) for task in tasks) for view in views}


def _day(moment: datetime) -> object:
    return moment.astimezone(AMSTERDAM).date()
