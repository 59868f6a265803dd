"""The mapping and the send step against the validating register: every request the
standard's OpenAPI accepts, the scenario's resources linked as the standard says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loket.domain.models import (
    OUTCOME_RESOLVED,
    OUTCOME_ROUTED,
    Callback,
    Contact,
    ContactStatus,
    Customer,
    Question,
    Task,
    TaskKind,
    TaskStatus,
    TaskStep,
)
from loket.export.client import KlantinteractiesClient, Known, preview, send_plan
from loket.export.mapping import (
    ExportContext,
    Product,
    contactnaam,
    plan_contact,
    soort_digitaal_adres,
)
from tests.export.fake_openklant import TOKEN, FakeOpenKlant

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CTX = ExportContext(
    team_names={"burgerzaken": "Burgerzaken"},
    products={
        "paspoort": Product(
            "paspoort", "Paspoort", "http://standaarden.overheid.nl/owms/terms/Paspoort"
        )
    },
    number=42,
)


def routed_contact(callback_phone: str = "14010") -> tuple[Contact, dict[str, Task]]:
    task = Task(
        kind=TaskKind.TERUGBELVERZOEK,
        product="paspoort",
        team="burgerzaken",
        subject="Paspoort kwijt in buitenland",
        internal_note="Inwoner belt vanuit Spanje. " + "x" * 1200,
        callback=Callback(name="J. de Vries", phone=callback_phone, email="j@example.nl"),
        intake={"Waar verloren?": "Madrid"},
        created_by="anna",
        created_at=START,
    )
    contact = Contact(
        agent="anna",
        channel="telefoon",
        started_at=START,
        ended_at=START + timedelta(minutes=4, seconds=30),
        customer=Customer(name="Jan de Vries", phone="+31612345678", bsn="111222333"),
        questions=[
            Question(
                text="Paspoort verlengen",
                notes="Uitgelegd",
                products=["paspoort"],
                outcome=OUTCOME_RESOLVED,
            ),
            Question(
                text="Paspoort kwijt",
                products=["paspoort"],
                outcome=OUTCOME_ROUTED,
                task_id=task.id,
            ),
        ],
        status=ContactStatus.CLOSED,
    )
    task.contact_id, task.question_id = contact.id, contact.questions[1].id
    return contact, {task.id: task}


def test_a_closed_contact_reaches_the_register_as_the_standard_scenario(
    register: FakeOpenKlant,
) -> None:
    contact, tasks = routed_contact()
    client = KlantinteractiesClient(register.url, TOKEN)
    known = Known()
    send_plan(plan_contact(contact, tasks, CTX), known, client, careful=False)

    reg = register.register
    assert reg.violations == []
    kcs = {kc["metadata"]["loketVraag"]: kc for kc in reg.items("klantcontacten")}
    assert set(kcs) == {q.id for q in contact.questions}
    first, routed = kcs[contact.questions[0].id], kcs[contact.questions[1].id]
    assert first["referentienummer"] == "0000004200" and routed["referentienummer"] == "0000004201"
    assert first["kanaal"] == "telefoon" and first["taal"] == "nld"
    assert first["inhoud"] == "Uitgelegd" and first["indicatieContactGelukt"] is True
    assert first["metadata"]["uitkomst"] == OUTCOME_RESOLVED
    assert first["metadata"]["afhandeltijdSeconden"] == "270"
    assert routed["metadata"]["team"] == "burgerzaken"
    # one medewerker actor for both questions, linked to each klantcontact
    actors = reg.items("actoren")
    assert sorted(a["soortActor"] for a in actors) == ["medewerker", "organisatorische_eenheid"]
    links = reg.items("actorklantcontacten")
    assert {link["klantcontact"]["uuid"] for link in links} == {first["uuid"], routed["uuid"]}
    # the resident, with the callback's addresses; 14010 is not a telefoonnummer there
    betrokkenen = {b["hadKlantcontact"]["uuid"]: b for b in reg.items("betrokkenen")}
    assert betrokkenen[routed["uuid"]]["rol"] == "klant"
    assert betrokkenen[routed["uuid"]]["contactnaam"] == {
        "voorletters": "J.",
        "voorvoegselAchternaam": "de",
        "achternaam": "Vries",
    }
    addresses = {
        a["adres"]: a["soortDigitaalAdres"]
        for a in reg.items("digitaleadressen")
        if a["verstrektDoorBetrokkene"]["uuid"] == betrokkenen[routed["uuid"]]["uuid"]
    }
    assert addresses == {
        "14010": "overig",
        "j@example.nl": "email",
        "+31612345678": "telefoonnummer",
    }
    # no BSN anywhere in what was sent
    assert "111222333" not in repr(reg.data)
    # the routed question as internetaak for the team
    (taak,) = reg.items("internetaken")
    team = next(a for a in actors if a["soortActor"] == "organisatorische_eenheid")
    assert taak["aanleidinggevendKlantcontact"]["uuid"] == routed["uuid"]
    assert taak["toegewezenAanActoren"] == [{"uuid": team["uuid"]}]
    assert taak["status"] == "te_verwerken"
    assert len(taak["toelichting"]) == 1000 and taak["toelichting"].endswith("…")
    assert taak["toelichting"].startswith("Waar verloren?: Madrid\nInwoner belt vanuit Spanje.")
    assert taak["gevraagdeHandeling"] == "Terugbelverzoek: Paspoort kwijt in buitenland"
    (obj,) = {o["onderwerpobjectidentificator"]["objectId"] for o in reg.items("onderwerpobjecten")}
    assert obj.endswith("/Paspoort")


def test_sending_again_sends_nothing_and_a_resolved_task_is_patched(
    register: FakeOpenKlant,
) -> None:
    contact, tasks = routed_contact()
    client = KlantinteractiesClient(register.url, TOKEN)
    known = Known()
    send_plan(plan_contact(contact, tasks, CTX), known, client, careful=False)
    before = len(register.register.requests)
    assert send_plan(plan_contact(contact, tasks, CTX), known, client, careful=False) == 0
    assert len(register.register.requests) == before

    task = next(iter(tasks.values()))
    task.status = TaskStatus.DONE
    task.log.append(TaskStep(at=START + timedelta(days=1), by="bo", action="resolved"))
    assert send_plan(plan_contact(contact, tasks, CTX), known, client, careful=False) == 1
    (taak,) = register.register.items("internetaken")
    assert taak["status"] == "verwerkt" and taak["afgehandeldOp"].startswith("2026-11-24")
    assert register.register.violations == []


def test_careful_send_adopts_what_an_unfinished_attempt_made(register: FakeOpenKlant) -> None:
    contact, tasks = routed_contact()
    client = KlantinteractiesClient(register.url, TOKEN)
    send_plan(plan_contact(contact, tasks, CTX), Known(), client, careful=False)
    made = register.register.created()
    forgotten = Known()  # as if the uuids never reached our database
    send_plan(plan_contact(contact, tasks, CTX), forgotten, client, careful=True)
    assert register.register.created() == made
    assert len(forgotten.uuids) == len(plan_contact(contact, tasks, CTX))
    assert register.register.violations == []


def test_an_open_contact_is_not_exported_and_preview_shows_the_requests() -> None:
    contact, tasks = routed_contact()
    contact.status = ContactStatus.OPEN
    assert plan_contact(contact, tasks, CTX) == []
    contact.status = ContactStatus.CLOSED
    requests = preview(plan_contact(contact, tasks, CTX), Known())
    assert requests[0]["method"] == "POST" and requests[0]["path"] == "/actoren"
    link = next(r for r in requests if r["path"] == "/actorklantcontacten")
    assert link["body"]["actor"] == {"uuid": "<new:actor/medewerker/anna>"}


def test_phone_kinds_and_names() -> None:
    assert soort_digitaal_adres("+31612345678", "phone") == "telefoonnummer"
    assert soort_digitaal_adres("0201234567", "phone") == "telefoonnummer"
    for number in ("14010", "140118", "08001234", "09001234567"):
        assert soort_digitaal_adres(number, "phone") == "overig"
    assert contactnaam("Vries") == {"achternaam": "Vries"}
    assert contactnaam("Piet van der Berg") == {
        "voornaam": "Piet",
        "voorvoegselAchternaam": "van der",
        "achternaam": "Berg",
    }


def test_an_anonymous_contact_has_no_betrokkene(register: FakeOpenKlant) -> None:
    contact = Contact(
        agent="bob",
        channel="balie",
        started_at=START,
        ended_at=START,
        questions=[Question(text="", products=["paspoort"], outcome="verbinding verbroken")],
        status=ContactStatus.CLOSED,
    )
    client = KlantinteractiesClient(register.url, TOKEN)
    send_plan(plan_contact(contact, {}, CTX), Known(), client, careful=False)
    reg = register.register
    assert reg.violations == [] and reg.items("betrokkenen") == []
    (kc,) = reg.items("klantcontacten")
    assert kc["onderwerp"] == "Paspoort" and kc["indicatieContactGelukt"] is False


def test_the_register_refuses_what_the_standard_refuses(register: FakeOpenKlant) -> None:
    """The validator is live: a too-long onderwerp is a 400 naming the field, and recorded."""
    import httpx

    body = {"kanaal": "telefoon", "onderwerp": "x" * 201, "taal": "nld", "vertrouwelijk": False}
    response = httpx.post(
        f"{register.url}/klantinteracties/api/v1/klantcontacten",
        json=body,
        headers={"Authorization": f"Token {TOKEN}"},
    )
    assert response.status_code == 400
    assert "too long" in response.json()["invalidParams"][0]["reason"]
    assert len(register.register.violations) == 1


def test_the_reference_number_is_the_referentienummer_of_every_question(
    register: FakeOpenKlant,
) -> None:
    """The number the resident was told finds the whole conversation in the register; a
    careful resend (lookup by that shared number) still adopts each question's own record."""
    contact, tasks = routed_contact()
    contact.reference = "10000008"
    client = KlantinteractiesClient(register.url, TOKEN)
    send_plan(plan_contact(contact, tasks, CTX), Known(), client, careful=False)
    numbers = {kc["referentienummer"] for kc in register.register.items("klantcontacten")}
    assert numbers == {"10000008"}
    made = register.register.created()
    forgotten = Known()
    send_plan(plan_contact(contact, tasks, CTX), forgotten, client, careful=True)
    assert register.register.created() == made
    assert register.register.violations == []


def test_address_and_preferred_channel_reach_the_betrokkene(register: FakeOpenKlant) -> None:
    contact, _ = routed_contact()
    contact.customer = Customer(
        name="Jan de Vries",
        phone="+31612345678",
        email="jan@example.nl",
        postcode="7411 AB",
        house_number="12A-3",
        preferred_channel="e-mail",
    )
    contact.questions = contact.questions[:1]
    client = KlantinteractiesClient(register.url, TOKEN)
    send_plan(plan_contact(contact, {}, CTX), Known(), client, careful=False)

    reg = register.register
    assert reg.violations == []
    (betrokkene,) = reg.items("betrokkenen")
    assert betrokkene["correspondentieadres"] == {
        "postcode": "7411 AB",
        "huisnummer": 12,
        "huisnummertoevoeging": "A-3",
    }
    standard = {a["adres"]: a["isStandaardAdres"] for a in reg.items("digitaleadressen")}
    assert standard == {"jan@example.nl": True, "+31612345678": False}
