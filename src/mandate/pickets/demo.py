"""Demo picket lines at Liverpool: two sites with entrances, shifts on the coming strike days,
members and two supporters signed up, and check-ins from two earlier rounds of the same dispute
so the attendance chart shows the line growing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mandate.actions import actions as action_actions
from mandate.actions.models import Action, ActionKind, ActionStatus, Pattern
from mandate.core.demo import DemoContext
from mandate.core.models import User, Workplace
from mandate.members.models import Member, MemberStatus
from mandate.pickets import actions, supporter_reminders
from mandate.pickets.models import Attendance, CheckInMethod, PicketShift, PicketSite

LIVERPOOL = "University of Liverpool"
PATTERN = "07:30-09:30, 12:00-14:00"


def _weekdays(start: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _past_round(upcoming: Action, title: str, days: list[dt.date]) -> Action:
    """An earlier round of the same dispute, at the same employers, now over."""
    action = action_actions.action_create(
        dispute=upcoming.dispute,
        ballot=upcoming.ballot,
        title=title,
        kind=ActionKind.STRIKE,
        pattern=Pattern.DISCONTINUOUS,
        dates=days,
        constituencies=list(upcoming.constituencies.all()),
        actor=None,
    )
    return action_actions.action_transition(action=action, status=ActionStatus.ENDED, actor=None)


def build_pickets(ctx: DemoContext) -> None:
    today = timezone.localdate()
    branch = next((b for b in ctx.branches if b.name == LIVERPOOL), None)
    if branch is None:
        return
    upcoming = (
        Action.objects.filter(
            kind=ActionKind.STRIKE,
            constituencies__employer__branches=branch,
            days__date__gte=today,
        )
        .exclude(status=ActionStatus.ENDED)
        .distinct()
        .order_by("pk")
        .first()
    )
    if upcoming is None:
        return
    main = Workplace.objects.get(employer__branches=branch, name="Main campus")
    hls = Workplace.objects.get(employer__branches=branch, name__startswith="Health")
    sites = [
        actions.site_create(
            branch=branch,
            workplace=main,
            name="Main campus: Brownlow Hill",
            meeting_point="Victoria Gallery steps",
            entrances=["Brownlow Hill gate", "Mount Pleasant gate", "Library entrance"],
            actor=None,
        ),
        actions.site_create(
            branch=branch,
            workplace=hls,
            name="Health and Life Sciences",
            meeting_point="By the bus stop on Brownlow Hill",
            entrances=["Main doors", "Loading bay"],
            actor=None,
        ),
    ]
    for site in sites:
        actions.shifts_generate(site=site, action=upcoming, pattern=PATTERN, actor=None)
    supervisor = Member.objects.filter(employments__workplace=main).order_by("pk").first()
    actions.site_update(
        site=sites[0],
        name=sites[0].name,
        meeting_point=sites[0].meeting_point,
        organiser=None,
        supervisor=supervisor,
        supervisor_phone="+447700900555",
        actor=None,
    )
    _signups(ctx, sites, main, hls)
    _rounds(ctx, upcoming, sites, today)
    ctx.out(f"  {len(sites)} picket sites with shifts, sign-ups and two earlier rounds")


def _signups(ctx: DemoContext, sites: list[PicketSite], main: Workplace, hls: Workplace) -> None:
    by_site = {
        sites[0].pk: list(
            Member.objects.filter(employments__workplace=main, status=MemberStatus.ACTIVE).order_by(
                "pk"
            )[:14]
        ),
        # The first member at Health and Life Sciences is the demo member login: left free, so
        # signing up is there to try.
        sites[1].pk: list(
            Member.objects.filter(employments__workplace=hls, status=MemberStatus.ACTIVE).order_by(
                "pk"
            )[1:10]
        ),
    }
    for site in sites:
        shifts = list(PicketShift.objects.filter(site=site).order_by("date", "starts"))
        gates = list(site.entrances.all())
        for i, member in enumerate(by_site[site.pk]):
            shift = shifts[i % len(shifts)]
            actions.signup_member(
                shift=shift,
                member=member,
                source="link",
                entrance=gates[i % len(gates)],
                today=shift.date,
            )
    first = PicketShift.objects.filter(site=sites[0]).order_by("date", "starts").first()
    if first is not None:
        for name, phone, email, kind in (
            ("Priya (Guild of Students)", "+447700900801", "", "student"),
            ("Dave, Unison branch", "", "dave.unison@example.org", "other_union"),
        ):
            supporter = actions.supporter_create(
                branch=sites[0].branch, name=name, phone=phone, email=email, kind=kind, consent=True
            )
            actions.signup_supporter(shift=first, supporter=supporter, today=first.date)
        # Their reminders for that coming shift, queued as the cron run would the day before.
        now = timezone.now()
        if first.starts_at() > now:
            supporter_reminders.queue(within=first.starts_at() - now, now=now)


def _rounds(ctx: DemoContext, upcoming: Action, sites: list[PicketSite], today: dt.date) -> None:
    first = _past_round(
        upcoming, "First round of strike action", _weekdays(today - dt.timedelta(days=35), 2)
    )
    second = _past_round(
        upcoming, "Second round of strike action", _weekdays(today - dt.timedelta(days=14), 3)
    )
    members = list(
        Member.objects.filter(branch=sites[0].branch, status=MemberStatus.ACTIVE).order_by("pk")[
            :80
        ]
    )
    rows: list[Attendance] = []
    for action, sizes in ((first, (9, 4)), (second, (21, 11))):
        for day in action.listed_days():
            for site, size in zip(sites, sizes, strict=True):
                count = size + ctx.rng.randint(-2, 3)
                offset = 0 if site is sites[0] else 40
                chosen = members[offset : offset + count]
                rows.extend(
                    Attendance(
                        site=site,
                        date=day,
                        action=action,
                        member=m,
                        method=ctx.rng.choice([CheckInMethod.QR, CheckInMethod.ORGANISER]),
                    )
                    for m in chosen
                )
    Attendance.objects.bulk_create(rows)


def build_picket_organisers(ctx: DemoContext) -> None:
    """After the demo logins exist: the rep organises the Health and Life Sciences line."""
    rep = ctx.users.get("rep") or User.objects.filter(username="rep").first()
    site = PicketSite.objects.filter(name="Health and Life Sciences").first()
    if rep is not None and site is not None:
        actions.site_update(
            site=site,
            name=site.name,
            meeting_point=site.meeting_point,
            organiser=rep,
            supervisor=site.supervisor,
            supervisor_phone=site.supervisor_phone,
            actor=None,
        )
