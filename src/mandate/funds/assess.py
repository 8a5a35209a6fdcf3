"""Feed the rules engine from the database: a member's recorded losses (from the pay app), their
salary, standing and priority groups, and what every fund already paid for each day."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F

from mandate.disputes.models import Dispute
from mandate.funds import rules as engine
from mandate.funds.models import COMMITTED, ClaimDay, FundRules
from mandate.members.models import Employment, Member, MemberStatus
from mandate.pay.loss import DayLoss, losses_for


@dataclass
class Assessment:
    proposal: engine.Proposal
    losses: dict[datetime.date, DayLoss]
    claimant: engine.Claimant
    tier: int


def recorded_days(member: Member, dispute: Dispute) -> list[DayLoss]:
    """The days of DISPUTE the member recorded taking part in, with their loss, in date order."""
    return losses_for(member, dispute)


def claimant(member: Member, dispute: Dispute, rules: FundRules) -> engine.Claimant:
    jobs = list(
        Employment.objects.filter(member=member, employer__in=dispute.parties.all())
        .filter(end_date__isnull=True)
        .order_by(F("annual_salary").desc(nulls_last=True), "id")
    ) or list(
        Employment.objects.filter(member=member, end_date__isnull=True).order_by(
            F("annual_salary").desc(nulls_last=True), "id"
        )
    )
    salary = next((j.annual_salary for j in jobs if j.annual_salary is not None), None)
    groups = engine.member_groups(
        contract_types=[j.contract_type for j in jobs],
        salary=salary,
        low_pay_threshold=rules.low_pay_threshold,
    )
    return engine.Claimant(
        salary=salary,
        active=member.status == MemberStatus.ACTIVE,
        subscription_band=member.subscription_band,
        groups=groups,
    )


def tier_for(rules: FundRules, who: engine.Claimant) -> int:
    """The claim's place when money is short: its first priority group, else after them all."""
    order = list(rules.priority_groups)
    places = [order.index(g) for g in who.groups if g in order]
    return min(places) if places else len(order)


def _paid(
    member: Member, fund_id: int, exclude_claim: int | None
) -> tuple[dict[datetime.date, Decimal], dict[datetime.date, Decimal], dict[datetime.date, str]]:
    here: dict[datetime.date, Decimal] = defaultdict(Decimal)
    elsewhere: dict[datetime.date, Decimal] = defaultdict(Decimal)
    by: dict[datetime.date, str] = {}
    rows = ClaimDay.objects.filter(
        member=member, active=True, claim__state__in=COMMITTED
    ).select_related("fund")
    if exclude_claim is not None:
        rows = rows.exclude(claim_id=exclude_claim)
    for row in rows:
        if row.fund_id == fund_id:
            here[row.day] += row.amount
        else:
            elsewhere[row.day] += row.amount
            by[row.day] = row.fund.name
    return here, elsewhere, by


def assess(
    *,
    rules: FundRules,
    member: Member,
    claimed: Iterable[datetime.date],
    claimed_on: datetime.date,
    exclude_claim: int | None = None,
) -> Assessment:
    """Run the fund's rules over the member's recorded days, claiming the CLAIMED ones."""
    wanted = set(claimed)
    losses = {d.day: d for d in recorded_days(member, rules.dispute)}
    here, elsewhere, by = _paid(member, rules.fund_id, exclude_claim)
    days = [
        engine.Day(
            day=d.day,
            kind=d.kind,
            percent_withheld=d.percent_withheld,
            loss=d.loss,
            evidence=d.evidence,
            claimed=d.day in wanted and here.get(d.day, Decimal(0)) == 0,
            paid_here=here.get(d.day, engine.ZERO),
            paid_elsewhere=elsewhere.get(d.day, engine.ZERO),
            paid_elsewhere_by=by.get(d.day, ""),
        )
        for d in losses.values()
    ]
    who = claimant(member, rules.dispute, rules)
    proposal = engine.propose(rules.as_rules(), who, days, claimed_on=claimed_on)
    return Assessment(proposal, losses, who, tier_for(rules, who))
