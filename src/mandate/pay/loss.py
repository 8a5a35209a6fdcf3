"""The recorded loss of pay, day by day: what the funds pay against.

A day's loss is what the member's payslips show was deducted for it, or, until a payslip is
recorded, what the employer's deduction policy says is deducted. Keep this interface stable: the
funds app codes against ``DayLoss``, ``losses_for`` and ``losses_for_many``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from mandate.pay.models import WORKING_DAY_DIVISOR, DayTaken, DeductionPolicy, Payslip
from mandate.pay.rules import (
    DEFAULT_TERMS,
    PENNY,
    ZERO,
    PolicyTerms,
    allocate,
    expected_for_day,
)
from mandate.pay.rules import instalments as split_instalments

if TYPE_CHECKING:
    from mandate.disputes.models import Dispute
    from mandate.members.models import Employment, Member


@dataclass(frozen=True)
class DayLoss:
    day: dt.date
    action_id: int
    kind: str  # "strike" or "asos"
    percent_withheld: Decimal  # 100 for a strike day; the ASOS percentage otherwise
    expected: Decimal  # what the policy says is deducted for that day, in pounds
    deducted: Decimal | None  # what the member's payslips show for that day (None: not recorded)
    evidence: bool  # a payslip with evidence covers that day
    # Added after the first version, all defaulted so existing callers keep working.
    employer_id: int | None = None
    payrolls: int = 1  # the policy spreads the deduction over this many payrolls
    payslips: int = 0  # how many payslips cover the day
    salary_known: bool = True
    divisor: int = 365  # the policy's strike divisor on the day (260 is flagged)

    @property
    def loss(self) -> Decimal:
        """Deducted if recorded, else expected."""
        return self.deducted if self.deducted is not None else self.expected

    @property
    def over(self) -> Decimal:
        """How much more than the policy's figure the payslips show for the day (0 if not)."""
        if self.deducted is None:
            return ZERO
        # Each payslip's share of a day is rounded to the penny, so a day covered by several
        # payslips may carry a penny per extra payslip that is rounding, not over-deduction.
        slack = PENNY * max(self.payslips - 1, 0)
        excess = self.deducted - self.expected
        return excess if excess > slack else ZERO

    @property
    def over_deducted(self) -> bool:
        return self.over > 0

    @property
    def instalments(self) -> list[Decimal]:
        """The expected figure split over the policy's payrolls, in whole pennies."""
        return split_instalments(self.expected, self.payrolls)

    @property
    def working_days_divisor(self) -> bool:
        """Flag: the employer's policy takes 1/260 of salary a day, not Hartley's 1/365."""
        return self.divisor == WORKING_DAY_DIVISOR

    @property
    def lockout(self) -> bool:
        """Flag: all pay withheld for action short of strike, which the union treats as a
        lockout."""
        return self.kind == "asos" and self.percent_withheld >= 100


def losses_for(member: Member, dispute: Dispute) -> list[DayLoss]:
    """Every day of DISPUTE's action that MEMBER took part in, with its expected and recorded
    deduction, in date order."""
    return losses_for_many([member], dispute).get(member.pk, [])


