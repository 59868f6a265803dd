"""Reminders: which back-office tasks are overdue or nearly due, per team and per person.

The daily job behind `loket remind`. "Nearly due" is measured in working time on the
municipality's calendar (a task due Monday 09:00 is nearly due on Friday afternoon), so
weekends and public holidays in the SLA period never make a task look more urgent than it
is. Tasks that are done have nothing to remind of; returned tasks sit with the front office
and count for the team "kcc".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from loket.domain.models import Task, TaskStatus
from loket.domain.sla import DEFAULT_CALENDAR, WorkCalendar

NEARLY_DUE_HOURS = 4.0  # working hours left under which a task is "nearly due"
FRONT_OFFICE = "kcc"  # where a returned task waits
UNASSIGNED = ""  # the person of a task nobody has claimed

OVERDUE = "overdue"
NEARLY_DUE = "nearly_due"


@dataclass(frozen=True)
class Reminder:
    """One task that needs attention, with how much working time is left (negative: late)."""

    task_id: str
    team: str
    person: str  # assignee, or UNASSIGNED
    subject: str
    due_at: datetime
    level: str  # OVERDUE or NEARLY_DUE
    left: timedelta


@dataclass
class Group:
    overdue: list[Reminder] = field(default_factory=list)
    nearly_due: list[Reminder] = field(default_factory=list)

    def add(self, reminder: Reminder) -> None:
        (self.overdue if reminder.level == OVERDUE else self.nearly_due).append(reminder)


@dataclass
class Reminders:
    per_team: dict[str, Group] = field(default_factory=dict)
    per_person: dict[str, Group] = field(default_factory=dict)

    @property
    def any_overdue(self) -> bool:
        return any(group.overdue for group in self.per_team.values())

    def to_dict(self) -> dict[str, object]:
        def dump(groups: dict[str, Group]) -> dict[str, object]:
            return {
                key: {
                    OVERDUE: [_row(r) for r in g.overdue],
                    NEARLY_DUE: [_row(r) for r in g.nearly_due],
                }
                for key, g in sorted(groups.items())
            }

        return {
            "any_overdue": self.any_overdue,
            "per_team": dump(self.per_team),
            "per_person": dump(self.per_person),
        }


def _row(reminder: Reminder) -> dict[str, object]:
    return {
        "task_id": reminder.task_id,
        "team": reminder.team,
        "person": reminder.person,
        "subject": reminder.subject,
        "due_at": reminder.due_at.isoformat(),
        "working_minutes_left": int(reminder.left / timedelta(minutes=1)),
    }


def reminder_for(
    task: Task,
    now: datetime,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    nearly_due_hours: float = NEARLY_DUE_HOURS,
) -> Reminder | None:
    """The task's reminder, or None when it is done, has no deadline, or has time enough."""
    if task.status == TaskStatus.DONE or task.due_at is None:
        return None
    left = calendar.working_time_left(task.due_at, now)
    if now >= task.due_at:
        level = OVERDUE
    elif left < timedelta(hours=nearly_due_hours):
        level = NEARLY_DUE
    else:
        return None
    returned = task.status == TaskStatus.RETURNED
    return Reminder(
        task_id=task.id,
        team=FRONT_OFFICE if returned else task.team,
        person=UNASSIGNED if returned else (task.assignee or UNASSIGNED),
        subject=task.subject,
        due_at=task.due_at,
        level=level,
        left=left,
    )


def reminders(
    tasks: Iterable[Task],
    now: datetime,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    nearly_due_hours: float = NEARLY_DUE_HOURS,
    team: str | None = None,
) -> Reminders:
    """Overdue and nearly-due tasks grouped by team and by person, most urgent first."""
    found = [r for t in tasks if (r := reminder_for(t, now, calendar, nearly_due_hours))]
    found.sort(key=lambda r: r.left)
    result = Reminders()
    for reminder in found:
        if team is not None and reminder.team != team:
            continue
        result.per_team.setdefault(reminder.team, Group()).add(reminder)
        if reminder.person != UNASSIGNED:
            result.per_person.setdefault(reminder.person, Group()).add(reminder)
    return result
