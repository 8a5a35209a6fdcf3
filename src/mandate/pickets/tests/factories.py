"""A Liverpool picket site with shifts on coming strike days, built through the real actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from mandate.actions.models import Action
from mandate.actions.tests.factories import granted_ballot, strike
from mandate.conftest import World
from mandate.pickets import actions
from mandate.pickets.models import PicketShift, PicketSite


@dataclass
class Line:
    site: PicketSite
    action: Action
    days: list[dt.date]

    def shift(self, day: int = 0, at: str = "07:30") -> PicketShift:
        return PicketShift.objects.get(
            site=self.site, date=self.days[day], starts=dt.time.fromisoformat(at)
        )


def picket_line(
    world: World,
    *,
    days: list[dt.date] | None = None,
    entrances: tuple[str, ...] = ("Main gate", "Library gate"),
    name: str = "Health and Life Sciences",
) -> Line:
    """A site at the rep's building, shifts 07:30-09:30 and 12:00-14:00 on each strike day."""
    today = timezone.localdate()
    days = days or [today, today + dt.timedelta(days=1)]
    ballot = granted_ballot(world, opens=min(days) - dt.timedelta(days=70))
    action = strike(world, ballot, days)
    workplace = world.liverpool_employer.workplaces.get(name="Health and Life Sciences building")
    site = actions.site_create(
        branch=world.liverpool,
        workplace=workplace,
        name=name,
        meeting_point="By the bus stop on Brownlow Hill",
        entrances=entrances,
        organiser=world.rep,
        actor=world.secretary,
    )
    actions.shifts_generate(
        site=site,
        action=action,
        pattern="07:30-09:30, 12:00-14:00",
        actor=world.secretary,
        today=min(days),
    )
    return Line(site=site, action=action, days=sorted(days))
