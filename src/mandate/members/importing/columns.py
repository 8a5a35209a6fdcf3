"""The columns an import recognises: their headings, and how each cell is read and checked."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from mandate.members.models import ContractType, MemberStatus
from mandate.members.validation import (
    normalise_email,
    normalise_phone,
    normalise_postcode,
    parse_uk_date,
    quick_emails,
    quick_gb_e164,
    quick_gb_phones,
    quick_postcodes,
)


class CellError(ValueError):
    """One cell cannot be read; the message says why, for the person fixing the file."""


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def heading_key(text: str) -> str:
    """The form of a heading or a name used to match it: lower case, letters and digits only."""
    return _NOT_ALNUM.sub("", text.casefold())


# What an empty cell means for a column that is in the file.
CLEARS = "clears"  # the value becomes empty
KEEPS = "keeps"  # the register keeps what it has (a new member gets the default)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    target: str  # "member" or "employment"
    synonyms: tuple[str, ...]
    reader: Callable[[str], Any]
    empty: str = CLEARS
    # Optional: given many stripped texts, each one's value if it can vouch for it at once,
    # else None; the Nones go through the reader one by one. Never vouches for an empty cell
    # or a formula.
    bulk: Callable[[list[str]], list[Any]] | None = None
    # Nearly every cell differs (numbers, addresses): reading each distinct value once would
    # cost more than it saves.
    distinct: bool = False
    empty_value: Any = ""
    hint: str = ""

    def __post_init__(self) -> None:
        if self.bulk is None and isinstance(self.reader, _Text):
            object.__setattr__(self, "bulk", self.reader.bulk)


class _Text:
    """Plain text up to a length: the column's width in the database."""

    def __init__(self, max_length: int) -> None:
        self.max_length = max_length

    def __call__(self, value: str) -> str:
        if len(value) > self.max_length:
            raise CellError(f"Longer than {self.max_length} characters.")
        return value

    def bulk(self, texts: list[str]) -> list[str | None]:
        limit = self.max_length
        return [t if t and t[0] != "=" and len(t) <= limit else None for t in texts]


def _text(max_length: int) -> _Text:
    return _Text(max_length)


def _validated(normalise: Callable[[str], str]) -> Callable[[str], str]:
    def read(value: str) -> str:
        try:
            return normalise(value)
        except ValidationError as exc:
            raise CellError(exc.messages[0]) from None

    return read


def _phone(value: str) -> str:
    region = settings.MANDATE_DEFAULT_PHONE_REGION
    # Most numbers in a register are plainly written UK ones: skip the wrappers for them.
    found = quick_gb_e164(value) if region == "GB" else None
    if found is not None:
        return found
    try:
        return normalise_phone(value, region)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


def _phones(texts: list[str]) -> list[str | None]:
    if settings.MANDATE_DEFAULT_PHONE_REGION == "GB":
        return quick_gb_phones(texts)
    return [None] * len(texts)


def _date(value: str) -> Any:
    try:
        return parse_uk_date(value)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


def _postcode(value: str) -> str:
    try:
        return normalise_postcode(value)
    except ValidationError:
        raise CellError(f"{value!r} is not a UK postcode (for example L69 3BX).") from None


_TRUE = {"y", "yes", "true", "1", "t", "x", "ok"}
_FALSE = {"n", "no", "false", "0", "f"}


def _bool(value: str) -> bool:
    key = value.casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(f"{value!r} is not yes or no: write Y or N, Yes or No, TRUE or FALSE, 1 or 0.")


def _choices(mapping: dict[str, str], what: str, examples: str) -> Callable[[str], str]:
    table = {heading_key(k): v for k, v in mapping.items()}

    def read(value: str) -> str:
        found = table.get(heading_key(value))
        if found is None:
            raise CellError(f"{value!r} is not a {what}: use {examples}.")
        return found

    return read


