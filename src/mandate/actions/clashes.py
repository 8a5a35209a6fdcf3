"""What the days of an action fall on: employers' critical dates (targets), bank holidays in each
nation (members would not be working), and the union's own open postal ballots (strike days may
hold up the post that carries the voting papers).

These never block a call; they are shown beside the checks so officers choose days knowingly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import holidays

from mandate.actions import queries
from mandate.actions.models import Action, CriticalDate
from mandate.ballots.models import Ballot, BallotState
from mandate.core.models import Jurisdiction

# holidays' UK subdivisions, by the nation an employer is in.
SUBDIVISION = {
    Jurisdiction.ENGLAND: "ENG",
    Jurisdiction.WALES: "WLS",
    Jurisdiction.SCOTLAND: "SCT",
    Jurisdiction.NORTHERN_IRELAND: "NIR",
}


@dataclass(frozen=True)
class Clash:
    level: str  # "info" (a target hit) or "warning"
    date: dt.date
    message: str


@cache
def _bank_holidays(nation: str, year: int) -> dict[dt.date, str]:
    found = holidays.country_holidays(
        "GB", subdiv=SUBDIVISION.get(Jurisdiction(nation), "ENG"), years=year
    )
    return {day: str(name) for day, name in found.items()}


def bank_holiday(nation: str, day: dt.date) -> str:
    """The name of the bank holiday on DAY in NATION, or ""."""
    return _bank_holidays(nation, day.year).get(day, "")


def action_clashes(action: Action, *, horizon_days: int = 366) -> list[Clash]:
    """Every clash of ACTION's days (continuous action: its first HORIZON_DAYS) by date."""
    days = queries.days_of(action)
    if action.end_date is None and action.start_date is not None:
        days = action.dates_within(
            action.start_date, action.start_date + dt.timedelta(days=horizon_days)
        )
    if not days:
        return []
    first, last = min(days), max(days)
    employers = queries.action_employers(action)
    day_set = set(days)
    clashes: list[Clash] = []
    critical = CriticalDate.objects.filter(employer__in=employers, start__lte=last).select_related(
        "employer"
    )
    for item in critical:
        hit = sorted(d for d in day_set if item.start <= d <= item.last)
        if hit:
            what = item.get_kind_display().lower()
            note = f" ({item.note})" if item.note else ""
            clashes.append(
                Clash(
                    "info",
                    hit[0],
                    f"Hits {what} at {item.employer.name}{note}: "
                    f"{', '.join(f'{d:%d %b}' for d in hit[:5])}"
                    + (f" and {len(hit) - 5} more" if len(hit) > 5 else "")
                    + ". A target, not a problem.",
                )
            )
    if action.kind == "strike":
        for employer in employers:
            for d in sorted(day_set):
                name = bank_holiday(employer.jurisdiction, d)
                if name:
                    clashes.append(
                        Clash(
                            "warning",
                            d,
                            f"{d:%d %b %Y} is a bank holiday in "
                            f"{Jurisdiction(employer.jurisdiction).label} ({name}): members at "
                            f"{employer.name} would not be working; a strike that day costs the "
                            "employer nothing.",
                        )
                    )
    # Any ballot of the union's own at these employers, in this dispute or another.
    open_ballots = (
        Ballot.objects.filter(
            constituencies__employer__in=employers,
            state__in=[BallotState.DRAFT, BallotState.OPEN],
            opens__lte=last,
            closes__gte=first,
        )
        .exclude(pk=action.ballot_id)
        .distinct()
    )
    for ballot in open_ballots:
        hit = sorted(d for d in day_set if ballot.opens <= d <= ballot.closes)
        if hit:
            clashes.append(
                Clash(
                    "warning",
                    hit[0],
                    f"The union's own postal ballot “{ballot.name}” is open "
                    f"{ballot.opens:%d %b}–{ballot.closes:%d %b %Y}: action on "
                    f"{', '.join(f'{d:%d %b}' for d in hit[:5])} may disrupt the post that "
                    "carries its voting papers.",
                )
            )
    return sorted(clashes, key=lambda c: (c.date, c.level))
