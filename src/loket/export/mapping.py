"""Domain records → Klantinteracties API resources (VNG standard, Open Klant). No I/O.

One closed contact becomes, per question, the standard's scenario for a contact moment with
a callback request: a `klantcontact`, the agent as a `medewerker` actor linked through an
`actorklantcontact`, the resident as a `betrokkene` (rol klant) with `digitaleadressen`, the
UPL product as an `onderwerpobject`, and for a routed question an `internetaak` assigned to
the team's `organisatorische_eenheid` actor. docs/klantinteracties.md gives every field.

The plan is a list of `Resource`s in dependency order. A body refers to a resource made
earlier in the same plan (or an earlier export) by `Ref(key)`; the exporter replaces it with
`{"uuid": ...}` once that resource exists remotely. Keys are stable local identities, so the
exporter keeps one remote uuid per key and never creates a resource twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loket.domain.models import (
    CHANNEL_MAX,
    CONTENT_MAX,
    SUBJECT_MAX,
    Contact,
    ContactStatus,
    Customer,
    Question,
    Task,
    TaskStatus,
)

REGISTER = "loket"  # codeRegister of the identifiers loket gives its actors
LANGUAGE = "nld"  # ISO 639-2/B
METADATA_MAX = 255
HANDELING_MAX = 200
TOELICHTING_MAX = 1000
DESCRIPTION_MAX = 40  # digitaal adres `omschrijving`
NAME_PART_MAX = 200
PREFIX_MAX = 10
OUTCOME_NOT_REACHED = "verbinding verbroken"
# The standard's phone pattern; 14xxx and 0800/090x numbers fail it and go as `overig`.
PHONE_PATTERN = re.compile(r"^(0[1-9][0-9]{8}|\+[0-9]{9,15}|00[0-9]{7,13})$")
_PREFIXES = ("van der", "van den", "van de", "in 't", "van", "de", "den", "der", "ter", "ten", "te")


@dataclass(frozen=True)
class Ref:
    """The remote uuid of another resource of the plan, filled in when sending."""

    key: str


@dataclass(frozen=True)
class Product:
    """What the export needs of a kb article: its UPL name and URI (may be empty)."""

    id: str
    upl: str = ""
    uri: str = ""


@dataclass
class Resource:
    """One remote resource to exist: POST `body` to `collection` when it has no uuid yet.

    `lookup`: query parameters that find it in the register after an attempt whose outcome
    is unknown (a crash or time-out after the POST went out); `match`: fields an answer
    must have to be this resource. `state`: a fingerprint of what may change later (an
    internetaak's status and team); when the stored state differs, PATCH `update`.
    """

    key: str
    collection: str
    body: dict[str, Any]
    lookup: dict[str, Any] = field(default_factory=dict)
    match: dict[str, Any] = field(default_factory=dict)
    state: str = ""
    update: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportContext:
    """Reference data the mapping needs: team names, kb products, the contact's number."""

    team_names: Mapping[str, str] = field(default_factory=dict)
    products: Mapping[str, Product] = field(default_factory=dict)
    number: int = 0  # the contact's export number: referentienummer = number * 100 + question


def is_exportable(contact: Contact) -> bool:
    """Only ended contacts go to the register: an open one is still being written."""
    return contact.status == ContactStatus.CLOSED


def referentienummer(number: int, question_index: int) -> str:
    """Ten digits, unique per question within loket (8 for the contact, 2 for the question):
    for a contact stored before contacts had a reference number (`contact_reference`)."""
    return f"{number:08d}{question_index:02d}"[-10:]


def contact_reference(contact: Contact, question_index: int, number: int) -> str:
    """The klantcontact's `referentienummer`: the contact's reference number, the one the
    resident was told (every question of the contact shares it, as they share the
    conversation; `metadata.loketVraag` tells them apart), else the export number form."""
    return contact.reference or referentienummer(number, question_index)


def plan_contact(contact: Contact, tasks: Mapping[str, Task], ctx: ExportContext) -> list[Resource]:
    """Every resource one closed contact needs, in dependency order (see module doc)."""
    if not is_exportable(contact):
        return []
    plan: list[Resource] = [medewerker(contact.agent)]
    teams_done: set[str] = set()
    for index, question in enumerate(contact.questions):
        task = tasks.get(question.task_id or "")
        plan.extend(_question(contact, index, question, task, ctx, teams_done))
    return plan


def _question(
    contact: Contact,
    index: int,
    question: Question,
    task: Task | None,
    ctx: ExportContext,
    teams_done: set[str],
) -> list[Resource]:
    kc = f"klantcontact/{question.id}"
    found: list[Resource] = [
        klantcontact(contact, index, question, task, ctx),
        Resource(
            key=f"actorklantcontact/{question.id}",
            collection="actorklantcontacten",
            body={"actor": Ref(f"actor/medewerker/{contact.agent}"), "klantcontact": Ref(kc)},
            lookup={"klantcontact__uuid": Ref(kc)},
        ),
    ]
    found.extend(_resident(contact, question, task))
    for product_id in dict.fromkeys(question.products):
        found.append(onderwerpobject(question, ctx.products.get(product_id, Product(product_id))))
    if task is not None:
        if task.team not in teams_done:
            teams_done.add(task.team)
            found.append(team_actor(task.team, ctx.team_names.get(task.team, task.team)))
        found.append(internetaak(question, task, ctx))
    return found


def medewerker(agent: str) -> Resource:
    """The agent as an actor, identified by the loket user name (no phone, so no
    `actorIdentificatie`: the standard makes its `telefoonnummer` required)."""
    ident = _actor_identificator(agent, "mdw", "gebruikersnaam")
    return Resource(
        key=f"actor/medewerker/{agent}",
        collection="actoren",
        body={
            "naam": _cut(agent, NAME_PART_MAX),
            "soortActor": "medewerker",
            "indicatieActief": True,
            "actoridentificator": ident,
        },
        lookup=_actor_lookup(ident),
    )


def team_actor(team: str, name: str) -> Resource:
    ident = _actor_identificator(team, "oe", "teamcode")
    return Resource(
        key=f"actor/team/{team}",
        collection="actoren",
        body={
            "naam": _cut(name, NAME_PART_MAX),
            "soortActor": "organisatorische_eenheid",
            "indicatieActief": True,
            "actoridentificator": ident,
            "actorIdentificatie": {"omschrijving": _cut(name, NAME_PART_MAX)},
        },
        lookup=_actor_lookup(ident),
    )


def _actor_identificator(object_id: str, kind: str, id_name: str) -> dict[str, str]:
    return {
        "objectId": _cut(object_id, 200),
        "codeObjecttype": kind,
        "codeRegister": REGISTER,
        "codeSoortObjectId": id_name,
    }


def _actor_lookup(ident: dict[str, str]) -> dict[str, Any]:
    return {
        "actoridentificatorObjectId": ident["objectId"],
        "actoridentificatorCodeRegister": ident["codeRegister"],
        "actoridentificatorCodeObjecttype": ident["codeObjecttype"],
    }


def klantcontact(
    contact: Contact, index: int, question: Question, task: Task | None, ctx: ExportContext
) -> Resource:
    number = contact_reference(contact, index, ctx.number)
    metadata = _metadata(
        {
            "bron": "loket",
            "loketContact": contact.id,
            "loketVraag": question.id,
            "uitkomst": question.outcome or "",
            "afhandeltijdSeconden": str(round(contact.handling_seconds(contact.ended_at))),
            "team": task.team if task else "",
            "producten": ",".join(question.products),
            "tevredenheid": "" if contact.satisfaction is None else str(contact.satisfaction),
        }
    )
    body: dict[str, Any] = {
        "referentienummer": number,
        "kanaal": _cut(contact.channel, CHANNEL_MAX),
        "onderwerp": _cut(_subject(question, task, ctx), SUBJECT_MAX),
        "inhoud": _cut(question.notes, CONTENT_MAX),
        "indicatieContactGelukt": question.outcome != OUTCOME_NOT_REACHED,
        "taal": LANGUAGE,
        "vertrouwelijk": False,
        "plaatsgevondenOp": contact.started_at.isoformat(),
        "metadata": metadata,
    }
    return Resource(
        key=f"klantcontact/{question.id}",
        collection="klantcontacten",
        body=body,
        lookup={"referentienummer": number},
        match={"metadata": {"loketVraag": question.id}},
    )


def _subject(question: Question, task: Task | None, ctx: ExportContext) -> str:
    """`onderwerp` is required: the question text, else the task's subject, else the UPL."""
    if question.text.strip():
        return question.text.strip()
    if task is not None and task.subject.strip():
        return task.subject.strip()
    for product_id in question.products:
        product = ctx.products.get(product_id)
        if product is not None and product.upl:
            return product.upl
    return "Contact zonder onderwerp"


def _resident(contact: Contact, question: Question, task: Task | None) -> list[Resource]:
    """The resident as betrokkene, with the addresses to reach them (the callback's first).

    Only when there is something to record: an anonymous caller has no betrokkene. The BSN
    is never sent: a betrokkene has no field for it (a BSN identifies a `partij`, which is
    the municipality's customer register's business, not the contact history's)."""
    customer = contact.customer
    name = (task.callback.name if task else "") or (customer.name if customer else "")
    addresses: list[tuple[str, str]] = []
    if task is not None:
        addresses += [("phone", task.callback.phone), ("email", task.callback.email)]
    if customer is not None:
        addresses += [("phone", customer.phone), ("email", customer.email)]
    seen: dict[str, str] = {}
    for kind, value in addresses:
        value = value.strip()
        if value and value.lower() not in {v.lower() for v in seen}:
            seen[value] = kind
    if not name.strip() and not seen and not correspondentieadres(customer):
        return []
    key = f"betrokkene/{question.id}"
    body: dict[str, Any] = {
        "hadKlantcontact": Ref(f"klantcontact/{question.id}"),
        "rol": "klant",
        "initiator": True,
    }
    if name.strip():
        body["contactnaam"] = contactnaam(name)
    address = correspondentieadres(customer)
    if address:
        body["correspondentieadres"] = address
    found = [
        Resource(
            key=key,
            collection="betrokkenen",
            body=body,
            lookup={"hadKlantcontact__uuid": Ref(f"klantcontact/{question.id}")},
        )
    ]
    callback = {task.callback.phone.strip(), task.callback.email.strip()} if task else set()
    preferred = _PREFERRED_KIND.get(customer.preferred_channel if customer else "")
    own = {customer.phone, customer.email} if customer else set()
    for number, (value, kind) in enumerate(seen.items()):
        standard = kind == preferred and value in own
        found.append(digitaal_adres(key, number, value, kind, value in callback, standard))
    return found


# The resident's preferred channel marks their digitaal adres of that kind as standard.
_PREFERRED_KIND = {"telefoon": "phone", "e-mail": "email"}
_HOUSE_NUMBER = re.compile(r"^(\d+)(.*)$")


def correspondentieadres(customer: Customer | None) -> dict[str, Any]:
    """Postcode and house number as the standard's correspondentieadres ("1234 AB",
    huisnummer, toevoeging); {} unless both are known (the console stores them normalised)."""
    if customer is None or not (customer.postcode and customer.house_number):
        return {}
    match = _HOUSE_NUMBER.match(customer.house_number)
    if not match:
        return {}
    address: dict[str, Any] = {"postcode": customer.postcode, "huisnummer": int(match[1])}
    if match[2].strip("-"):
        address["huisnummertoevoeging"] = _cut(match[2].strip("-"), 20)
    return address


def digitaal_adres(
    betrokkene_key: str,
    number: int,
    value: str,
    kind: str,
    for_callback: bool,
    standard: bool = False,
) -> Resource:
    soort = soort_digitaal_adres(value, kind)
    description = "terugbelverzoek" if for_callback else "opgegeven bij contact"
    return Resource(
        key=f"digitaaladres/{betrokkene_key.split('/', 1)[1]}/{number}",
        collection="digitaleadressen",
        body={
            "verstrektDoorBetrokkene": Ref(betrokkene_key),
            "adres": _cut(value if soort != "telefoonnummer" else _dial(value), 80),
            "soortDigitaalAdres": soort,
            "isStandaardAdres": standard,
            "omschrijving": _cut(description, DESCRIPTION_MAX),
        },
        lookup={"verstrektDoorBetrokkene__uuid": Ref(betrokkene_key)},
        match={"adres": _cut(value if soort != "telefoonnummer" else _dial(value), 80)},
    )


def soort_digitaal_adres(value: str, kind: str) -> str:
    """`email`, `telefoonnummer`, or `overig` for a number the standard's pattern rejects
    (municipal 14-numbers, 0800/090x): exported as written, not lost."""
    if kind == "email":
        return "email"
    return "telefoonnummer" if PHONE_PATTERN.match(_dial(value)) else "overig"


def _dial(value: str) -> str:
    return re.sub(r"[\s.\-/()]", "", value)


def contactnaam(name: str) -> dict[str, str]:
    """A free-text name split the Dutch way: first name, prefix (van, de, ...), surname.

    One word is the surname; initials ("J.") become voorletters."""
    words = name.split()
    first = words[0] if len(words) > 1 else ""
    rest = " ".join(words[1:] if first else words)
    found: dict[str, str] = {}
    if first:
        key = "voorletters" if first.endswith(".") or first.isupper() else "voornaam"
        found[key] = _cut(first, PREFIX_MAX if key == "voorletters" else NAME_PART_MAX)
    lowered = rest.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix + " "):
            found["voorvoegselAchternaam"] = rest[: len(prefix)]
            rest = rest[len(prefix) + 1 :]
            break
    found["achternaam"] = _cut(rest, NAME_PART_MAX)
    return found


