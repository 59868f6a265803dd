"""Who may read or change what: the one visibility policy of the central store.

Every query and every route asks here. A `Scope` says which rows a caller may see in one
table; the storage layer turns it into SQL (`storage.sql.scope_sql`) and `Scope.admits`
applies the very same rule to one record in Python (a fetched row, a live-event head),
so the SQL and the checks can never tell two stories. Refusals are `ApiError` values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from loket.domain.models import ContactStatus, Role, Task, TaskStatus
from loket.domain.reminders import FRONT_OFFICE
from loket.protocol import Entity
from loket.server.auth import User
from loket.server.errors import forbidden

# Roles that read everything.
READ_ALL = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})
# Roles that register contacts and hand questions on as tasks.
CONTACT_WRITERS = frozenset({Role.AGENT.value, Role.SUPERVISOR.value})


@dataclass(frozen=True)
class Rule:
    """A row is visible when its `column` holds one of `values`."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Scope:
    """Which rows of one table a caller may see: all of them, or those where any rule
    holds (none when there are no rules), optionally only of one entity (change log)."""

    everything: bool = False
    rules: tuple[Rule, ...] = ()
    entity: str | None = None

    @property
    def nothing(self) -> bool:
        return not self.everything and not any(rule.values for rule in self.rules)

    def admits(self, row: Mapping[str, Any]) -> bool:
        if self.everything:
            return True
        if self.entity is not None and row.get("entity") != self.entity:
            return False
        return any(row.get(rule.column) in rule.values for rule in self.rules)


ALL = Scope(everything=True)
NONE = Scope()


def reads_all(user: User) -> bool:
    return user.role in READ_ALL


def _only(column: str, *values: str) -> Scope:
    return Scope(rules=(Rule(column, tuple(values)),))


# --- reading ----------------------------------------------------------------------------------


def contact_scope(user: User) -> Scope:
    """Contacts: all for supervisors and admins, an agent's own; refused for other roles."""
    if reads_all(user):
        return ALL
    if user.role == Role.AGENT:
        return _only("agent", user.name)
    raise forbidden("Contacten zijn niet zichtbaar voor jouw rol.")


def history_scope(user: User) -> Scope:
    """A resident's earlier contacts (customer lookup): the whole KCC's, so a repeat caller
    is known whoever answers. An agent sees a colleague's contact once it is closed (work
    still open is that colleague's own: a draft, a parked contact) and all of their own;
    supervisors and admins everything; the back office, which works tasks, not residents'
    histories, is refused. What a history row shows of a colleague's contact is decided by
    `loket.server.services.contacts.history_entry` (no notes, no internal notes)."""
    if reads_all(user):
        return ALL
    if user.role == Role.AGENT:
        return Scope(rules=(Rule("agent", (user.name,)), Rule("status", (ContactStatus.CLOSED,))))
    raise forbidden("Eerdere contacten zijn niet zichtbaar voor jouw rol.")


def in_front_office_queue(user: User) -> bool:
    """An agent of the KCC team: every task handed back to the front office is theirs to
    see and to take (one of them claims it; the version check makes it exactly one)."""
    return user.role == Role.AGENT and FRONT_OFFICE in user.teams


def task_scope(user: User) -> Scope:
    """Tasks: all, the ones an agent handed on (and, in the KCC team, every handed-back
    task and the ones it took), or a back-office user's teams' tasks."""
    if reads_all(user):
        return ALL
    if user.role == Role.AGENT:
        if in_front_office_queue(user):
            mine = (user.name,)
            return Scope(
                rules=(
                    Rule("created_by", mine),
                    Rule("status", (TaskStatus.RETURNED,)),
                    Rule("assignee", mine),
                )
            )
        return _only("created_by", user.name)
    if user.role == Role.BACKOFFICE:
        return _only("team", *user.teams)
    return NONE


def change_scope(user: User) -> Scope:
    """The change log (pull, live events): what the caller may see of contacts and tasks.

    A back-office user also sees the entry that moved a task out of its team
    (`team_before`), so its queue learns the task left."""
    if reads_all(user):
        return ALL
    if user.role == Role.AGENT:
        if in_front_office_queue(user):  # the KCC queue: a task handed back, and taken
            handed_back = Rule("status", (TaskStatus.RETURNED,))
            taken = Rule("team_before", (FRONT_OFFICE,))
            return Scope(rules=(Rule("owner", (user.name,)), handed_back, taken))
        return _only("owner", user.name)
    if user.role == Role.BACKOFFICE:
        teams = tuple(user.teams)
        return Scope(rules=(Rule("team", teams), Rule("team_before", teams)), entity=Entity.TASK)
    return NONE


def may_see_bsn(
    user: User, contact_agent: str, has_team_task: Callable[[tuple[str, ...]], bool]
) -> bool:
    """The full BSN: supervisors; the agent who registered the contact; the back office
    when the contact has a task in one of its teams. Admins manage, they do not serve
    residents: refused."""
    if user.role == Role.SUPERVISOR:
        return True
    if user.role == Role.AGENT:
        return contact_agent == user.name
    if user.role == Role.BACKOFFICE:
        return bool(user.teams) and has_team_task(tuple(user.teams))
    return False


def require_figures(user: User) -> None:
    if not reads_all(user):
        raise forbidden("Alleen voor supervisors en beheerders.")


def require_admin(user: User) -> None:
    if user.role != Role.ADMIN:
        raise forbidden("Alleen voor beheerders.")


# --- changing ---------------------------------------------------------------------------------


def may_register(user: User) -> bool:
    """Who registers contacts and hands questions on as tasks. The author of what they
    push is always the caller (stamped from the token); changing another agent's contact
    is refused where it is written (`CentralContacts.save`)."""
    return user.role in CONTACT_WRITERS


def may_route_contact(user: User, contact_agent: str) -> bool:
    """A task is routed only from a contact of the caller's own."""
    return contact_agent == user.name


def may_act_on_task(user: User, task: Task) -> bool:
    """Who may work a task: a supervisor always; the back office in its teams; the front
    office on what came back to it (returned: its own, or any in the KCC team's queue)
    and then on what it claimed itself (the back office's queue is not its business)."""
    if user.role == Role.SUPERVISOR:
        return True
    if user.role == Role.BACKOFFICE:
        return task.team in user.teams
    if user.role == Role.AGENT and (task.created_by == user.name or in_front_office_queue(user)):
        return task.status == TaskStatus.RETURNED or task.assignee == user.name
    return False


# --- live queues ------------------------------------------------------------------------------

# Roles that take calls and tickets and have an agent state.
STAFF = CONTACT_WRITERS
# A kiosk (integration token), the host desk or an agent draws a counter ticket.
TICKET_DRAWERS = frozenset({Role.INTEGRATION.value, *STAFF})


def require_integration(user: User) -> None:
    """Call events come from the telephone platform's integration token only."""
    if user.role != Role.INTEGRATION:
        raise forbidden("Gespreksgebeurtenissen komen alleen van een integratie-token.")


def require_ticket_drawer(user: User) -> None:
    if user.role not in TICKET_DRAWERS:
        raise forbidden("Alleen een kiosk, de host of een medewerker trekt een nummer.")


def require_staff(user: User) -> None:
    """Calling tickets and reporting an agent state: agents and supervisors."""
    if user.role not in STAFF:
        raise forbidden("Alleen voor medewerkers.")


def may_read_call(user: User, agents: set[str]) -> bool:
    """A call (with the caller's number): the agents who had it, supervisors, admins."""
    return reads_all(user) or user.name in agents