_STATUS = {
    **{label: value for value, label in MemberStatus.choices},
    **{value: value for value in MemberStatus.values},
    "current": MemberStatus.ACTIVE,
    "member": MemberStatus.ACTIVE,
    "in benefit": MemberStatus.ACTIVE,
    "arrears": MemberStatus.LAPSED,
    "in arrears": MemberStatus.LAPSED,
    "left": MemberStatus.RESIGNED,
    "ceased": MemberStatus.RESIGNED,
    "died": MemberStatus.DECEASED,
}
_CONTRACT = {
    **{label: value for value, label in ContractType.choices},
    **{value: value for value in ContractType.values},
    "permanent": ContractType.OPEN_ENDED,
    "open ended": ContractType.OPEN_ENDED,
    "indefinite": ContractType.OPEN_ENDED,
    "fixed term": ContractType.FIXED_TERM,
    "fixed-term contract": ContractType.FIXED_TERM,
    "FTC": ContractType.FIXED_TERM,
    "temporary": ContractType.FIXED_TERM,
    "hourly paid": ContractType.HOURLY_PAID,
    "hourly": ContractType.HOURLY_PAID,
    "sessional": ContractType.HOURLY_PAID,
    "casual": ContractType.HOURLY_PAID,
    "zero hours": ContractType.ZERO_HOURS,
    "zero-hours contract": ContractType.ZERO_HOURS,
    "0 hours": ContractType.ZERO_HOURS,
}

_MONEY_JUNK = re.compile(r"[£,\s]|GBP", re.IGNORECASE)
_SALARY_MAX = Decimal("99999999.99")
_CENTS = Decimal("0.01")
_THOUSANDTHS = Decimal("0.001")


def _salary(value: str) -> Decimal:
    cleaned = value.replace("£", "").replace(",", "")
    if not cleaned.replace(".", "").isdigit():
        cleaned = _MONEY_JUNK.sub("", cleaned)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(f"{value!r} is not an amount of money (for example 42,000).") from None
    if not amount.is_finite() or amount < 0 or amount > _SALARY_MAX:
        raise CellError(f"{value!r} is not a plausible annual salary.")
    return amount.quantize(_CENTS)


def _fte(value: str) -> Decimal:
    cleaned = value.replace(" ", "")
    percent = cleaned.endswith("%")
    try:
        amount = Decimal(cleaned.rstrip("%"))
    except InvalidOperation:
        raise CellError(f"{value!r} is not a full-time equivalent (for example 0.5).") from None
    if percent:
        amount /= 100
    if not amount.is_finite() or amount <= 0 or amount > 1:
        raise CellError(f"{value!r} is not a full-time equivalent between 0 and 1 (or 100%).")
    return amount.quantize(_THOUSANDTHS)