def losses_for_many(
    members: Iterable[Member] | QuerySet[Member], dispute: Dispute
) -> dict[int, list[DayLoss]]:
    """``losses_for`` for many members at once, by member id, in a fixed number of queries.

    Members with no recorded day are absent from the result."""
    from mandate.members.models import Employment

    member_filter: Q
    if isinstance(members, QuerySet):
        member_filter = Q(member_id__in=members.values("pk"))
    else:
        member_filter = Q(member_id__in=[m.pk for m in members])
    days = list(
        DayTaken.objects.filter(member_filter, action__dispute=dispute)
        .select_related("action")
        .order_by("member_id", "day", "id")
    )
    if not days:
        return {}
    member_ids = {d.member_id for d in days}
    # Posts at a party to the dispute first (the best paid first), then any other post: a
    # dispute whose parties were never listed still finds the member's salary.
    parties = Employment.objects.filter(employer__in=dispute.parties.all(), pk=OuterRef("pk"))
    employments: dict[int, list[Employment]] = defaultdict(list)
    for e in (
        Employment.objects.filter(member_id__in=member_ids)
        .annotate(at_party=Exists(parties))
        .order_by("member_id", "-at_party", F("annual_salary").desc(nulls_last=True), "id")
    ):
        employments[e.member_id].append(e)
    employer_ids = {e.employer_id for es in employments.values() for e in es}
    policies: dict[int, list[DeductionPolicy]] = defaultdict(list)
    for p in DeductionPolicy.objects.filter(employer_id__in=employer_ids).order_by(
        "employer_id", "-effective_from", "-id"
    ):
        policies[p.employer_id].append(p)
    payslips = list(
        Payslip.objects.filter(member_id__in=member_ids, dispute=dispute).order_by("id")
    )
    through = Payslip.days.through.objects.filter(payslip__in=[p.pk for p in payslips])
    days_of_payslip: dict[int, list[int]] = defaultdict(list)
    for payslip_id, day_id in through.values_list("payslip_id", "daytaken_id"):
        days_of_payslip[payslip_id].append(day_id)

    # The policy and salary behind each day.
    figures: dict[int, tuple[Decimal, Decimal, int | None, int, bool, int]] = {}
    for d in days:
        employment = _employment_on(employments.get(d.member_id, []), d.day)
        salary = employment.annual_salary if employment is not None else None
        employer_id = employment.employer_id if employment is not None else None
        terms = _terms_on(policies.get(employer_id, []) if employer_id else [], d.day)
        kind = d.action.kind
        figures[d.pk] = (
            terms.percent_for(kind, d.day),
            expected_for_day(salary, terms, kind, d.day),
            employer_id,
            terms.payrolls_for(kind),
            salary is not None,
            terms.strike_divisor,
        )

    deducted: dict[int, Decimal] = defaultdict(Decimal)
    covering: dict[int, int] = defaultdict(int)
    evidenced: set[int] = set()
    for payslip in payslips:
        day_ids = sorted(i for i in days_of_payslip.get(payslip.pk, []) if i in figures)
        shares = allocate(payslip.amount, [figures[i][1] for i in day_ids])
        for day_id, share in zip(day_ids, shares, strict=True):
            deducted[day_id] += share
            covering[day_id] += 1
            if payslip.evidence:
                evidenced.add(day_id)

    result: dict[int, list[DayLoss]] = defaultdict(list)
    for d in days:
        percent, expected, employer_id, payrolls, known, divisor = figures[d.pk]
        result[d.member_id].append(
            DayLoss(
                day=d.day,
                action_id=d.action_id,
                kind=d.action.kind,
                percent_withheld=percent,
                expected=expected,
                deducted=deducted[d.pk] if covering[d.pk] else None,
                evidence=d.pk in evidenced,
                employer_id=employer_id,
                payrolls=payrolls,
                payslips=covering[d.pk],
                salary_known=known,
                divisor=divisor,
            )
        )
    return dict(result)


def _employment_on(employments: list[Employment], day: dt.date) -> Employment | None:
    """The post the member held on DAY: at a party to the dispute if any, the best paid first."""
    for e in employments:
        if (e.start_date is None or e.start_date <= day) and (
            e.end_date is None or e.end_date >= day
        ):
            return e
    return None


def _terms_on(versions: list[DeductionPolicy], day: dt.date) -> PolicyTerms:
    """The policy version in force on DAY (VERSIONS newest first); 1/365 and no ASOS
    withholding before the first one."""
    for p in versions:
        if p.effective_from <= day:
            return PolicyTerms(
                strike_divisor=p.strike_divisor,
                asos_percent=p.asos_percent,
                asos_from=p.asos_from,
                asos_payrolls=p.asos_payrolls,
            )
    return DEFAULT_TERMS
