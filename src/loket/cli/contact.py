"""`loket contact new|list|find` and `loket sync`: the console's work without the screen.

They go through loket.services like the Textual console does (same store, same outbox,
same sync engine), so a script registering contacts gets the same guarantees: validated
input, the contact and its outbox row in one fsynced transaction, sync when online.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import typer

from loket.cli.common import EXIT_ENVIRONMENT, fail, settings_or_exit

if TYPE_CHECKING:
    from loket.services import ConsoleServices, SyncReport


contact_app = typer.Typer(no_args_is_help=True, help="Register and list contacts (headless).")


def register(app: typer.Typer) -> None:
    app.add_typer(contact_app, name="contact", help="Register and list contacts (headless).")
    app.command("sync")(sync)


def _services() -> ConsoleServices:
    from loket.services import ConsoleServices

    try:
        return ConsoleServices.open(settings_or_exit())
    except OSError as exc:  # read-only or full state dir: the path and why (exit 2)
        fail(f"cannot open the local store: {exc}", EXIT_ENVIRONMENT)


BAD_INPUT = 2  # exit code for input the command refuses (nothing is stored)


def _domain_fail(exc: Exception) -> None:
    errors = getattr(exc, "errors", None)
    if errors:
        fail("; ".join(f"{e.field}: {e.message}" for e in errors), BAD_INPUT)
    fail(str(exc), BAD_INPUT)


@contact_app.command("new")
def new(
    channel: str = typer.Option(..., "--channel", help="telefoon, balie, e-mail, chat, ..."),
    question: str = typer.Option(..., "--question", help="The question (subject, ≤ 200)."),
    product: str = typer.Option("", "--product", help="kb id of the product consulted."),
    notes: str = typer.Option("", "--notes", help="Answer / notes (≤ 1000)."),
    phone: str = typer.Option("", "--phone", help="Customer phone (optional)."),
    email: str = typer.Option("", "--email", help="Customer e-mail (optional)."),
    bsn: str = typer.Option("", "--bsn", help="Customer BSN (optional, elfproef)."),
    resolve: bool = typer.Option(False, "--resolve", help="Resolved in this contact."),
    outcome: str = typer.Option("", "--outcome", help="Another outcome from the list."),
    route: str = typer.Option("", "--route", metavar="TEAM", help="Route to this team."),
    note: str = typer.Option("", "--note", help="Internal note for the back office."),
    callback_phone: str = typer.Option("", "--callback-phone", help="Callback phone."),
    callback_email: str = typer.Option("", "--callback-email", help="Callback e-mail."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Register a contact and close it: resolved (--resolve / --outcome) or routed (--route)."""
    chosen = sum(bool(x) for x in (resolve, outcome, route))
    if chosen != 1:
        fail("choose exactly one of --resolve, --outcome TEXT or --route TEAM")
    if not route and (note or callback_phone or callback_email):
        fail("--note, --callback-phone and --callback-email only go with --route TEAM")
    if not question.strip():
        fail("questions[0].text (--question): Vul de vraag van de inwoner in.", BAD_INPUT)
    from loket.domain.errors import DomainError
    from loket.domain.models import (
        OUTCOME_RESOLVED,
        Callback,
        Contact,
        ContactStatus,
        Customer,
        Question,
        utcnow,
    )

    services = _services()
    try:
        customer = Customer(phone=phone, email=email, bsn=bsn)
        contact = Contact(
            agent=services.user.name,
            channel=channel,
            customer=None if customer.is_empty() else customer,
            questions=[Question(text=question, notes=notes, products=[product] if product else [])],
        )
        task = None
        contact.ended_at = utcnow()
        contact.status = ContactStatus.CLOSED
        if route:
            callback = Callback(phone=callback_phone, email=callback_email)
            contact, task = services.contacts.route_question(
                contact,
                contact.questions[0].id,
                team=route,
                internal_note=note,
                callback=callback,
                intake={},
                product=product,
            )
        else:
            contact.questions[0].outcome = OUTCOME_RESOLVED if resolve else outcome
            contact = services.contacts.close(contact)
        services.sync.now(3, retry=False)  # a quick try; the outbox keeps it otherwise
        _print_registered(contact, task, services, as_json)
    except DomainError as exc:
        _domain_fail(exc)
    finally:
        services.close()