def _name(value: str) -> str:
    return value  # matched to the branch's employers and sites later, with the row in view


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "membership_number",
        "Membership number",
        "member",
        (
            "Membership number",
            "Membership No",
            "Membership no.",
            "Membership #",
            "Member number",
            "Member No",
            "Member #",
            "Mem No",
            "Mem number",
            "Membership ID",
            "Member ID",
        ),
        _text(30),
        distinct=True,
        hint="required",
    ),
    FieldSpec(
        "first_name",
        "First name",
        "member",
        ("First name", "Forename", "Forenames", "Given name", "Given names"),
        _text(100),
        hint="required",
    ),
    FieldSpec(
        "last_name",
        "Last name",
        "member",
        ("Last name", "Surname", "Family name"),
        _text(100),
        hint="required",
    ),
    FieldSpec(
        "personal_email",
        "Personal email",
        "member",
        ("Personal email", "Email", "E-mail", "Email address", "Home email", "Private email"),
        _validated(normalise_email),
        bulk=quick_emails,
        distinct=True,
    ),
    FieldSpec(
        "work_email",
        "Work email",
        "member",
        ("Work email", "Employer email", "Work email address", "Office email"),
        _validated(normalise_email),
        bulk=quick_emails,
        distinct=True,
    ),
    FieldSpec(
        "mobile",
        "Mobile",
        "member",
        ("Mobile", "Mobile phone", "Mobile number", "Mobile no", "Cell", "Cell phone", "Mob"),
        _phone,
        bulk=_phones,
        distinct=True,
        hint="read as a UK number unless it starts with +",
    ),
    FieldSpec(
        "other_phone",
        "Other phone",
        "member",
        ("Other phone", "Phone", "Telephone", "Home phone", "Landline", "Tel", "Phone number"),
        _phone,
        bulk=_phones,
        distinct=True,
    ),
    FieldSpec(
        "address_line1",
        "Address line 1",
        "member",
        ("Address line 1", "Address 1", "Address1", "Address", "Street", "Home address"),
        _text(200),
        distinct=True,
    ),
    FieldSpec(
        "address_line2",
        "Address line 2",
        "member",
        ("Address line 2", "Address 2", "Address2"),
        _text(200),
    ),
    FieldSpec("town", "Town", "member", ("Town", "City", "Town/City", "Post town"), _text(100)),
    FieldSpec(
        "postcode",
        "Postcode",
        "member",
        ("Postcode", "Post code", "Postal code"),
        _postcode,
        bulk=quick_postcodes,
    ),
    FieldSpec(
        "status",
        "Status",
        "member",
        ("Status", "Membership status", "Member status"),
        _choices(_STATUS, "membership status", "Active, Lapsed, Resigned or Deceased"),
        empty=KEEPS,
    ),
    FieldSpec(
        "join_date",
        "Join date",
        "member",
        ("Join date", "Joined", "Date joined", "Joining date", "Member since"),
        _date,
        empty_value=None,
        hint="day first, e.g. 31/01/2024",
    ),
    FieldSpec(
        "subscription_band",
        "Subscription band",
        "member",
        ("Subscription band", "Subs band", "Subscription", "Subscription rate", "Band"),
        _text(30),
    ),
    FieldSpec(
        "consent_email",
        "Email consent",
        "member",
        ("Email consent", "Consent email", "Email OK", "Contact by email"),
        _bool,
        empty=KEEPS,
        hint="Y/N, Yes/No, TRUE/FALSE or 1/0",
    ),
    FieldSpec(
        "consent_sms",
        "SMS consent",
        "member",
        ("SMS consent", "Consent SMS", "Text consent", "SMS OK", "Contact by text"),
        _bool,
        empty=KEEPS,
    ),
    FieldSpec(
        "consent_phone",
        "Phone consent",
        "member",
        ("Phone consent", "Consent phone", "Call consent", "Contact by phone"),
        _bool,
        empty=KEEPS,
    ),
    FieldSpec(
        "do_not_contact",
        "Do not contact",
        "member",
        ("Do not contact", "DNC", "No contact"),
        _bool,
        empty=KEEPS,
    ),
    FieldSpec("notes", "Notes", "member", ("Notes", "Note", "Comments"), _text(5000)),
    FieldSpec(
        "employer",
        "Employer",
        "employment",
        ("Employer", "Employer name", "Institution", "Organisation", "Organization"),
        _name,
        empty_value=None,
        hint="needed only when the branch covers several employers",
    ),
    FieldSpec(
        "workplace",
        "Workplace",
        "employment",
        ("Workplace", "Site", "Campus", "Work location", "Location", "Building"),
        _name,
        empty_value=None,
        hint="one of the employer's workplaces",
    ),
    FieldSpec(
        "department",
        "Department",
        "employment",
        ("Department", "Dept", "School", "School/Department"),
        _name,
        empty_value=None,
        hint="one of the employer's departments",
    ),
    FieldSpec(
        "job_category",
        "Job category",
        "employment",
        ("Job category", "Job title", "Job", "Role", "Staff category", "Category"),
        _text(100),
    ),
    FieldSpec("grade", "Grade", "employment", ("Grade", "Pay grade"), _text(50)),
    FieldSpec(
        "contract_type",
        "Contract type",
        "employment",
        ("Contract type", "Contract", "Employment type"),
        _choices(_CONTRACT, "contract type", "Permanent, Fixed term, Hourly paid or Zero hours"),
        empty=KEEPS,
        hint="Permanent (Open-ended), Fixed term, Hourly paid, Zero hours",
    ),
    FieldSpec(
        "fte",
        "FTE",
        "employment",
        ("FTE", "Full time equivalent", "Full-time equivalent", "Hours FTE"),
        _fte,
        empty=KEEPS,
        hint="0 to 1, or a percentage",
    ),
    FieldSpec(
        "annual_salary",
        "Salary",
        "employment",
        ("Salary", "Annual salary", "Salary (£)", "Pay", "Annual pay"),
        _salary,
        empty_value=None,
        hint="£ and commas are fine",
    ),
    FieldSpec(
        "start_date",
        "Start date",
        "employment",
        ("Start date", "Employment start", "Employment start date", "Date started", "Started"),
        _date,
        empty_value=None,
    ),
    FieldSpec(
        "end_date",
        "End date",
        "employment",
        ("End date", "Contract end", "Contract end date", "Employment end", "Leaving date"),
        _date,
        empty_value=None,
    ),
)

FIELDS_BY_NAME = {spec.name: spec for spec in FIELDS}
REQUIRED = ("membership_number", "first_name", "last_name")
SITE_FIELDS = ("employer", "workplace", "department")

HEADINGS: dict[str, FieldSpec] = {}
for _spec in FIELDS:
    for _heading in (_spec.name, _spec.label, *_spec.synonyms):
        _key = heading_key(_heading)
        existing = HEADINGS.setdefault(_key, _spec)
        if existing is not _spec:
            raise RuntimeError(f"Heading {_heading!r} is claimed by two fields")  # pragma: no cover
