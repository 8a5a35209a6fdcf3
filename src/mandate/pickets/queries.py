"""Reads shared by the pages, the reminders, the calendar feed and (later) the API."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from mandate.actions.models import Action, ActionKind, ActionStatus
from mandate.core.models import Branch
from mandate.disputes.models import Dispute
from mandate.members.models import Employment, Member
from mandate.pickets.models import (
    Attendance,
    Entrance,
    PicketShift,
    PicketSite,
    Signup,
    Supporter,
)
from mandate.pickets.rules import PicketRules

LIVE_ACTION = [
    ActionStatus.PLANNED,
    ActionStatus.NOTICE_SERVED,
    ActionStatus.CALLED,
    ActionStatus.TAKING_PLACE,
]


def sites_of(branch: Branch) -> QuerySet[PicketSite]:
    return (
        PicketSite.objects.filter(branch=branch)
        .select_related("workplace", "workplace__employer", "organiser", "supervisor")
        .prefetch_related("entrances")
    )


def actions_for_site(site: PicketSite) -> QuerySet[Action]:
    """Strike actions that call staff of the site's employer, not ended: the days to picket."""
    employer = site.workplace.employer
    return (
        Action.objects.filter(kind=ActionKind.STRIKE, status__in=LIVE_ACTION)
        .filter(
            Q(constituencies__employer=employer)
            | Q(constituencies__employer__isnull=True, dispute__parties=employer)
        )
        .distinct()
        .select_related("dispute")
        .prefetch_related("days")
        .order_by("start_date", "id")
    )


def live_signups() -> QuerySet[Signup]:
    return Signup.objects.filter(cancelled_at__isnull=True)


@dataclass
class ShiftRow:
    shift: PicketShift
    signups: list[Signup]

    @property
    def count(self) -> int:
        return len(self.signups)


def rota(site: PicketSite, day: dt.date) -> list[ShiftRow]:
    """Every shift at SITE on DAY with its live sign-ups, members and supporters, by time."""
    shifts = list(PicketShift.objects.filter(site=site, date=day).order_by("starts", "id"))
    by_shift: dict[int, list[Signup]] = defaultdict(list)
    for s in (
        live_signups()
        .filter(shift__in=shifts)
        .select_related("member", "supporter", "entrance")
        .prefetch_related("supporter_reminders")
        .order_by("created_at", "id")
    ):
        by_shift[s.shift_id].append(s)
    return [ShiftRow(shift=s, signups=by_shift[s.pk]) for s in shifts]


def shift_days(site: PicketSite, *, since: dt.date | None = None) -> list[dt.date]:
    qs = PicketShift.objects.filter(site=site)
    if since is not None:
        qs = qs.filter(date__gte=since)
    return sorted(set(qs.values_list("date", flat=True)))


def branch_days(branch: Branch, *, since: dt.date | None = None) -> list[dt.date]:
    qs = PicketShift.objects.filter(site__branch=branch)
    if since is not None:
        qs = qs.filter(date__gte=since)
    return sorted(set(qs.values_list("date", flat=True)))


def branch_day_rota(branch: Branch, day: dt.date) -> list[tuple[PicketSite, list[ShiftRow]]]:
    """The rota of every site of BRANCH on DAY (sites with no shift that day are left out)."""
    out = []
    for site in sites_of(branch).filter(shifts__date=day).distinct():
        out.append((site, rota(site, day)))
    return out


# The Code of Practice warning ---------------------------------------------------------------


@dataclass(frozen=True)
class CrowdWarning:
    """More than the Code's number rostered at one entrance at once."""

    entrance: str
    count: int
    limit: int
    starts: dt.time
    ends: dt.time
    source: str

    @property
    def message(self) -> str:
        return (
            f"{self.count} rostered at {self.entrance} between {self.starts:%H:%M} and "
            f"{self.ends:%H:%M}: the Code of Practice on Picketing says in general no more than "
            f"{self.limit} at any entrance ({self.source}). Move some to another entrance or "
            f"shift, or ask them to join a rally away from the entrance."
        )


def _peaks(intervals: list[tuple[dt.time, dt.time]]) -> tuple[int, dt.time, dt.time] | None:
    """The largest number of INTERVALS overlapping at once, and the span where it is reached."""
    events: list[tuple[dt.time, int]] = []
    for start, end in intervals:
        events.append((start, 1))
        events.append((end, -1))
    # At the same instant, leaving comes before arriving: 07:30-09:30 then 09:30-11:00 never meet.
    events.sort(key=lambda e: (e[0], e[1]))
    best = current = 0
    best_start: dt.time | None = None
    best_end: dt.time | None = None
    for i, (at, delta) in enumerate(events):
        current += delta
        if current > best:
            best = current
            best_start = at
            best_end = events[i + 1][0] if i + 1 < len(events) else at
    if best_start is None or best_end is None:
        return None
    return best, best_start, best_end


