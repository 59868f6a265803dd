"""Field checks: BSN elfproef, phone numbers, postcodes, and whole-record validation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket.domain.errors import DomainError
from loket.domain.models import (
    DEFAULT_CHANNELS,
    DEFAULT_OUTCOMES,
    OUTCOME_ROUTED,
    Callback,
    Contact,
    ContactStatus,
    Customer,
    Question,
    Task,
)
from loket.domain.validation import (
    mask_bsn,
    normalize_customer,
    normalize_phone,
    normalize_postcode,
    validate_bsn,
    validate_contact,
    validate_email,
    validate_kvk,
    validate_task,
)


def fields_of(exc: pytest.ExceptionInfo[DomainError]) -> set[str]:
    return {e.field for e in exc.value.errors}


def check_digit(first8: str) -> int | None:
    """Independent elfproef: the 9th digit that makes the number valid, if any."""
    total = sum(int(d) * w for d, w in zip(first8, range(9, 1, -1), strict=True))
    digit = total % 11
    return digit if digit < 10 else None


# --- BSN -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["111222333", "123456782", "1112.22.333", " 111 222 333 "])
def test_valid_bsn_is_returned_as_nine_digits(raw: str) -> None:
    assert validate_bsn(raw) in {"111222333", "123456782"}
    assert len(validate_bsn(raw)) == 9


def test_eight_digit_bsn_gets_its_leading_zero() -> None:
    first8 = "01234567"
    digit = check_digit(first8)
    assert digit is not None
    bsn = first8 + str(digit)
    assert validate_bsn(bsn[1:]) == bsn


@pytest.mark.parametrize(
    "raw", ["111222334", "12345678a", "1234567", "1234567890", "", "000000000"]
)
def test_invalid_bsn_names_the_field(raw: str) -> None:
    with pytest.raises(DomainError) as exc:
        validate_bsn(raw)
    assert fields_of(exc) == {"customer.bsn"}
    assert "BSN" in str(exc.value)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.integers(0, 8), st.integers(1, 9))
def test_elfproef_catches_every_single_digit_error(first8: str, pos: int, delta: int) -> None:
    digit = check_digit(first8)
    if digit is None or first8 == "00000000":
        return
    bsn = first8 + str(digit)
    assert validate_bsn(bsn) == bsn
    changed = bsn[:pos] + str((int(bsn[pos]) + delta) % 10) + bsn[pos + 1 :]
    with pytest.raises(DomainError):
        validate_bsn(changed)


def test_mask_bsn_shows_only_last_four() -> None:
    assert mask_bsn("123456789") == "*****6789"
    assert mask_bsn("1234.56.789") == "*****6789"
    assert mask_bsn("12") == "**"


# --- KvK, e-mail, postcode -------------------------------------------------------------------


def test_kvk() -> None:
    assert validate_kvk("6935 1234") == "69351234"
    for bad in ("1234567", "123456789", "abcdefgh"):
        with pytest.raises(DomainError) as exc:
            validate_kvk(bad)
        assert fields_of(exc) == {"customer.kvk"}


@pytest.mark.parametrize("good", ["a@b.nl", " jan.jansen+kcc@voorbeeld.nl ", "x@sub.domein.org"])
def test_valid_email(good: str) -> None:
    assert validate_email(good) == good.strip()


@pytest.mark.parametrize("bad", ["", "jan", "jan@", "@voorbeeld.nl", "jan@voorbeeld", "a b@c.nl"])
def test_invalid_email(bad: str) -> None:
    with pytest.raises(DomainError) as exc:
        validate_email(bad, field="callback.email")
    assert fields_of(exc) == {"callback.email"}


@pytest.mark.parametrize(("raw", "want"), [("1234ab", "1234 AB"), (" 7411 Cd ", "7411 CD")])
def test_postcode_normalised(raw: str, want: str) -> None:
    assert normalize_postcode(raw) == want


@pytest.mark.parametrize("bad", ["0123 AB", "123 AB", "1234", "1234 SS", "1234 A1", "12345 AB"])
def test_invalid_postcode(bad: str) -> None:
    with pytest.raises(DomainError):
        normalize_postcode(bad)


# --- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("06 12345678", "+31612345678"),
        ("06-1234 5678", "+31612345678"),
        ("010 - 123 45 67", "+31101234567"),
        ("(010) 1234567", "+31101234567"),
        ("+31 6 12345678", "+31612345678"),
        ("+31 (0)6 12345678", "+31612345678"),
        ("0031612345678", "+31612345678"),
        ("+32 470 12 34 56", "+32470123456"),
        ("14 010", "14010"),
        ("140118", "140118"),
        ("0800-1234", "08001234"),
        ("0900 1234567", "09001234567"),
    ],
)
def test_phone_normalised(raw: str, want: str) -> None:
    assert normalize_phone(raw) == want


@pytest.mark.parametrize(
    "bad", ["", "12345", "0612345", "061234567890", "+31061234567", "+3161234567", "06abc45678"]
)
def test_invalid_phone_explains_in_dutch(bad: str) -> None:
    with pytest.raises(DomainError) as exc:
        normalize_phone(bad)
    assert fields_of(exc) == {"customer.phone"}
    assert "telefoonnummer" in str(exc.value) or "+31" in str(exc.value)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_every_mobile_number_has_one_normal_form(rest: str) -> None:
    forms = {
        normalize_phone(f"06{rest}"),
        normalize_phone(f"+316{rest}"),
        normalize_phone(f"00316{rest}"),
    }
    assert forms == {f"+316{rest}"}


# --- contact ---------------------------------------------------------------------------------


def contact(**kwargs: object) -> Contact:
    c = Contact(agent="anna", channel="telefoon")
    for key, value in kwargs.items():
        setattr(c, key, value)
    return c


def check(c: Contact, closing: bool = False) -> None:
    validate_contact(c, DEFAULT_CHANNELS, DEFAULT_OUTCOMES, closing=closing)


def test_new_contact_is_valid_while_open() -> None:
    check(contact())


def test_contact_collects_every_error_with_paths() -> None:
    c = contact(
        channel="postduif",
        satisfaction=6,
        customer=Customer(bsn="123", phone="12", email="x", postcode="12", kvk="1"),
        questions=[
            Question(text="ok", outcome="zelfstandig afgehandeld"),
            Question(text="x" * 201, notes="y" * 1001, outcome="weet ik veel"),
        ],
    )
    with pytest.raises(DomainError) as exc:
        check(c)
    assert fields_of(exc) == {
        "channel",
        "satisfaction",
        "customer.bsn",
        "customer.phone",
        "customer.email",
        "customer.postcode",
        "customer.kvk",
        "questions[1].text",
        "questions[1].notes",
        "questions[1].outcome",
    }


def test_limits_are_inclusive() -> None:
    check(contact(questions=[Question(text="x" * 200, notes="y" * 1000)]))
    with pytest.raises(DomainError):
        check(contact(questions=[Question(text="x" * 201)]))


def test_channel_longer_than_50_is_refused_even_if_configured() -> None:
    long = "k" * 51
    with pytest.raises(DomainError) as exc:
        validate_contact(contact(channel=long), [long], DEFAULT_OUTCOMES)
    assert "50" in str(exc.value)


def test_closing_needs_an_outcome_per_question() -> None:
    c = contact(questions=[Question(outcome="doorverbonden"), Question()])
    check(c)
    with pytest.raises(DomainError) as exc:
        check(c, closing=True)
    assert fields_of(exc) == {"questions[1].outcome"}
    c.status = ContactStatus.CLOSED
    with pytest.raises(DomainError):
        check(c)


def test_closing_needs_a_question() -> None:
    with pytest.raises(DomainError) as exc:
        check(contact(questions=[]), closing=True)
    assert fields_of(exc) == {"questions"}


def test_routed_outcome_needs_task_id() -> None:
    c = contact(questions=[Question(outcome=OUTCOME_ROUTED)])
    with pytest.raises(DomainError) as exc:
        check(c)
    assert fields_of(exc) == {"questions[0].task_id"}
    c.questions[0].task_id = "t-1"
    check(c, closing=True)


def test_routed_outcome_accepted_even_if_list_forgets_it() -> None:
    c = contact(questions=[Question(outcome=OUTCOME_ROUTED, task_id="t")])
    validate_contact(c, DEFAULT_CHANNELS, ["zelfstandig afgehandeld"])


@pytest.mark.parametrize("score", [0, 6, True, 2.5])
def test_satisfaction_is_1_to_5(score: object) -> None:
    with pytest.raises(DomainError):
        check(contact(satisfaction=score))
    check(contact(satisfaction=5))


def test_end_before_start_refused() -> None:
    c = contact()
    c.ended_at = c.started_at - timedelta(seconds=1)
    with pytest.raises(DomainError) as exc:
        check(c)
    assert fields_of(exc) == {"ended_at"}


def test_normalize_customer() -> None:
    cust = normalize_customer(
        Customer(name=" Jan ", phone="06 12345678", bsn="1112.22.333", postcode="7411ab")
    )
    assert (cust.name, cust.phone, cust.bsn, cust.postcode) == (
        "Jan",
        "+31612345678",
        "111222333",
        "7411 AB",
    )
    with pytest.raises(DomainError):
        normalize_customer(Customer(bsn="1"))


# --- task ------------------------------------------------------------------------------------


def task(**kwargs: object) -> Task:
    t = Task(team="wmo", internal_note="Belt over traplift", callback=Callback(phone="0612345678"))
    for key, value in kwargs.items():
        setattr(t, key, value)
    return t


def test_valid_task() -> None:
    validate_task(task())
    validate_task(task(callback=Callback(email="a@b.nl")))


def test_task_collects_every_error() -> None:
    t = task(
        team=" ",
        internal_note="",
        subject="s" * 201,
        callback=Callback(),
        intake={"Woont de inwoner alleen?": "a" * 1001},
    )
    with pytest.raises(DomainError) as exc:
        validate_task(t)
    assert fields_of(exc) == {"team", "internal_note", "subject", "callback", "intake[0].answer"}


def test_task_callback_details_are_validated() -> None:
    with pytest.raises(DomainError) as exc:
        validate_task(task(callback=Callback(phone="123", email="nope")))
    assert fields_of(exc) == {"callback.phone", "callback.email"}


def test_internal_note_limit() -> None:
    validate_task(task(internal_note="n" * 1000))
    with pytest.raises(DomainError) as exc:
        validate_task(task(internal_note="n" * 1001))
    assert fields_of(exc) == {"internal_note"}


# --- address, KvK and preferred channel (issue 10 §3) ------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("12", "12"),
        (" 12a ", "12A"),
        ("12 A", "12A"),
        ("12-3", "12-3"),
        ("12 bis", "12-BIS"),
        ("12a-2", "12A-2"),
        ("99999", "99999"),
    ],
)
def test_house_numbers_take_their_canonical_form(typed: str, canonical: str) -> None:
    from loket.domain.validation import normalize_house_number

    assert normalize_house_number(typed) == canonical


@pytest.mark.parametrize("typed", ["0", "a12", "123456", "12 toevoeging", "12--3", ""])
def test_bad_house_numbers_are_refused_in_dutch(typed: str) -> None:
    from loket.domain.validation import normalize_house_number

    with pytest.raises(DomainError) as caught:
        normalize_house_number(typed)
    assert caught.value.errors[0].field == "customer.house_number"
    assert "huisnummer" in caught.value.errors[0].message


def test_lookup_keys_take_only_complete_valid_keys_and_the_address_whole() -> None:
    from loket.domain.validation import lookup_keys

    half = Customer(phone="06 12", email="jan@", bsn="1234", kvk="1234", postcode="1234 AB")
    assert lookup_keys(half) == {}
    whole = Customer(
        phone="06-12345678",
        email="Jan@Example.nl",
        kvk="1234.5678",
        postcode="1234ab",
        house_number="12a",
    )
    assert lookup_keys(whole) == {
        "phone": normalize_phone("0612345678"),
        "email": "jan@example.nl",
        "kvk": "12345678",
        "postcode": "1234 AB",
        "house_number": "12A",
    }
    assert lookup_keys(None) == {}


@pytest.mark.parametrize(
    ("customer", "field", "word"),
    [
        (Customer(preferred_channel="e-mail", phone="0612345678"), "preferred_channel", "e-mail"),
        (Customer(preferred_channel="telefoon", email="a@b.nl"), "preferred_channel", "telefoon"),
        (Customer(preferred_channel="post", postcode="1234 AB"), "preferred_channel", "huisnummer"),
        (Customer(preferred_channel="duif"), "preferred_channel", "Onbekend"),
        (Customer(house_number="12"), "postcode", "postcode"),
    ],
)
def test_a_preferred_channel_needs_its_detail_and_a_house_number_its_postcode(
    customer: Customer, field: str, word: str
) -> None:
    contact = Contact(channel="telefoon", customer=customer)
    with pytest.raises(DomainError) as caught:
        validate_contact(contact, DEFAULT_CHANNELS, DEFAULT_OUTCOMES)
    assert [e.field for e in caught.value.errors] == [f"customer.{field}"]
    assert word in caught.value.errors[0].message


def test_a_complete_address_with_preferred_post_is_normalised() -> None:
    customer = Customer(postcode="1234ab", house_number="7 b", preferred_channel="post")
    validate_contact(Contact(channel="telefoon", customer=customer), DEFAULT_CHANNELS, [])
    normal = normalize_customer(customer)
    assert (normal.postcode, normal.house_number, normal.preferred_channel) == (
        "1234 AB",
        "7B",
        "post",
    )
