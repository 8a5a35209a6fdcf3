"""Field checks shared by forms, the importer and the API: each returns a clean value or raises."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as _django_validate_email

# UK postcode (BS 7666 shape, plus GIR 0AA); normalised to upper case with one space.
_POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_WHITESPACE = re.compile(r"\s+")
_SIMPLE_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d %b %Y", "%d %B %Y")
_DMY = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")
# EmailField's column width: a longer address cannot be stored.
EMAIL_MAX_LENGTH = 254
# A strict subset of what Django's validator accepts, so a match needs no second opinion; the
# validator still decides everything this pattern does not match. The importer checks hundreds
# of thousands of addresses and the full validator costs several times more per address.
_PLAIN_EMAIL = re.compile(
    r"^[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)

# The same, in the normal form normalise_email returns (domain in lower case), up to the
# longest address a column holds: a match is its own normal form.
_NORMAL_EMAIL = re.compile(
    r"^(?=.{3,254}$)[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@"
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
# A postcode as normalise_postcode writes it: upper case, one space before the inward code.
_NORMAL_POSTCODE = re.compile(
    r"^(?:GIR 0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? [0-9][ABD-HJLNP-UW-Z]{2})$"
)
_PHONE_SEPARATORS = re.compile(r"[\s().-]+")
# Ofcom reserves these ranges for drama and training (07700 900xxx, 020 7946 0xxx,
# 0113 496 0xxx); the library treats them as unallocated, but demo and training registers use
# them precisely because they reach no one.
_OFCOM_DRAMA = re.compile(r"^\+44(?:7700900\d{3}|2079460\d{3}|1134960\d{3})$")
_GB = phonenumbers.PhoneMetadata.metadata_for_region("GB")


def _desc_regex(desc: object) -> str:
    """A number description from the library's metadata as one pattern: its lengths and shape."""
    pattern = getattr(desc, "national_number_pattern", None) or "(?!)"
    lengths = sorted(getattr(desc, "possible_length", ()) or ())
    length = "|".join(f"[0-9]{{{n}}}" for n in lengths if n > 0)
    return f"(?=(?:{length})$)(?:{pattern})" if length else f"(?:{pattern})"


# The regions of country code 44, whose numbers the library reads as UK ones: Great Britain
# and Northern Ireland, then Guernsey, the Isle of Man and Jersey.
_CC44 = [
    meta
    for meta in map(phonenumbers.PhoneMetadata.metadata_for_region, ("GB", "GG", "IM", "JE"))
    if meta is not None
]


def _mobile_or_fixed(meta: Any) -> str:
    """One region's valid mobile and fixed-line national numbers, as one anchored pattern."""
    return (
        rf"(?=(?:{_desc_regex(meta.general_desc)})$)"
        rf"(?:(?:{_desc_regex(meta.mobile)})$|(?:{_desc_regex(meta.fixed_line)})$)"
    )


# A UK number written with 0, +44 or 0044 in front and only spaces, dashes, dots or brackets
# between the digits is checked against the library's own patterns for mobile and fixed lines
# of the regions that share +44, which is what its validity check comes down to for such
# numbers: this one pattern holds exactly when the number matches a region's general
# description and its mobile or fixed-line one (possible lengths included). Anything else
# (other countries, extensions, letters, pagers, premium rate) takes the full parse, at about
# 70 microseconds a number against about 2 here.
_GB_QUICK = (
    re.compile(
        r"^(?:(?:\+44|0044)0?|0)(" + "|".join(f"(?:{_mobile_or_fixed(m)})" for m in _CC44) + ")"
    )
    if _GB is not None
    else None
)


def quick_gb_e164(value: str) -> str | None:
    """E.164 for a plainly written valid UK mobile or landline number, or None to parse fully."""
    if _GB_QUICK is None:
        return None
    match = _GB_QUICK.match(value.replace(" ", ""))
    if match is None:
        match = _GB_QUICK.match(_PHONE_SEPARATORS.sub("", value))
        if match is None:
            return None
    return f"+44{match[1]}"


@lru_cache(maxsize=65536)
def _phone_e164(value: str, region: str) -> str:
    if region == "GB":
        quick = quick_gb_e164(value)
        if quick is not None:
            return quick
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"{value!r} is not a phone number.") from None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number) and not _OFCOM_DRAMA.match(e164):
        raise ValidationError(f"{value!r} is not a valid phone number.")
    return e164


# Bulk checks: each takes stripped texts and returns, for each, its normal form when the text
# is plainly valid, else None. The matching runs in C over the whole list; a None is not an
# error, only a text the one-at-a-time normaliser must decide.


def quick_gb_phones(texts: list[str]) -> list[str | None]:
    """Plainly written valid UK numbers in E.164; None for the rest."""
    if _GB_QUICK is None:
        return [None] * len(texts)
    compact = [t.replace(" ", "") for t in texts]
    return [f"+44{m[1]}" if m else None for m in map(_GB_QUICK.match, compact)]


def quick_emails(texts: list[str]) -> list[str | None]:
    """Addresses already in the normal form normalise_email returns; None for the rest."""
    return [t if m else None for t, m in zip(texts, map(_NORMAL_EMAIL.match, texts), strict=True)]


def quick_postcodes(texts: list[str]) -> list[str | None]:
    """Postcodes already written as normalise_postcode writes them ('L69 3BX'); None for the rest."""
    return [
        t if m else None for t, m in zip(texts, map(_NORMAL_POSTCODE.match, texts), strict=True)
    ]


def normalise_phone(raw: str, region: str | None = None) -> str:
    """Return RAW as E.164 ('+447700900123'), reading it as a REGION number if it has no prefix."""
    value = raw.strip()
    if not value:
        return ""
    return _phone_e164(value, region or settings.MANDATE_DEFAULT_PHONE_REGION)


def normalise_email(raw: str) -> str:
    """Return RAW trimmed, with the domain in lower case, or raise if it is not an address."""
    value = raw.strip()
    if not value:
        return ""
    if len(value) > EMAIL_MAX_LENGTH:
        raise ValidationError(f"The email address is longer than {EMAIL_MAX_LENGTH} characters.")
    if _PLAIN_EMAIL.match(value):
        local, _, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}"
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
    value = raw.strip().upper().replace(" ", "")
    if not value.isalnum():
        value = _WHITESPACE.sub("", value)
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
    return _parse_date_text(value)


@lru_cache(maxsize=16384)
def _parse_date_text(value: str) -> date:
    # A register repeats the same few thousand dates; the cache makes each one cost a lookup.
    match = _DMY.match(value)
    if match is not None:
        day, month, year = int(match[1]), int(match[3]), int(match[4])
        try:
            return date(year, month, day)
        except ValueError:
            raise ValidationError(f"{value!r} is not a date: there is no such day.") from None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValidationError(f"{value!r} is not a date: write it day first, e.g. 31/01/2024.")
