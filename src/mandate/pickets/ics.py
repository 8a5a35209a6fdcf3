"""A member's picket shifts as calendar events, for their personal action calendar feed.

An event names the site and the time, never another person on the rota.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Event

from mandate.members.models import Member
from mandate.pickets import queries


def shift_events(member: Member, stamp: dt.datetime) -> list[Event]:
    events = []
    for signup in queries.feed_signups(member):
        shift = signup.shift
        site = shift.site
        event = Event()
        event.add("uid", f"picket-{signup.pk}@mandate")
        event.add("dtstamp", stamp)
        event.add("summary", f"Picket: {site.name}")
        where = site.meeting_point or site.workplace.name
        if signup.entrance is not None:
            where = f"{signup.entrance.name}, {where}"
        event.add("location", where)
        event.add("description", "Your picket shift. Scan the code on the line to check in.")
        event.add("dtstart", shift.starts_at())
        event.add("dtend", shift.ends_at())
        event.add("status", "CONFIRMED")
        events.append(event)
    return events