def crowd_warnings(
    site: PicketSite, day: dt.date, rules: PicketRules, rows: list[ShiftRow] | None = None
) -> list[CrowdWarning]:
    """Each entrance where more than the rulebook's number are rostered at once on DAY.

    A sign-up with no entrance chosen counts at the site's first entrance, where pickets gather
    unless told otherwise.
    """
    limit = rules.max_per_entrance
    if limit is None:
        return []
    rows = rows if rows is not None else rota(site, day)
    entrances: list[Entrance] = list(site.entrances.all())
    first = entrances[0].name if entrances else "the entrance"
    names = {e.pk: e.name for e in entrances}
    spans: dict[str, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for row in rows:
        for s in row.signups:
            where = names.get(s.entrance_id, first) if s.entrance_id else first
            spans[where].append((row.shift.starts, row.shift.ends))
    warnings = []
    for where, intervals in spans.items():
        peak = _peaks(intervals)
        if peak is not None and peak[0] > limit:
            warnings.append(
                CrowdWarning(
                    entrance=where,
                    count=peak[0],
                    limit=limit,
                    starts=peak[1],
                    ends=peak[2],
                    source=rules.six_source,
                )
            )
    return sorted(warnings, key=lambda w: (w.starts, w.entrance))


# s220: at or near one's own place of work ----------------------------------------------------


class Place(StrEnum):
    OWN = "own"
    OTHER = "other"
    UNKNOWN = "unknown"


def member_place(member: Member, site: PicketSite, on: dt.date | None = None) -> Place:
    """Whether SITE is MEMBER's own workplace on ON, by their current employments."""
    on = on or timezone.localdate()
    current = Employment.objects.filter(member=member).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)
    )
    workplaces = set(current.values_list("workplace_id", flat=True))
    if site.workplace_id in workplaces:
        return Place.OWN
    if not workplaces or workplaces == {None}:
        return Place.UNKNOWN
    return Place.OTHER


def place_warning(place: Place, site: PicketSite, source: str, *, name: str = "") -> str:
    """The s220 warning, to the member themself, or (with NAME) to the organiser about them."""
    if place == Place.OWN:
        return ""
    if name:
        if place == Place.UNKNOWN:
            return (
                f"{name}'s workplace is not recorded: lawful picketing is at or near one's own "
                f"place of work ({source}). Record where they work."
            )
        return (
            f"{site.workplace.name} is not {name}'s own workplace: lawful picketing is at or "
            f"near one's own place of work ({source}). They can stand with the line as a "
            f"supporter, away from the entrance."
        )
    if place == Place.UNKNOWN:
        return (
            f"Your workplace is not recorded, so nobody can tell whether {site.workplace.name} "
            f"is your own place of work. Lawful picketing is at or near your own place of work "
            f"({source}); ask your branch to record where you work."
        )
    return (
        f"{site.workplace.name} is not your own workplace. Lawful picketing is at or near your "
        f"own place of work ({source}): picketing elsewhere loses the law's protection. You can "
        f"still join the line as a supporter away from the entrance, or pick a shift at your "
        f"own workplace."
    )


# Sign-up ------------------------------------------------------------------------------------


def upcoming_shifts(branch: Branch, *, today: dt.date | None = None) -> QuerySet[PicketShift]:
    today = today or timezone.localdate()
    return (
        PicketShift.objects.filter(site__branch=branch, date__gte=today)
        .select_related("site", "site__workplace")
        .annotate(
            taken=Count("signups", filter=Q(signups__cancelled_at__isnull=True), distinct=True)
        )
        .order_by("date", "starts", "site__name", "id")
    )


def member_signups(member: Member, *, since: dt.date | None = None) -> QuerySet[Signup]:
    qs = live_signups().filter(member=member)
    if since is not None:
        qs = qs.filter(shift__date__gte=since)
    return qs.select_related("shift", "shift__site", "shift__site__workplace", "entrance").order_by(
        "shift__date", "shift__starts", "id"
    )


def supporter_signups(supporter: Supporter, *, since: dt.date | None = None) -> QuerySet[Signup]:
    qs = live_signups().filter(supporter=supporter)
    if since is not None:
        qs = qs.filter(shift__date__gte=since)
    return qs.select_related("shift", "shift__site", "entrance").order_by(
        "shift__date", "shift__starts", "id"
    )


def feed_signups(member: Member) -> list[Signup]:
    """The member's live sign-ups for the personal calendar feed: the last month and onwards."""
    since = timezone.localdate() - dt.timedelta(days=31)
    return list(member_signups(member, since=since))


# Check-in -----------------------------------------------------------------------------------


def attendance_on(site: PicketSite, day: dt.date) -> QuerySet[Attendance]:
    return Attendance.objects.filter(site=site, date=day).select_related("member", "supporter")


def action_on(site: PicketSite, day: dt.date) -> Action | None:
    """The strike action the site's shifts on DAY belong to (the round being counted)."""
    shift = PicketShift.objects.filter(site=site, date=day).select_related("action").first()
    if shift is not None:
        return shift.action
    for action in actions_for_site(site):
        if action.covers(day):
            return action
    return None