def _print_registered(contact: Any, task: Any, services: ConsoleServices, as_json: bool) -> None:
    state = services.sync.state()
    stored = services.contacts.get(contact.id)  # the reference arrives with the sync
    reference = stored.reference if stored is not None else None
    data = {
        "id": contact.id,
        "reference": reference,
        "status": str(contact.status),
        "channel": contact.channel,
        "outcomes": [q.outcome for q in contact.questions],
        "task": None
        if task is None
        else {"id": task.id, "team": task.team, "due_at": task.due_at.isoformat()},
        "synced": state.outbox == 0,
    }
    if as_json:
        print(json.dumps(data))
        return
    print(f"registered contact {contact.id} ({', '.join(data['outcomes'])})")
    if reference:
        print(f"reference number {reference}")
    if task is not None:
        print(f"task {task.id} routed to {task.team}, due {task.due_at:%Y-%m-%d %H:%M} UTC")
    print("synced" if data["synced"] else f"stored locally; {state.outbox} change(s) to sync")


@contact_app.command("list")
def list_contacts(
    limit: int = typer.Option(20, "--limit", min=1, max=10_000, help="How many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """The most recent contacts in the local store (no customer data is printed)."""
    services = _services()
    try:
        rows: list[dict[str, Any]] = [
            {
                "id": c.id,
                "started_at": c.started_at.isoformat(),
                "channel": c.channel,
                "agent": c.agent,
                "status": str(c.status),
                "reference": c.reference,
                "questions": [q.text for q in c.questions],
                "outcomes": [q.outcome for q in c.questions],
            }
            for c in services.contacts.recent(limit)
        ]
    finally:
        services.close()
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        subjects = "; ".join(q for q in row["questions"] if q) or "-"
        ref = row["reference"] or "-"
        print(
            f"{row['started_at'][:16]}  {ref:<10} {row['channel']:<9} {row['status']:<6} {subjects}"
        )
    if not rows:
        print("no contacts yet")


@contact_app.command("find")
def find(
    reference: str = typer.Argument(..., help="The reference number the resident quotes."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """The contact with this reference number, from this console's store and (online)
    the central store's whole KCC, as a customer history shows it (no customer data).
    Exit 1 when there is none, 2 when the number is no reference (a misheard digit)."""
    from loket.domain.errors import DomainError

    services = _services()
    try:
        online = services.sync.state().online is not False
        found = services.contacts.customer_history({"reference": reference}, online=online)
    except DomainError as exc:
        _domain_fail(exc)
    finally:
        services.close()
    rows: list[dict[str, Any]] = [
        {
            "id": s.id,
            "reference": s.reference,
            "started_at": s.started_at.isoformat(),
            "channel": s.channel,
            "agent": s.agent,
            "questions": s.subjects,
            "outcomes": s.outcomes,
            "tasks": [
                {"id": t.id, "status": t.status, "team": t.team, "resolution": t.resolution}
                for t in s.tasks
            ],
            "source": s.source,
        }
        for s in found
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
    for row in [] if as_json else rows:
        print(f"{row['reference']}  {row['started_at'][:16]}  {row['channel']}  {row['agent']}")
        for question, outcome in zip(row["questions"], row["outcomes"], strict=False):
            print(f"  {question or '-'}: {outcome or '-'}")
        for t in row["tasks"]:
            print(f"  task {t['team']}: {t['status']} {t['resolution']}".rstrip())
    if not rows:
        if not as_json:
            print(f"no contact with reference {reference}")
        raise typer.Exit(1)


def sync(
    once: bool = typer.Option(False, "--once", help="One round, then exit."),
    timeout: float = typer.Option(30.0, "--timeout", min=1, help="Seconds per round."),
) -> None:
    """Push the outbox and pull the server's changes; without --once keep going until Ctrl-C."""
    services = _services()
    if not services.sync.has_server():
        services.close()
        fail("no server configured: set LOKET_SERVER_URL and LOKET_TOKEN (or the config file)")
    try:
        if once:
            report = services.sync.now(timeout, retry=False)
            _print_report(report, services)
            if report.error:
                raise typer.Exit(2)
            return
        _follow(services, timeout)
    finally:
        services.close()


def _follow(services: ConsoleServices, timeout: float) -> None:
    interval = services.settings.sync_interval
    try:
        while True:
            report = services.sync.now(timeout)
            if report.moved() or report.error:
                _print_report(report, services)
            time.sleep(interval if not report.error else min(interval, 5.0))
    except KeyboardInterrupt:
        state = services.sync.state()
        print(f"stopped; {state.outbox} change(s) still to sync")


def _print_report(report: SyncReport, services: ConsoleServices) -> None:
    state = services.sync.state()
    print(
        f"pushed {report.pushed}, duplicates {report.duplicates}, conflicts {report.conflicts}, "
        f"rejected {report.rejected}, pulled {report.pulled}; outbox {state.outbox}"
    )
    if report.error:
        print(f"could not finish: {report.error}")
