"""The task state machine shared by the central store and the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.domain.errors import DomainError, TransitionError
from loket.domain.models import Callback, Task, TaskStatus
from loket.domain.tasks import ACTIONS, allowed_actions, apply_action, new_task_log

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEAMS = {"wmo", "afval", "kcc"}
# The inputs each action needs, so the generic tests can take any action.
INPUTS: dict[str, dict[str, object]] = {
    "claim": {},
    "unclaim": {},
    "note": {"note": "gebeld, geen gehoor"},
    "callback_attempt": {"reached": False},
    "resolve": {"resolution": "Traplift aangevraagd"},
    "return": {"note": "niet voor ons"},
    "forward": {"note": "hoort bij afval", "team": "afval"},
}


def make_task(status: TaskStatus = TaskStatus.OPEN, assignee: str | None = None) -> Task:
    base = Task(team="wmo", internal_note="x", callback=Callback(phone="0612345678"))
    task = new_task_log(base, "anna", NOW)
    task.status = status
    task.assignee = assignee
    return task


def act(task: Task, action: str, actor: str = "bob", **kwargs: object) -> Task:
    args = {**INPUTS[action], **kwargs}
    return apply_action(task, action, actor, NOW + timedelta(minutes=5), teams=TEAMS, **args)


def test_new_task_log_starts_history() -> None:
    base = Task(team="wmo", version=7)
    task = new_task_log(base, "anna", NOW)
    assert task.version == 1
    assert [(s.action, s.by, s.team, s.at) for s in task.log] == [("created", "anna", "wmo", NOW)]
    assert base.log == [] and base.version == 7


def test_happy_path_open_claim_resolve() -> None:
    task = make_task()
    claimed = act(task, "claim")
    assert (claimed.status, claimed.assignee, claimed.version) == (TaskStatus.CLAIMED, "bob", 2)
    done = act(claimed, "resolve")
    assert (done.status, done.resolution, done.version) == (
        TaskStatus.DONE,
        "Traplift aangevraagd",
        3,
    )
    assert [s.action for s in done.log] == ["created", "claimed", "resolved"]
    assert allowed_actions(done) == []


def test_apply_action_never_mutates_its_input() -> None:
    task = make_task()
    before = task.to_dict()
    act(task, "forward")
    assert task.to_dict() == before


def test_unclaim_clears_assignee() -> None:
    task = act(make_task(TaskStatus.CLAIMED, "bob"), "unclaim", actor="sup")
    assert (task.status, task.assignee) == (TaskStatus.OPEN, None)
    assert task.log[-1].by == "sup"


def test_forward_changes_team_and_clears_assignee() -> None:
    task = act(make_task(TaskStatus.CLAIMED, "bob"), "forward")
    assert (task.status, task.team, task.assignee) == (TaskStatus.FORWARDED, "afval", None)
    assert (task.log[-1].action, task.log[-1].team, task.log[-1].note) == (
        "forwarded",
        "afval",
        "hoort bij afval",
    )
    assert act(task, "claim", actor="cor").status == TaskStatus.CLAIMED


def test_forward_to_unknown_or_same_team_refused() -> None:
    with pytest.raises(DomainError) as exc:
        act(make_task(), "forward", team="nergens")
    assert [e.field for e in exc.value.errors] == ["team"]
    with pytest.raises(DomainError):
        act(make_task(), "forward", team="wmo")
    with pytest.raises(DomainError):
        act(make_task(), "forward", team="")


def test_forward_without_teams_only_needs_a_name() -> None:
    task = apply_action(make_task(), "forward", "bob", NOW, note="n", team="elders")
    assert task.team == "elders"


def test_returned_task_goes_back_to_front_office() -> None:
    task = act(make_task(TaskStatus.CLAIMED, "bob"), "return")
    assert (task.status, task.assignee, task.team) == (TaskStatus.RETURNED, None, "wmo")
    assert "return" not in allowed_actions(task)
    again = act(task, "forward", actor="anna", team="wmo", note="adres aangevuld")
    assert (again.status, again.team) == (TaskStatus.FORWARDED, "wmo")
    assert act(task, "claim", actor="anna").assignee == "anna"


def test_callback_attempt_logs_reached() -> None:
    task = act(make_task(TaskStatus.CLAIMED, "bob"), "callback_attempt", reached=True, note="ok")
    assert task.status == TaskStatus.CLAIMED
    assert (task.log[-1].action, task.log[-1].reached) == ("callback_attempt", True)
    assert Task.from_dict(task.to_dict()).log[-1].reached is True
    with pytest.raises(DomainError) as exc:
        act(make_task(TaskStatus.CLAIMED, "bob"), "callback_attempt", reached=None)
    assert [e.field for e in exc.value.errors] == ["reached"]


@pytest.mark.parametrize("action", ["note", "return", "forward"])
def test_note_required(action: str) -> None:
    task = make_task(TaskStatus.CLAIMED, "bob")
    with pytest.raises(DomainError) as exc:
        act(task, action, note="   ")
    assert "note" in {e.field for e in exc.value.errors}
    assert not isinstance(exc.value, TransitionError)


def test_resolve_requires_resolution() -> None:
    with pytest.raises(DomainError) as exc:
        act(make_task(TaskStatus.CLAIMED, "bob"), "resolve", resolution="")
    assert [e.field for e in exc.value.errors] == ["resolution"]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (TaskStatus.OPEN, "resolve"),
        (TaskStatus.OPEN, "unclaim"),
        (TaskStatus.OPEN, "callback_attempt"),
        (TaskStatus.CLAIMED, "claim"),
        (TaskStatus.RETURNED, "return"),
        (TaskStatus.DONE, "note"),
        (TaskStatus.DONE, "claim"),
        (TaskStatus.DONE, "forward"),
    ],
)
def test_transition_refused_in_dutch(status: TaskStatus, action: str) -> None:
    task = make_task(status, "bob" if status == TaskStatus.CLAIMED else None)
    with pytest.raises(TransitionError) as exc:
        act(task, action)
    assert exc.value.errors[0].field == "action"
    assert "taak" in str(exc.value)


@pytest.mark.parametrize("action", ["resolve", "return", "forward", "callback_attempt"])
def test_only_assignee_acts_on_claimed_task(action: str) -> None:
    task = make_task(TaskStatus.CLAIMED, "bob")
    with pytest.raises(TransitionError) as exc:
        act(task, action, actor="eve")
    assert "bob" in str(exc.value)
    assert action not in allowed_actions(task, "eve")
    assert action in allowed_actions(task, "bob")


def test_others_may_note_and_unclaim_a_claimed_task() -> None:
    task = make_task(TaskStatus.CLAIMED, "bob")
    assert allowed_actions(task, "eve") == ["unclaim", "note"]


def test_unknown_action_and_missing_actor() -> None:
    with pytest.raises(DomainError):
        apply_action(make_task(), "delete", "bob", NOW)
    with pytest.raises(DomainError) as exc:
        apply_action(make_task(), "claim", "", NOW)
    assert exc.value.errors[0].field == "actor"


def test_log_time_is_utc() -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    task = apply_action(make_task(), "claim", "bob", local)
    assert task.log[-1].at == NOW and task.log[-1].at.tzinfo == UTC


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(ACTIONS), max_size=12), st.lists(st.sampled_from(["bob", "eve"])))
def test_allowed_actions_predicts_apply_action(actions: list[str], actors: list[str]) -> None:
    """Whatever sequence is tried: allowed actions succeed, others raise TransitionError,
    the version counts successful steps and the log grows by one per step."""
    task = make_task()
    for i, action in enumerate(actions):
        actor = actors[i % len(actors)] if actors else "bob"
        team = "afval" if task.team != "afval" else "wmo"
        if action in allowed_actions(task, actor):
            new = act(task, action, actor=actor, team=team)
            assert new.version == task.version + 1
            assert len(new.log) == len(task.log) + 1
            assert (new.assignee is not None) == (new.status == TaskStatus.CLAIMED) or (
                new.status == TaskStatus.DONE
            )
            task = new
        else:
            with pytest.raises(TransitionError):
                act(task, action, actor=actor, team=team)
