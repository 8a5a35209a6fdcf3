"""Field checks shared by forms, the importer and the API: each returns a clean value or raises."""

from __future__ import annotations

import re
from datetime import date, datetime

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as _django_validate_email

# UK postcode (BS 7666 shape, plus GIR 0AA); normalised to upper case with one space.
_POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_SIMPLE_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d %b %Y", "%d %B %Y")


def normalise_phone(raw: str, region: str | None = None) -> str:
    """Return RAW as E.164 ('+447700900123'), reading it as a REGION number if it has no prefix."""
    value = raw.strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region or settings.MANDATE_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"{raw!r} is not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(f"{raw!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """Return RAW trimmed, with the domain in lower case, or raise if it is not an address."""
    value = raw.strip()
    if not value:
        return ""
    # The quick pattern rejects most junk cheaply; Django's validator has the final word.
    if not _SIMPLE_EMAIL.match(value):
        raise ValidationError(f"{raw!r} is not an email address.")
    try:
        _django_validate_email(value)
    except ValidationError:
        raise ValidationError(f"{raw!r} is not an email address.") from None
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalise_postcode(raw: str) -> str:
    """Return a UK postcode as 'L69 3BX', or raise if it does not have a postcode's shape."""
    value = re.sub(r"\s+", "", raw.strip().upper())
    if not value:
        return ""
    if not _POSTCODE.match(value):
        raise ValidationError(f"{raw!r} is not a UK postcode.")
    return f"{value[:-3]} {value[-3:]}"


def parse_uk_date(raw: str | date | datetime) -> date | None:
    """Read a date written the UK way (day first), or ISO; raise if it cannot be read."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    value = raw.strip()
    if not value:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValidationError(f"{raw!r} is not a date: write it day first, e.g. 31/01/2024.")