@dataclass
class CheckinRow:
    """One person the organiser may tap in: rostered that day, or already checked in."""

    key: str  # "m<id>" or "s<id>"
    name: str
    rostered: str
    present: bool
    supporter: bool


def checkin_rows(site: PicketSite, day: dt.date) -> list[CheckinRow]:
    here_members = set(
        Attendance.objects.filter(site=site, date=day, member__isnull=False).values_list(
            "member_id", flat=True
        )
    )
    here_supporters = set(
        Attendance.objects.filter(site=site, date=day, supporter__isnull=False).values_list(
            "supporter_id", flat=True
        )
    )
    rows: dict[str, CheckinRow] = {}
    for row in rota(site, day):
        when = f"{row.shift.starts:%H:%M}"
        for s in row.signups:
            if s.member is not None:
                key, name = f"m{s.member_id}", s.member.full_name
                present = s.member_id in here_members
            elif s.supporter is not None:
                key, name = f"s{s.supporter_id}", s.supporter.name
                present = s.supporter_id in here_supporters
            else:
                continue
            if key in rows:
                rows[key].rostered += f", {when}"
                continue
            rows[key] = CheckinRow(key, name, when, present, s.supporter is not None)
    for a in attendance_on(site, day):
        if a.member_id is None and a.supporter_id is None:
            key = f"a{a.pk}"  # a supporter whose details the retention period removed
        else:
            key = f"m{a.member_id}" if a.member_id else f"s{a.supporter_id}"
        if key not in rows:
            name = (
                a.member.full_name
                if a.member
                else (a.supporter.name if a.supporter else "Supporter (details removed)")
            )
            rows[key] = CheckinRow(key, name, "not rostered", True, a.supporter_id is not None)
    return sorted(rows.values(), key=lambda r: (r.present, r.name.lower()))


# Attendance figures -------------------------------------------------------------------------


@dataclass
class DayCount:
    date: dt.date
    count: int


@dataclass
class Round:
    """One action (a round of strikes) with its head count per picketing day."""

    action: Action
    days: list[DayCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(d.count for d in self.days)

    @property
    def peak(self) -> int:
        return max((d.count for d in self.days), default=0)

    @property
    def average(self) -> float:
        return self.total / len(self.days) if self.days else 0.0


def rounds(attendance: QuerySet[Attendance]) -> list[Round]:
    """Head counts per day, grouped by round (action) in date order."""
    rows = (
        attendance.order_by()
        .values("action_id", "date")
        .annotate(n=Count("id"))
        .order_by("date", "action_id")
    )
    counts: dict[int, list[DayCount]] = defaultdict(list)
    for row in rows:
        counts[row["action_id"]].append(DayCount(row["date"], row["n"]))
    actions = {a.pk: a for a in Action.objects.filter(pk__in=counts).select_related("dispute")}
    out = [Round(actions[k], v) for k, v in counts.items()]
    return sorted(out, key=lambda r: (r.days[0].date, r.action.pk))


def site_rounds(site: PicketSite) -> list[Round]:
    """Attendance at SITE, compared across every round of the disputes it has picketed."""
    return rounds(Attendance.objects.filter(site=site))


def branch_rounds(branch: Branch, dispute: Dispute | None = None) -> list[Round]:
    qs = Attendance.objects.filter(site__branch=branch)
    if dispute is not None:
        qs = qs.filter(action__dispute=dispute)
    return rounds(qs)


@dataclass
class BranchTotal:
    branch: Branch
    by_action: dict[int, int]
    total: int
    days: int


def dispute_totals(
    dispute: Dispute, branches: QuerySet[Branch]
) -> tuple[list[Action], list[BranchTotal]]:
    """Head counts per branch and round in DISPUTE, for the branches given (already in scope)."""
    qs = (
        Attendance.objects.filter(action__dispute=dispute, site__branch__in=branches)
        .order_by()
        .values("site__branch_id", "action_id")
        .annotate(n=Count("id"), d=Count("date", distinct=True), first=Min("date"))
    )
    per: dict[int, Counter[int]] = defaultdict(Counter)
    days: Counter[int] = Counter()
    first: dict[int, dt.date] = {}
    for row in qs:
        per[row["site__branch_id"]][row["action_id"]] += row["n"]
        days[row["site__branch_id"]] += row["d"]
        first[row["action_id"]] = min(row["first"], first.get(row["action_id"], row["first"]))
    # Rounds in the order they happened (a discontinuous action has no start date of its own).
    actions = sorted(Action.objects.filter(pk__in=first), key=lambda a: (first[a.pk], a.pk))
    by_branch = {b.pk: b for b in Branch.objects.filter(pk__in=per)}
    totals = [
        BranchTotal(by_branch[b], dict(c), sum(c.values()), days[b])
        for b, c in per.items()
        if b in by_branch
    ]
    return actions, sorted(totals, key=lambda t: (-t.total, t.branch.name))