def onderwerpobject(question: Question, product: Product) -> Resource:
    """The UPL product the question was about, identified by its UPL URI (or name, or the
    kb id where the article has no UPL)."""
    if product.uri:
        object_id, kind = product.uri, "uri"
    elif product.upl:
        object_id, kind = product.upl, "naam"
    else:
        object_id, kind = product.id, "kb-id"
    ident = {
        "objectId": _cut(object_id, 200),
        "codeObjecttype": "product",
        "codeRegister": "UPL" if kind != "kb-id" else REGISTER,
        "codeSoortObjectId": kind,
    }
    return Resource(
        key=f"onderwerpobject/{question.id}/{product.id}",
        collection="onderwerpobjecten",
        body={
            "klantcontact": Ref(f"klantcontact/{question.id}"),
            "onderwerpobjectidentificator": ident,
        },
        lookup={"klantcontact__uuid": Ref(f"klantcontact/{question.id}")},
        match={"onderwerpobjectidentificator": {"objectId": ident["objectId"]}},
    )


def internetaak(question: Question, task: Task, ctx: ExportContext) -> Resource:
    """The routed question. `verwerkt` once the back office is done; a forward re-assigns
    it to the new team. Returned and forwarded tasks are still to be handled."""
    status = "verwerkt" if task.status == TaskStatus.DONE else "te_verwerken"
    assigned = [Ref(f"actor/team/{task.team}")]
    done_at = _done_at(task) if status == "verwerkt" else None
    body: dict[str, Any] = {
        "aanleidinggevendKlantcontact": Ref(f"klantcontact/{question.id}"),
        "gevraagdeHandeling": _cut(_handeling(task), HANDELING_MAX),
        "toegewezenAanActoren": assigned,
        "toelichting": toelichting(task),
        "status": status,
    }
    if done_at:
        body["afgehandeldOp"] = done_at
    update: dict[str, Any] = {"status": status, "toegewezenAanActoren": assigned}
    if done_at:
        update["afgehandeldOp"] = done_at
    return Resource(
        key=f"internetaak/{task.id}",
        collection="internetaken",
        body=body,
        lookup={"aanleidinggevendKlantcontact__uuid": Ref(f"klantcontact/{question.id}")},
        state=f"{status}|{task.team}",
        update=update,
    )


