"""`loket remind`: overdue and nearly-due tasks per team and per person, for a daily job.

Reads the tasks the token may see from the central store (a supervisor's or admin's
token sees every team; a back-office token its own teams). Exit code 0 when nothing is
overdue, 1 when something is, 2 when the list could not be made: cron and systemd timers
can act on it (docs/operations.md).
"""

from __future__ import annotations

import json
from typing import Any

import typer

from loket.cli.common import fail, settings_or_exit
from loket.domain.models import Task, TaskStatus, utcnow
from loket.domain.reminders import NEARLY_DUE_HOURS, Group, Reminders, reminders

OPEN_STATUSES = (TaskStatus.OPEN, TaskStatus.CLAIMED, TaskStatus.FORWARDED, TaskStatus.RETURNED)
MAX_PAGES = 1000  # a runaway cursor never loops for ever


def register(app: typer.Typer) -> None:
    app.command("remind")(remind)


def remind(
    team: str = typer.Option("", "--team", help="Only this team (id from backoffices.toml)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    server: str = typer.Option("", "--server", help="Central store URL (default: settings)."),
    token: str = typer.Option("", "--token", help="API token (default: settings)."),
    hours: float = typer.Option(
        NEARLY_DUE_HOURS, "--hours", help="Working hours left that count as nearly due."
    ),
) -> None:
    """List overdue and nearly-due tasks; exit 1 when something is overdue."""
    settings = settings_or_exit()
    url, key = server or settings.server_url, token or settings.token
    if not url or not key:
        fail("no central store: set server_url and token, or pass --server and --token", 2)
    if hours < 0:
        fail(f"--hours: must be 0 or more, got {hours}", 2)
    found = reminders(
        _fetch(url, key, team or None), utcnow(), nearly_due_hours=hours, team=team or None
    )
    if as_json:
        print(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print(found)
    raise typer.Exit(1 if found.any_overdue else 0)


def _fetch(url: str, token: str, team: str | None) -> list[Task]:
    """Every unfinished task the token may see, page by page."""
    from loket.sync import SyncClient, SyncError

    client = SyncClient(url, token, timeout=30)
    tasks: list[Task] = []
    try:
        for status in OPEN_STATUSES:
            tasks += _pages(client, team if status != TaskStatus.RETURNED else None, status)
    except SyncError as exc:
        fail(f"the central store at {url} gave no tasks: {exc}", 2)
    finally:
        client.close()
    return tasks


def _pages(client: Any, team: str | None, status: str) -> list[Task]:
    found: list[Task] = []
    cursor = None
    for _ in range(MAX_PAGES):
        page = client.tasks(team=team, status=str(status), cursor=cursor)
        found += [Task.from_dict(item) for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return found


def _print(found: Reminders) -> None:
    from rich.console import Console

    console = Console()
    if not found.per_team:
        console.print("Nothing overdue or nearly due.")
        return
    for title, groups in (("team", found.per_team), ("person", found.per_person)):
        console.print(f"[bold]Per {title}[/]")
        for name, group in sorted(groups.items()):
            console.print(f"  {name}: {_counts(group)}")
            for reminder in group.overdue + group.nearly_due:
                minutes = int(reminder.left.total_seconds() // 60)
                state = f"{-minutes} working min late" if minutes < 0 else f"{minutes} min left"
                console.print(
                    f"    {reminder.task_id[:8]}  {state:>22}  {reminder.subject}",
                    markup=False,
                    highlight=False,
                )


def _counts(group: Group) -> str:
    return f"{len(group.overdue)} overdue, {len(group.nearly_due)} nearly due"
