"""Reads shared by the member's page, the branch pages, the export and the demo."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from mandate.actions.models import Action, Pattern
from mandate.actions.queries import member_is_called
from mandate.core.models import Branch, Employer
from mandate.disputes.models import Dispute
from mandate.members.models import Member
from mandate.pay.loss import DayLoss, losses_for_many
from mandate.pay.models import DayTaken, DeductionPolicy, Payslip
from mandate.pay.rules import ZERO, instalments

# Longest stretch of continuous action offered day by day on the member's page.
CONTINUOUS_WINDOW_DAYS = 120


def called_actions(member: Member) -> list[Action]:
    """Every action that calls MEMBER and has been called (not merely planned or served),
    newest first."""
    candidates = (
        Action.objects.filter(
            constituencies__electorate__member=member,
            constituencies__electorate__entitled=True,
        )
        .filter(called_at__isnull=False)
        .distinct()
        .select_related("dispute")
        .prefetch_related("days")
    )
    found = [a for a in candidates if member_is_called(member, a)]
    return sorted(found, key=lambda a: (a.first_day() or dt.date.min, a.pk), reverse=True)


def days_so_far(action: Action, *, today: dt.date | None = None) -> list[dt.date]:
    """The days of ACTION up to TODAY (continuous action: at most the last 120 days)."""
    today = today or timezone.localdate()
    if action.pattern == Pattern.DISCONTINUOUS:
        return [d for d in sorted(action.listed_days()) if d <= today]
    if action.start_date is None:
        return []
    start = max(action.start_date, today - dt.timedelta(days=CONTINUOUS_WINDOW_DAYS))
    return action.dates_within(start, min(action.end_date or today, today))


def policy_versions(employer: Employer) -> QuerySet[DeductionPolicy]:
    return DeductionPolicy.objects.filter(employer=employer).order_by("-effective_from", "-id")


def policy_on(employer_id: int, day: dt.date) -> DeductionPolicy | None:
    return (
        DeductionPolicy.objects.filter(employer_id=employer_id, effective_from__lte=day)
        .order_by("-effective_from", "-id")
        .first()
    )


@dataclass
class DisputePay:
    """One member's days, payslips and flags in one dispute."""

    dispute: Dispute
    days: list[DayLoss]
    payslips: list[Payslip] = field(default_factory=list)

    @property
    def expected_total(self) -> Decimal:
        return sum((d.expected for d in self.days), ZERO)

    @property
    def deducted_total(self) -> Decimal:
        return sum((p.amount for p in self.payslips), ZERO)

    @property
    def over_total(self) -> Decimal:
        return sum((d.over for d in self.days), ZERO)

    @property
    def over_days(self) -> list[DayLoss]:
        return [d for d in self.days if d.over_deducted]

    @property
    def unrecorded_days(self) -> list[DayLoss]:
        return [d for d in self.days if d.deducted is None]

    @property
    def spread(self) -> list[tuple[DayLoss, list[Decimal]]]:
        """Days the employer spreads over several payrolls, with the instalments expected."""
        return [(d, instalments(d.expected, d.payrolls)) for d in self.days if d.payrolls > 1]


def member_pay(member: Member) -> list[DisputePay]:
    """MEMBER's pay position in every dispute they recorded a day or payslip in."""
    dispute_ids = set(
        DayTaken.objects.filter(member=member).values_list("action__dispute_id", flat=True)
    )
    dispute_ids |= set(Payslip.objects.filter(member=member).values_list("dispute_id", flat=True))
    result = []
    for dispute in Dispute.objects.filter(pk__in=dispute_ids).order_by("-opened_on", "name"):
        days = losses_for_many([member], dispute).get(member.pk, [])
        payslips = list(
            Payslip.objects.filter(member=member, dispute=dispute).prefetch_related("days")
        )
        result.append(DisputePay(dispute=dispute, days=days, payslips=payslips))
    return result


@dataclass(frozen=True)
class OverRow:
    member: Member
    days: int
    expected: Decimal
    deducted: Decimal
    over: Decimal
    over_days: list[DayLoss]


@dataclass
class BranchPay:
    dispute: Dispute
    members: int  # members who recorded a day
    days: int
    expected: Decimal
    deducted: Decimal
    over_rows: list[OverRow]
    no_payslip: int = 0  # days no payslip covers yet
    no_evidence: int = 0  # days covered only by payslips without a photo or PDF

    @property
    def over_total(self) -> Decimal:
        return sum((r.over for r in self.over_rows), ZERO)


def branch_disputes(branch: Branch) -> QuerySet[Dispute]:
    """The disputes in which the branch's members recorded days of action."""
    return (
        Dispute.objects.filter(actions__days_taken__member__branch=branch)
        .distinct()
        .order_by("-opened_on", "name")
    )


def branch_pay(branch: Branch, dispute: Dispute) -> BranchPay:
    """The branch's totals in DISPUTE and the members whose payslips show over-deduction."""
    members = Member.objects.filter(branch=branch)
    losses = losses_for_many(members, dispute)
    by_id = {m.pk: m for m in Member.objects.filter(pk__in=list(losses))}
    rows = []
    expected = deducted = ZERO
    days = no_payslip = no_evidence = 0
    for member_id, day_losses in losses.items():
        days += len(day_losses)
        no_payslip += sum(1 for d in day_losses if d.deducted is None)
        no_evidence += sum(1 for d in day_losses if d.deducted is not None and not d.evidence)
        expected += sum((d.expected for d in day_losses), ZERO)
        deducted += sum((d.deducted or ZERO for d in day_losses), ZERO)
        over = [d for d in day_losses if d.over_deducted]
        if over:
            rows.append(
                OverRow(
                    member=by_id[member_id],
                    days=len(day_losses),
                    expected=sum((d.expected for d in day_losses), ZERO),
                    deducted=sum((d.deducted or ZERO for d in day_losses), ZERO),
                    over=sum((d.over for d in over), ZERO),
                    over_days=over,
                )
            )
    rows.sort(key=lambda r: (-r.over, r.member.last_name, r.member.first_name, r.member.pk))
    return BranchPay(
        dispute=dispute,
        members=len(losses),
        days=days,
        expected=expected,
        deducted=deducted,
        over_rows=rows,
        no_payslip=no_payslip,
        no_evidence=no_evidence,
    )
