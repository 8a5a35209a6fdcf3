"""Calendars in and out, with icalendar: feeds of action for a branch or one member, and other
unions' ballots and action read from an ICS file an officer uploads or pastes.

A feed holds dates and what is asked, never a member's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from icalendar import Calendar, Event

from mandate.actions import queries
from mandate.actions.models import Action, ActionStatus, Pattern, SolidarityKind
from mandate.ballots.models import Mandate
from mandate.core.errors import DomainError
from mandate.core.models import Branch
from mandate.members.models import Member

PRODID = "-//Mandate//Action calendar//EN"
SHOWN = [
    ActionStatus.PLANNED,
    ActionStatus.NOTICE_SERVED,
    ActionStatus.CALLED,
    ActionStatus.TAKING_PLACE,
    ActionStatus.SUSPENDED,
]


def continuous_end(action: Action) -> dt.date | None:
    """The last day of continuous action: its end date, or else the earliest mandate expiry."""
    if action.end_date is not None:
        return action.end_date
    last = (
        Mandate.objects.filter(
            constituency__in=action.constituencies.all(), question=action.kind, granted=True
        )
        .exclude(last_day__isnull=True)
        .order_by("last_day")
        .values_list("last_day", flat=True)
        .first()
    )
    return last


def branch_actions(branch: Branch) -> list[Action]:
    """Actions that concern BRANCH: its own disputes', and national action at its employers."""
    employer_ids = list(branch.employers.values_list("pk", flat=True))
    return list(
        Action.objects.filter(
            Q(dispute__branch=branch) | Q(constituencies__employer_id__in=employer_ids),
            status__in=SHOWN,
        )
        .distinct()
        .select_related("dispute", "ballot")
        .prefetch_related("days")
        .order_by("start_date", "id")
    )


def _status(action: Action) -> str:
    if action.status == ActionStatus.SUSPENDED:
        return "CANCELLED"
    if action.status == ActionStatus.PLANNED:
        return "TENTATIVE"
    return "CONFIRMED"


def _events(action: Action, stamp: dt.datetime) -> list[Event]:
    summary = f"{action.what}: {action.title}"
    if action.status == ActionStatus.SUSPENDED:
        summary = f"Suspended – {summary}"
    elif action.status == ActionStatus.PLANNED:
        summary = f"Planned – {summary}"
    description = f"{action.dispute.name}. {action.instructions}".strip()
    events = []
    if action.pattern == Pattern.DISCONTINUOUS:
        spans = [(d, d) for d in sorted(action.listed_days())]
    else:
        end = continuous_end(action)
        spans = [(action.start_date, end or action.start_date)] if action.start_date else []
    for start, end in spans:
        event = Event()
        event.add("uid", f"action-{action.pk}-{start.isoformat()}@mandate")
        event.add("dtstamp", stamp)
        event.add("summary", summary)
        event.add("description", description)
        event.add("dtstart", start)
        # All-day events end on the day after (RFC 5545 DTEND is exclusive).
        event.add("dtend", end + dt.timedelta(days=1))
        event.add("status", _status(action))
        event.add("transp", "TRANSPARENT")
        events.append(event)
    return events


def _calendar(name: str, actions: list[Action], extra: list[Event] | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for action in actions:
        for event in _events(action, stamp):
            cal.add_component(event)
    for event in extra or []:
        cal.add_component(event)
    return bytes(cal.to_ical())


def branch_feed(branch: Branch) -> bytes:
    return _calendar(f"Action: {branch.name}", branch_actions(branch))


def member_feed(member: Member) -> bytes:
    """Only the action the member is actually called to (never a planned one), and the picket
    shifts they signed up for."""
    from mandate.pickets.ics import shift_events

    return _calendar(
        "My action calendar", queries.member_actions(member), shift_events(member, timezone.now())
    )


# Import --------------------------------------------------------------------------------------


class IcsError(DomainError):
    """The calendar file cannot be read; the message names the event and the field."""


@dataclass(frozen=True)
class ParsedEvent:
    uid: str
    title: str
    start: dt.date
    end: dt.date | None
    url: str
    kind: str


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _property_value(component: Any, name: str, where: str) -> object:
    raw = component.get(name)
    if raw is None:
        return None
    try:
        return raw.dt
    except ValueError as exc:  # icalendar reports a malformed value only when it is read
        raise IcsError(f"{where}: {name.upper()} is not a valid date ({exc}).") from None


def _guess_kind(text: str) -> str:
    return SolidarityKind.BALLOT if "ballot" in text.lower() else SolidarityKind.ACTION


def parse_ics(data: str | bytes) -> list[ParsedEvent]:
    """Every VEVENT of an ICS text, or IcsError naming the first bad event and field."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data.strip():
        raise IcsError("The calendar is empty: upload an .ics file or paste its text.")
    try:
        cal = Calendar.from_ical(data)
    except ValueError as exc:
        raise IcsError(f"This is not an iCalendar (ICS) file: {exc}") from None
    if not isinstance(cal, Calendar):
        raise IcsError("This is not an iCalendar (ICS) file: it has no VCALENDAR.")
    events: list[ParsedEvent] = []
    for number, component in enumerate(cal.walk("VEVENT"), start=1):
        summary = str(component.get("summary", "")).strip()
        where = f"Event {number}" + (f" (“{summary[:60]}”)" if summary else "")
        if not summary:
            raise IcsError(f"{where}: SUMMARY is missing; every event needs a title.")
        start_value = _property_value(component, "dtstart", where)
        start = _as_date(start_value)
        if start is None:
            raise IcsError(f"{where}: DTSTART is missing or not a date.")
        end_value = _property_value(component, "dtend", where)
        end = _as_date(end_value)
        if end is not None and not isinstance(end_value, dt.datetime):
            end -= dt.timedelta(days=1)  # DTEND of an all-day event is exclusive
        if end is not None and end < start:
            raise IcsError(f"{where}: DTEND is before DTSTART.")
        if end == start:
            end = None
        uid = str(component.get("uid", "")).strip()[:300]
        url = str(component.get("url", "")).strip()
        if url and not url.startswith(("http://", "https://")):
            raise IcsError(f"{where}: URL {url[:60]!r} is not a web address.")
        events.append(
            ParsedEvent(
                uid=uid,
                title=summary[:300],
                start=start,
                end=end,
                url=url[:200],
                kind=_guess_kind(summary),
            )
        )
    if not events:
        raise IcsError("The calendar has no events (VEVENT) to import.")
    return events
