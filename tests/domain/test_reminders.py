"""Reminders count working time on the municipality's calendar, holidays included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loket.domain.models import Task, TaskStatus
from loket.domain.reminders import FRONT_OFFICE, reminder_for, reminders
from loket.domain.sla import AMSTERDAM


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM).astimezone(UTC)


def _task(due: datetime, **fields: object) -> Task:
    return Task(team="burgerzaken", subject="Rijbewijs", due_at=due, **fields)  # type: ignore[arg-type]


# Koningsdag 2026 is Monday 27 April: a task due Tuesday 28 April 10:00 has, on Friday
# 24 April at 15:00, 2 h (Friday) + 0 (holiday) + 1.5 h (Tuesday) = 3.5 working hours left.
DUE = _local(2026, 4, 28, 10, 0)


def test_holiday_in_the_sla_period_does_not_count_as_working_time() -> None:
    reminder = reminder_for(_task(DUE), _local(2026, 4, 24, 15, 0))
    assert reminder is not None and reminder.level == "nearly_due"
    assert reminder.left == timedelta(hours=3, minutes=30)
    # Friday 11:00: 6 h + 1.5 h = 7.5 h left, more than the 4 h threshold.
    assert reminder_for(_task(DUE), _local(2026, 4, 24, 11, 0)) is None


def test_overdue_measures_working_time_since_the_deadline() -> None:
    reminder = reminder_for(_task(DUE), _local(2026, 4, 29, 9, 0))
    assert reminder is not None and reminder.level == "overdue"
    # Tuesday 10:00-17:00 (7 h) + Wednesday 08:30-09:00 (0.5 h).
    assert reminder.left == -timedelta(hours=7, minutes=30)


def test_done_and_undated_tasks_need_no_reminder() -> None:
    now = _local(2026, 4, 29, 9, 0)
    assert reminder_for(_task(DUE, status=TaskStatus.DONE), now) is None
    assert reminder_for(Task(team="burgerzaken"), now) is None


def test_grouped_per_team_and_person_most_late_first_returned_at_the_front_office() -> None:
    now = _local(2026, 4, 29, 9, 0)
    tasks = [
        _task(DUE, assignee="bo1", status=TaskStatus.CLAIMED),
        _task(DUE - timedelta(days=1), assignee="bo1", status=TaskStatus.CLAIMED),
        _task(now + timedelta(hours=1)),  # nearly due, nobody has it
        _task(DUE, status=TaskStatus.RETURNED, assignee="bo2"),
        _task(now + timedelta(days=7)),  # time enough
    ]
    found = reminders(tasks, now)
    team = found.per_team["burgerzaken"]
    assert [t.due_at for t in team.overdue] == [DUE - timedelta(days=1), DUE]
    assert len(team.nearly_due) == 1
    assert found.per_team[FRONT_OFFICE].overdue[0].person == ""
    assert set(found.per_person) == {"bo1"} and len(found.per_person["bo1"].overdue) == 2
    assert found.any_overdue
    only = reminders(tasks, now, team=FRONT_OFFICE)
    assert set(only.per_team) == {FRONT_OFFICE}


def test_nothing_late_means_no_overdue() -> None:
    now = _local(2026, 4, 29, 9, 0)
    found = reminders([_task(now + timedelta(hours=2))], now)
    assert not found.any_overdue and found.per_team["burgerzaken"].nearly_due
