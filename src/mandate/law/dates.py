"""Calendar arithmetic for statutory periods, written out so every step can be explained."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from mandate.law.errors import LawError

_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(text: str, *, field: str = "date") -> dt.date:
    """Read an ISO ``YYYY-MM-DD`` or UK ``DD/MM/YYYY`` date; the error names the field."""
    value = text.strip()
    try:
        match = _UK_DATE.match(value)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value)
    except ValueError:
        raise LawError(f"{field}: {text!r} is not a real calendar date.", field=field) from None
    raise LawError(f"{field}: {text!r} is not a date; use YYYY-MM-DD (or DD/MM/YYYY).", field=field)


def add_months(day: dt.date, months: int) -> tuple[dt.date, bool]:
    """The same day of the month ``months`` later, clamped to the month's end.

    Returns the date and whether it was clamped (no 31 February, so 31 August + 6 months is the
    last day of February).
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last)), day.day > last


def period_last_day_months(start: dt.date, months: int) -> tuple[dt.date, bool]:
    """Last day of a period of ``months`` months beginning with ``start`` (start counts).

    Computed as start + N months - 1 day with month-end clamping. Where the end month has no
    corresponding day this is one day earlier than the corresponding-date rule of Dodds v Walker
    [1981] would give; the earlier day is kept because action one day outside the mandate loses
    the statutory immunity, while stopping one day early costs nothing lawful.
    """
    end, clamped = add_months(start, months)
    return end - dt.timedelta(days=1), clamped


def period_last_day_days(start: dt.date, days: int) -> dt.date:
    """Last day of a period of ``days`` days beginning with ``start`` (start counts)."""
    return start + dt.timedelta(days=days - 1)


def long_date(day: dt.date) -> str:
    """``Tuesday 17 February 2026``: unambiguous for readers on both sides of the Atlantic."""
    return f"{day:%A} {day.day} {day:%B %Y}"
