"""Reads shared by the checks, the notices, the pages and the calendar feeds."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from mandate.actions.models import Action, ActionDay, Pattern
from mandate.ballots.models import Constituency, ElectorateEntry
from mandate.core.models import Employer
from mandate.members.models import Employment, Member, MemberStatus

NOT_RECORDED = "Category not recorded"
NO_WORKPLACE = "Workplace not recorded"


def constituency_employers(action: Action, constituency: Constituency) -> list[Employer]:
    """The employers whose staff a constituency covers (all the dispute's parties if aggregated)."""
    if constituency.employer is not None:
        return [constituency.employer]
    return list(action.dispute.parties.all())


def action_employers(action: Action) -> list[Employer]:
    """Every employer whose staff the action calls, by name: one notice of action each."""
    seen: dict[int, Employer] = {}
    for c in action.constituencies.select_related("employer"):
        for employer in constituency_employers(action, c):
            seen.setdefault(employer.pk, employer)
    return sorted(seen.values(), key=lambda e: e.name)


def _scope(action: Action, constituency: Constituency, employers: list[Employer]) -> Q:
    cond = Q(employer__in=employers)
    if constituency.workplace_id is not None:
        cond &= Q(workplace_id=constituency.workplace_id)
    workplace_ids = [w.pk for w in action.workplaces.all()]
    if workplace_ids:
        cond &= Q(workplace_id__in=workplace_ids)
    categories = action.category_list()
    if categories:
        cond &= Q(job_category__in=categories)
    return cond


def called_employments(
    action: Action, constituency: Constituency, *, on: dt.date | None = None
) -> QuerySet[Employment]:
    """Current employments of active members inside the action's reach in one constituency."""
    on = on or timezone.localdate()
    employers = constituency_employers(action, constituency)
    return Employment.objects.filter(
        _scope(action, constituency, employers),
        Q(end_date__isnull=True) | Q(end_date__gte=on),
        member__status=MemberStatus.ACTIVE,
    )


def entitled_ids(constituency: Constituency) -> set[int]:
    return set(
        ElectorateEntry.objects.filter(constituency=constituency, entitled=True).values_list(
            "member_id", flat=True
        )
    )


def unballoted_count(action: Action, constituency: Constituency) -> tuple[int, int]:
    """(members in reach, of whom not entitled in this constituency's ballot) — s232A."""
    in_reach = set(called_employments(action, constituency).values_list("member_id", flat=True))
    entitled = entitled_ids(constituency)
    return len(in_reach), len(in_reach - entitled)


@dataclass
class Figures:
    """The numbers a notice of action gives: never a name, only counts."""

    categories: list[tuple[str, int]] = field(default_factory=list)
    workplaces: list[tuple[str, int]] = field(default_factory=list)
    total: int = 0
    constituencies: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "categories": [{"name": n, "count": c} for n, c in self.categories],
            "workplaces": [{"name": n, "count": c} for n, c in self.workplaces],
            "total": self.total,
            "constituencies": self.constituencies,
        }


def notice_figures(action: Action, employer: Employer, *, on: dt.date | None = None) -> Figures:
    """Count the members the action calls at EMPLOYER: entitled in the frozen electorate of a
    constituency the action covers, still employed there, by job category and workplace."""
    on = on or timezone.localdate()
    by_category: Counter[str] = Counter()
    by_workplace: Counter[str] = Counter()
    counted: set[int] = set()
    names: list[str] = []
    for c in action.constituencies.select_related("employer", "workplace"):
        employers = constituency_employers(action, c)
        if employer.pk not in {e.pk for e in employers}:
            continue
        names.append(c.name)
        rows = (
            Employment.objects.filter(
                _scope(action, c, [employer]),
                Q(end_date__isnull=True) | Q(end_date__gte=on),
                member__status=MemberStatus.ACTIVE,
                member__in=ElectorateEntry.objects.filter(constituency=c, entitled=True).values(
                    "member_id"
                ),
            )
            .order_by("member_id", "id")
            .values_list("member_id", "job_category", "workplace__name")
        )
        for member_id, category, workplace in rows:
            if member_id in counted:
                continue  # one member with two posts is one person called
            counted.add(member_id)
            by_category[category.strip() or NOT_RECORDED] += 1
            by_workplace[workplace or NO_WORKPLACE] += 1
    return Figures(
        categories=sorted(by_category.items()),
        workplaces=sorted(by_workplace.items()),
        total=len(counted),
        constituencies=names,
    )


def member_is_called(member: Member, action: Action) -> bool:
    """True if ACTION calls MEMBER: in its reach in a constituency where they were entitled."""
    for c in action.constituencies.select_related("employer", "workplace"):
        if not ElectorateEntry.objects.filter(
            constituency=c, member=member, entitled=True
        ).exists():
            continue
        if called_employments(action, c).filter(member=member).exists():
            return True
    return False


def member_actions(member: Member) -> list[Action]:
    """Live actions (called or taking place, or planned and served) that call MEMBER."""
    candidates = (
        Action.objects.filter(
            constituencies__electorate__member=member,
            constituencies__electorate__entitled=True,
        )
        .exclude(status__in=["ended", "planned"])
        .distinct()
        .select_related("ballot", "dispute")
        .prefetch_related("days", "workplaces")
    )
    return [a for a in candidates if member_is_called(member, a)]


def action_days_between(actions: list[Action], start: dt.date, end: dt.date) -> list[dt.date]:
    days: set[dt.date] = set()
    for a in actions:
        days.update(a.dates_within(start, end))
    return sorted(days)


def days_of(action: Action, *, horizon: dt.date | None = None) -> list[dt.date]:
    """Every day of action; continuous action with no end runs to HORIZON (default: its start)."""
    if action.pattern == Pattern.DISCONTINUOUS:
        return sorted(action.listed_days())
    if action.start_date is None:
        return []
    end = action.end_date or horizon or action.start_date
    return action.dates_within(action.start_date, end)


def days_in_month(dispute_id: int, start: dt.date, end: dt.date) -> QuerySet[ActionDay]:
    return ActionDay.objects.filter(
        action__dispute_id=dispute_id, date__gte=start, date__lte=end
    ).select_related("action")


def member_not_called(member: Member, called: list[Action]) -> list[Action]:
    """Action under way at the member's employer that does not call them (s232A: not entitled)."""
    employer_ids = member.employments.values("employer_id")
    live = (
        Action.objects.filter(
            status__in=["called", "taking_place"], constituencies__employer_id__in=employer_ids
        )
        .exclude(pk__in=[a.pk for a in called])
        .distinct()
    )
    return list(live)