def _handeling(task: Task) -> str:
    subject = task.subject.strip() or "Vraag afhandelen"
    return f"{str(task.kind).capitalize()}: {subject}"


def _done_at(task: Task) -> str | None:
    for step in reversed(task.log):
        if step.action == "resolved":
            return step.at.isoformat()
    return task.log[-1].at.isoformat() if task.log else None


def toelichting(task: Task) -> str:
    """The intake answers, the callback wish, then the internal note, within 1000
    characters (a long note is cut with an ellipsis; the full task stays in loket)."""
    parts = [f"{q}: {a}" for q, a in task.intake.items() if a.strip()]
    if task.callback.preferred_time.strip():
        parts.append(f"Terugbellen: {task.callback.preferred_time.strip()}")
    parts.append(task.internal_note.strip())
    return _cut("\n".join(p for p in parts if p), TOELICHTING_MAX)


def _metadata(values: Mapping[str, str]) -> dict[str, str]:
    return {key: _cut(value, METADATA_MAX) for key, value in values.items() if value}


def _cut(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def resolve_refs(value: Any, uuids: Mapping[str, str]) -> Any:
    """`value` with every `Ref` replaced by `{"uuid": ...}` (KeyError: not made yet)."""
    if isinstance(value, Ref):
        return {"uuid": uuids[value.key]}
    if isinstance(value, dict):
        return {k: resolve_refs(v, uuids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_refs(v, uuids) for v in value]
    return value


def lookup_params(resource: Resource, uuids: Mapping[str, str]) -> dict[str, str]:
    """The lookup query with references as plain uuids."""
    return {k: uuids[v.key] if isinstance(v, Ref) else str(v) for k, v in resource.lookup.items()}


def matches(answer: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Does a register answer have every field in `wanted` (nested dicts compared by key)?"""
    for key, value in wanted.items():
        got = answer.get(key)
        if isinstance(value, dict):
            if not isinstance(got, dict) or not matches(got, value):
                return False
        elif got != value:
            return False
    return True


__all__ = [
    "ExportContext",
    "Product",
    "Ref",
    "Resource",
    "is_exportable",
    "lookup_params",
    "matches",
    "plan_contact",
    "resolve_refs",
]
