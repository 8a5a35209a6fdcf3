"""Demo pay deductions: an earlier round of strike days, now ended, with the days members took
part in and the deductions on their payslips; employers' deduction policies, one deducting
1/260 under a contract term (flagged), and a few members deducted more than the policy says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from mandate.actions import actions as action_actions
from mandate.actions.models import Action, ActionStatus, Pattern
from mandate.actions.queries import called_employments, entitled_ids
from mandate.ballots.models import Ballot, BallotState, Constituency
from mandate.core.demo import DemoContext
from mandate.core.models import Branch
from mandate.members.models import Employment
from mandate.pay import actions
from mandate.pay.queries import branch_pay
from mandate.pay.rules import day_rate

LIVERPOOL = "University of Liverpool"
# A one-page PDF standing in for a scanned payslip: synthetic, names nobody.
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _weekdays(start: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _earlier_round(ballot: Ballot, today: dt.date) -> Action | None:
    """Five strike days that ended a month ago, at the employers that won a strike mandate."""
    constituencies = list(
        Constituency.objects.filter(
            ballot=ballot,
            employer__isnull=False,
            mandates__question="strike",
            mandates__granted=True,
        )
        .exclude(jurisdiction="northern_ireland")
        .select_related("employer")
        .order_by("name")
    )
    constituencies.sort(key=lambda c: (c.employer is None or c.employer.name != LIVERPOOL, c.name))
    constituencies = constituencies[:3]
    if not constituencies:
        return None
    days = _weekdays(today - dt.timedelta(days=33), 5)
    action = action_actions.action_create(
        dispute=ballot.dispute,
        ballot=ballot,
        title="First round: five days of strike action",
        kind="strike",
        pattern=Pattern.DISCONTINUOUS,
        dates=days,
        constituencies=constituencies,
        instructions="Do not work. Join the picket line.",
        actor=None,
    )
    # The round is history: called then, over now. Calling today would re-run the notice
    # checks against today's date, which is not what happened.
    called_at = timezone.make_aware(
        dt.datetime.combine(days[0] - dt.timedelta(days=15), dt.time(9))
    )
    Action.objects.filter(pk=action.pk).update(status=ActionStatus.ENDED, called_at=called_at)
    action.refresh_from_db()
    return action


def build_pay(ctx: DemoContext) -> None:
    today = timezone.localdate()
    ballot = (
        Ballot.objects.filter(state=BallotState.RESULTS_IN, dispute__scope="national")
        .select_related("dispute")
        .order_by("pk")
        .first()
    )
    if ballot is None:
        return
    action = _earlier_round(ballot, today)
    if action is None:
        return
    days = action.listed_days()
    start = days[0] - dt.timedelta(days=60)
    employers = []
    for c in action.constituencies.select_related("employer").order_by("name"):
        if c.employer is not None and c.employer not in employers:
            employers.append(c.employer)
    employers.sort(key=lambda e: (e.name != LIVERPOOL, e.name))
    contractual = employers[1] if len(employers) > 1 else None
    for employer in employers:
        is_260 = employer == contractual
        actions.policy_add(
            employer=employer,
            effective_from=start,
            strike_divisor=260 if is_260 else 365,
            contractual_basis="Contract of employment, clause 14.2: a day's pay is 1/260 of "
            "annual salary"
            if is_260
            else "",
            asos_percent=Decimal("100") if is_260 else Decimal("20"),
            asos_from=days[-1] + dt.timedelta(days=10),
            asos_payrolls=1 if is_260 else 3,
            note="From the employer's letter to staff before the first round.",
            actor=None,
        )
    recorded = payslips = 0
    pay_date = days[-1] + dt.timedelta(days=20)
    for c in action.constituencies.select_related("employer").order_by("name"):
        entitled = entitled_ids(c)
        employments = (
            called_employments(action, c)
            .filter(member_id__in=entitled, annual_salary__isnull=False)
            .select_related("member__branch", "employer")
            .order_by("member_id")
        )
        # At Liverpool, the member the demo login gets (the first in Health and Life Sciences)
        # comes first so the member page has something to show.
        picked: list[Employment] = []
        if c.employer is not None and c.employer.name == LIVERPOOL:
            first = (
                Employment.objects.filter(
                    member__branch__employers=c.employer,
                    workplace__name__startswith="Health",
                )
                .order_by("member_id")
                .first()
            )
            if first is not None:
                picked.append(first)
        seen = {e.member_id for e in picked}
        for e in employments[:40]:
            if e.member_id not in seen:
                picked.append(e)
                seen.add(e.member_id)
            if len(picked) >= 14:
                break
        for i, employment in enumerate(picked):
            member = employment.member
            took = days if i % 4 else days[:3]  # a quarter struck on the first three days only
            try:
                taken = actions.days_record(
                    member=member, picks=[(action, d) for d in took], actor=None, today=today
                )
            except actions.PayError:
                continue  # not called after all (a post outside the action's reach)
            recorded += len(taken)
            if i % 5 == 4:
                continue  # no payslip yet: the fund pays on the expected figure
            salary = employment.annual_salary or Decimal(0)
            divisor = 260 if employment.employer == contractual else 365
            # Every third Liverpool striker was docked at 1/260 though the policy is 1/365.
            if employment.employer.name == LIVERPOOL and i % 3 == 0:
                divisor = 260
            amount = day_rate(salary, divisor) * len(taken)
            if amount <= 0:
                continue
            evidence = ContentFile(_PDF, name="payslip.pdf") if i % 2 == 0 else None
            actions.payslip_record(
                member=member,
                pay_date=pay_date,
                amount=amount,
                days=taken,
                evidence=evidence,
                actor=None,
            )
            payslips += 1
    over = 0
    for branch in Branch.objects.filter(employers__in=employers).distinct():
        over += len(branch_pay(branch, action.dispute).over_rows)
    ctx.out(
        f"  pay: {len(employers)} deduction policies, {recorded} strike days recorded, "
        f"{payslips} payslips, {over} members over-deducted"
    )
