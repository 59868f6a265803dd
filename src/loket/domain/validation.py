"""Field checks for contacts and tasks, with Dutch messages the console shows as is.

Single-value checks (`validate_bsn`, `normalize_phone`, ...) return the cleaned value or
raise `DomainError` with one `FieldError`; record checks (`validate_contact`,
`validate_task`) collect *every* problem so the agent fixes them in one go.
Limits follow the Klantinteracties standard (see `models`), so an export never fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from loket.domain.errors import DomainError, FieldError
from loket.domain.models import (
    CHANNEL_MAX,
    CONTENT_MAX,
    INTERNAL_NOTE_MAX,
    OUTCOME_ROUTED,
    PREFERRED_CHANNELS,
    SUBJECT_MAX,
    Callback,
    Contact,
    ContactStatus,
    Customer,
    Task,
)

NAME_MAX = SUBJECT_MAX
EMAIL_MAX = 254  # RFC 5321 path limit
_SEPARATORS = re.compile(r"[\s.\-/()]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s*([A-Za-z]{2})$")
_POSTCODE_NOT_ISSUED = {"SA", "SD", "SS"}  # letter pairs PostNL never issues
# BAG: huisnummer 1..99999, an optional huisletter and a toevoeging of up to 4 characters.
_HOUSE_NUMBER = re.compile(r"^([1-9][0-9]{0,4})\s*([A-Za-z]?)\s*(?:[-\s]\s*([A-Za-z0-9]{1,4}))?$")
_SERVICE_PREFIXES = ("0800", "0900", "0906", "0909")


def _fail(field: str, message: str) -> DomainError:
    return DomainError(FieldError(field, message))


def _digits(value: str) -> str:
    return _SEPARATORS.sub("", value or "")


# --- single values ---------------------------------------------------------------------------


def validate_bsn(value: str, field: str = "customer.bsn") -> str:
    """Return the BSN as 9 digits, or raise. Spaces and dots are ignored; an 8-digit number
    gets its leading zero back (old BSNs/sofi-numbers are often written without it)."""
    digits = _digits(value)
    if not digits.isdigit() or len(digits) not in (8, 9):
        raise _fail(field, "Een BSN bestaat uit 9 cijfers.")
    digits = digits.zfill(9)
    if digits == "000000000" or not _elfproef(digits):
        raise _fail(field, "Dit BSN klopt niet (elfproef). Controleer de cijfers.")
    return digits


def _elfproef(digits: str) -> bool:
    """The BSN check: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is divisible by 11."""
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def mask_bsn(value: str) -> str:
    """Show only the last 4 digits (`*****6789`): enough to confirm, too little to misuse."""
    digits = _digits(value)
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


_MASKED_BSN = re.compile(r"^\*+\d{0,4}$")


def is_masked_bsn(value: str) -> bool:
    """Whether a BSN field holds the masked form (`*****6789`): the central store keeps the
    number and sends only this, so a record coming back with it means "unchanged"."""
    return bool(_MASKED_BSN.match(value or ""))


def validate_kvk(value: str, field: str = "customer.kvk") -> str:
    """Return the KvK number as 8 digits, or raise."""
    digits = _digits(value)
    if not digits.isdigit() or len(digits) != 8:
        raise _fail(field, "Een KvK-nummer bestaat uit 8 cijfers.")
    return digits


def kvk_key(value: str) -> str:
    """The form KvK numbers are compared in (lookups, the console's history): the 8 digits
    when valid, else "" (an invalid number finds nobody). Never raises."""
    try:
        return validate_kvk(value) if (value or "").strip() else ""
    except DomainError:
        return ""


def normalize_phone(value: str, field: str = "customer.phone") -> str:
    """Return a dialable, comparable form, or raise.

    Dutch numbers (06…, 010…, +31…, 0031…, "+31 (0)6…") become E.164: "+31612345678".
    Foreign numbers (+32…, 0049…) become "+" and 8-15 digits. Municipal 14-numbers
    ("14 010", "140118") and 0800/090x service numbers stay national ("14010",
    "08001234"): they cannot be dialled from abroad, so "+31" would be wrong.
    """
    raw = (value or "").strip().replace("(0)", "")
    plus = raw.startswith("+")
    digits = _digits(raw[1:] if plus else raw)
    if not digits.isdigit():
        raise _fail(field, _PHONE_HELP)
    if plus or digits.startswith("00"):
        return _international(digits if plus else digits[2:], field)
    if digits.startswith("140") and 5 <= len(digits) <= 7:
        return digits
    if digits.startswith(_SERVICE_PREFIXES) and len(digits) in (8, 11):
        return digits
    if len(digits) == 10 and digits[0] == "0" and digits[1] != "0":
        return "+31" + digits[1:]
    raise _fail(field, _PHONE_HELP)


def phone_key(value: str) -> str:
    """The form phone numbers are compared in (lookups, the console's history): the
    `normalize_phone` form when the number is valid, else its bare digits, so even a
    number typed wrongly finds itself again. Never raises."""
    if not (value or "").strip():
        return ""
    try:
        return normalize_phone(value)
    except DomainError:
        return "".join(ch for ch in value if ch.isdigit())


_PHONE_HELP = (
    "Ongeldig telefoonnummer. Gebruik 10 cijfers (06 12345678 of 010 1234567), "
    "+31…, een buitenlands nummer met + of een 14-nummer (14 010)."
)


def _international(digits: str, field: str) -> str:
    if digits.startswith("31"):
        national = digits[2:]
        if len(national) == 9 and national[0] != "0":
            return "+31" + national
        raise _fail(field, "Een Nederlands nummer na +31 heeft 9 cijfers, zonder de 0.")
    if 8 <= len(digits) <= 15 and digits[0] != "0":
        return "+" + digits
    raise _fail(field, _PHONE_HELP)


def validate_email(value: str, field: str = "customer.email") -> str:
    """Return the trimmed address, or raise. Deliberately loose: a typo check, not RFC 5322."""
    email = (value or "").strip()
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise _fail(field, "Ongeldig e-mailadres (voorbeeld: naam@voorbeeld.nl).")
    return email


def normalize_postcode(value: str, field: str = "customer.postcode") -> str:
    """Return "1234 AB", or raise."""
    match = _POSTCODE.match((value or "").strip())
    if not match or match.group(2).upper() in _POSTCODE_NOT_ISSUED:
        raise _fail(field, "Ongeldige postcode (voorbeeld: 1234 AB).")
    return f"{match.group(1)} {match.group(2).upper()}"


def normalize_house_number(value: str, field: str = "customer.house_number") -> str:
    """Return "12", "12A", "12-3" or "12A-BIS" (number, letter, addition), or raise."""
    match = _HOUSE_NUMBER.match((value or "").strip())
    if not match:
        raise _fail(field, "Ongeldig huisnummer (voorbeeld: 12, 12A of 12-3).")
    number, letter, addition = match.groups()
    return number + letter.upper() + (f"-{addition.upper()}" if addition else "")


def address_key(postcode: str, house_number: str) -> str:
    """One resident's address as a look-up key ("1234AB:12A"); "" when either part is
    missing or invalid, so a half-typed address never finds another household."""
    try:
        code = normalize_postcode(postcode).replace(" ", "")
        return f"{code}:{normalize_house_number(house_number)}"
    except DomainError:
        return ""


# The customer fields earlier contacts are found by (postcode and house number together).
LOOKUP_FIELDS = ("phone", "email", "bsn", "kvk", "postcode", "house_number")


def lookup_keys(customer: Customer | None) -> dict[str, str]:
    """The complete, valid keys to find this customer's earlier contacts by, in canonical
    form: a half-typed or invalid number never finds somebody else. The address counts only
    as postcode and house number together."""
    if customer is None:
        return {}
    checks: tuple[tuple[str, Callable[[str], str]], ...] = (
        ("phone", normalize_phone),
        ("email", lambda v: validate_email(v).lower()),
        ("bsn", validate_bsn),
        ("kvk", validate_kvk),
    )
    keys: dict[str, str] = {}
    for name, check in checks:
        value = getattr(customer, name).strip()
        if name == "phone" and len(_digits(value)) < 10:
            continue  # "06 12" is valid while typing but no one's number yet
        try:
            keys[name] = check(value) if value else ""
        except DomainError:
            continue
    if address_key(customer.postcode, customer.house_number):
        keys["postcode"] = normalize_postcode(customer.postcode)
        keys["house_number"] = normalize_house_number(customer.house_number)
    return {name: value for name, value in keys.items() if value}


# --- records ---------------------------------------------------------------------------------


def _collect(errors: list[FieldError], check: Callable[..., str], value: str, field: str) -> None:
    """Run a single-value check and keep its errors instead of stopping at the first."""
    try:
        check(value, field)
    except DomainError as exc:
        errors.extend(exc.errors)


def _max_len(errors: list[FieldError], value: str, limit: int, field: str) -> None:
    if len(value or "") > limit:
        errors.append(FieldError(field, f"Maximaal {limit} tekens (nu {len(value)})."))


# C0/C1 control characters and DEL; a multi-line text keeps its line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _no_control(errors: list[FieldError], value: str, field: str, *, multiline: bool) -> None:
    """Control characters garble screens, logs and exports; refuse them where typed."""
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL
    if pattern.search(value or ""):
        errors.append(FieldError(field, "Bevat een stuurteken; verwijder het."))


def customer_errors(customer: Customer, prefix: str = "customer") -> list[FieldError]:
    """Every problem in the filled-in customer fields (empty is fine: most stay anonymous)."""
    errors: list[FieldError] = []
    _max_len(errors, customer.name, NAME_MAX, f"{prefix}.name")
    checks: tuple[tuple[str, Callable[..., str]], ...] = (
        ("bsn", validate_bsn),
        ("kvk", validate_kvk),
        ("phone", normalize_phone),
        ("email", validate_email),
        ("postcode", normalize_postcode),
        ("house_number", normalize_house_number),
    )
    for name, check in checks:
        value = getattr(customer, name)
        if name == "bsn" and is_masked_bsn(value):
            continue  # known to the central store, unchanged
        if value:
            _collect(errors, check, value, f"{prefix}.{name}")
    if customer.house_number and not customer.postcode:
        errors.append(
            FieldError(f"{prefix}.postcode", "Vul bij het huisnummer ook de postcode in.")
        )
    errors.extend(_preferred_channel_errors(customer, prefix))
    return errors


# What each preferred channel needs to be usable; the message names the missing detail.
_PREFERRED_NEEDS = {
    "telefoon": (("phone",), "Vul een telefoonnummer in voor voorkeurskanaal telefoon."),
    "e-mail": (("email",), "Vul een e-mailadres in voor voorkeurskanaal e-mail."),
    "post": (
        ("postcode", "house_number"),
        "Vul postcode en huisnummer in voor voorkeurskanaal post.",
    ),
}


def _preferred_channel_errors(customer: Customer, prefix: str) -> list[FieldError]:
    """A preferred channel is one the back office can use: known, with its detail filled in."""
    channel = customer.preferred_channel
    field = f"{prefix}.preferred_channel"
    if not channel:
        return []
    if channel not in PREFERRED_CHANNELS:
        return [FieldError(field, f"Onbekend voorkeurskanaal '{channel[:CHANNEL_MAX]}'.")]
    needs, message = _PREFERRED_NEEDS[channel]
    return (
        []
        if all(getattr(customer, name).strip() for name in needs)
        else [FieldError(field, message)]
    )


def normalize_customer(customer: Customer) -> Customer:
    """A copy with BSN, KvK, phone and address in their canonical form; raises on bad input."""
    errors = customer_errors(customer)
    if errors:
        raise DomainError(errors)
    return Customer(
        name=customer.name.strip(),
        phone=normalize_phone(customer.phone) if customer.phone else "",
        email=validate_email(customer.email) if customer.email else "",
        bsn=validate_bsn(customer.bsn)
        if customer.bsn and not is_masked_bsn(customer.bsn)
        else customer.bsn,
        kvk=validate_kvk(customer.kvk) if customer.kvk else "",
        postcode=normalize_postcode(customer.postcode) if customer.postcode else "",
        house_number=normalize_house_number(customer.house_number) if customer.house_number else "",
        district=customer.district,
        preferred_channel=customer.preferred_channel,
    )


def validate_contact(
    contact: Contact, channels: Iterable[str], outcomes: Iterable[str], closing: bool = False
) -> None:
    """Raise DomainError with every problem in the contact.

    `closing=True` (or a contact already marked closed) adds the closing rules: at least one
    question, and every question has an outcome. A routed outcome always needs its task id.
    `OUTCOME_ROUTED` is accepted even when a configured outcome list forgets it.
    """
    errors: list[FieldError] = []
    channel_list = list(channels)
    allowed_outcomes = {*outcomes, OUTCOME_ROUTED}
    if not contact.channel:
        errors.append(FieldError("channel", "Kies een kanaal."))
    elif len(contact.channel) > CHANNEL_MAX:
        _max_len(errors, contact.channel, CHANNEL_MAX, "channel")
    elif contact.channel not in channel_list:
        errors.append(FieldError("channel", f"Onbekend kanaal '{contact.channel}'."))
    if contact.ended_at and contact.ended_at < contact.started_at:
        errors.append(FieldError("ended_at", "Het einde ligt vóór het begin van het contact."))
    wrapup = contact.wrapup_started_at
    if wrapup and (wrapup < contact.started_at or (contact.ended_at and contact.ended_at < wrapup)):
        errors.append(
            FieldError(
                "wrapup_started_at", "Het nawerk ligt buiten het begin en einde van het contact."
            )
        )
    sat = contact.satisfaction
    if sat is not None and (isinstance(sat, bool) or not isinstance(sat, int) or not 1 <= sat <= 5):
        errors.append(FieldError("satisfaction", "Tevredenheid is een cijfer van 1 tot en met 5."))
    if contact.customer is not None:
        errors.extend(customer_errors(contact.customer))
    closing = closing or contact.status == ContactStatus.CLOSED
    errors.extend(_question_errors(contact, allowed_outcomes, closing))
    if errors:
        raise DomainError(errors)


def _question_errors(contact: Contact, outcomes: set[str], closing: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    if closing and not contact.questions:
        errors.append(FieldError("questions", "Een contact heeft minstens één vraag."))
    for i, question in enumerate(contact.questions):
        path = f"questions[{i}]"
        _max_len(errors, question.text, SUBJECT_MAX, f"{path}.text")
        _max_len(errors, question.notes, CONTENT_MAX, f"{path}.notes")
        _no_control(errors, question.text, f"{path}.text", multiline=False)
        _no_control(errors, question.notes, f"{path}.notes", multiline=True)
        if question.outcome is None or question.outcome == "":
            if closing:
                errors.append(FieldError(f"{path}.outcome", "Kies een afhandeling."))
        elif question.outcome not in outcomes:
            errors.append(
                FieldError(f"{path}.outcome", f"Onbekende afhandeling '{question.outcome}'.")
            )
        elif question.outcome == OUTCOME_ROUTED and not question.task_id:
            errors.append(FieldError(f"{path}.task_id", "Doorgezet, maar er is geen taak gemaakt."))
    return errors


def validate_task(task: Task) -> None:
    """Raise DomainError with every problem in a task that is about to be routed."""
    errors: list[FieldError] = []
    if not task.team.strip():
        errors.append(FieldError("team", "Kies het team dat de vraag oppakt."))
    if not task.internal_note.strip():
        errors.append(FieldError("internal_note", "Een interne notitie is verplicht."))
    _max_len(errors, task.internal_note, INTERNAL_NOTE_MAX, "internal_note")
    _no_control(errors, task.internal_note, "internal_note", multiline=True)
    _max_len(errors, task.subject, SUBJECT_MAX, "subject")
    _max_len(errors, task.resolution, CONTENT_MAX, "resolution")
    errors.extend(callback_errors(task.callback))
    for i, (question, answer) in enumerate(task.intake.items()):
        _max_len(errors, question, SUBJECT_MAX, f"intake[{i}].question")
        _max_len(errors, answer, CONTENT_MAX, f"intake[{i}].answer")
    if errors:
        raise DomainError(errors)


def callback_errors(callback: Callback, prefix: str = "callback") -> list[FieldError]:
    """The back office must be able to reach the resident: a valid phone number or e-mail."""
    errors: list[FieldError] = []
    _max_len(errors, callback.name, NAME_MAX, f"{prefix}.name")
    _max_len(errors, callback.preferred_time, SUBJECT_MAX, f"{prefix}.preferred_time")
    if not callback.phone.strip() and not callback.email.strip():
        errors.append(
            FieldError(prefix, "Vul een telefoonnummer of e-mailadres in voor het terugbellen.")
        )
    if callback.phone.strip():
        _collect(errors, normalize_phone, callback.phone, f"{prefix}.phone")
    if callback.email.strip():
        _collect(errors, validate_email, callback.email, f"{prefix}.email")
    return errors
