"""Changes to pay records: policy versions, days taken, payslips. Each is atomic and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from mandate.actions.models import Action, ActionStatus
from mandate.actions.queries import member_is_called
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.models import Employer, User
from mandate.disputes.models import Dispute
from mandate.members.models import Member
from mandate.pay.evidence import check_evidence
from mandate.pay.models import DayTaken, DeductionPolicy, Payslip


class PayError(DomainError):
    """A pay record that cannot be kept as it stands; the message says why."""


def _day(d: dt.date) -> str:
    return f"{d:%a} {d.day} {d:%B %Y}"


def policy_add(
    *,
    employer: Employer,
    effective_from: dt.date,
    strike_divisor: int,
    contractual_basis: str = "",
    asos_percent: Decimal = Decimal("0"),
    asos_from: dt.date | None = None,
    asos_payrolls: int = 1,
    note: str = "",
    actor: User | None,
) -> DeductionPolicy:
    """Record a new version of EMPLOYER's deduction policy from EFFECTIVE_FROM on."""
    if not 1 <= strike_divisor <= 366:
        raise PayError("The divisor is the number of days a year's salary is split into: 1-366.")
    if strike_divisor != 365 and not contractual_basis.strip():
        raise PayError(
            "Say which contract term the employer relies on: without one, a strike day costs "
            "1/365 of salary (Hartley v King Edward VI College [2017] UKSC 39)."
        )
    if not Decimal("0") <= asos_percent <= Decimal("100"):
        raise PayError("The percentage withheld must be between 0 and 100.")
    if asos_percent > 0 and asos_from is None:
        raise PayError(
            "Give the date of the employer's notice refusing partial performance: withholding "
            "for action short of strike starts there."
        )
    if not 1 <= asos_payrolls <= 24:
        raise PayError("Spread over 1 to 24 payrolls.")
    with transaction.atomic():
        if DeductionPolicy.objects.filter(
            employer=employer, effective_from=effective_from
        ).exists():
            raise PayError(
                f"{employer.name} already has a policy version from {_day(effective_from)}; "
                "record the change from another date."
            )
        policy = DeductionPolicy.objects.create(
            employer=employer,
            effective_from=effective_from,
            strike_divisor=strike_divisor,
            contractual_basis=contractual_basis.strip(),
            asos_percent=asos_percent,
            asos_from=asos_from,
            asos_payrolls=asos_payrolls,
            note=note.strip(),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="pay.policy_add",
            obj=policy,
            detail={"employer": employer.pk, "divisor": strike_divisor},
        )
    return policy


def check_day(member: Member, action: Action, day: dt.date, *, today: dt.date) -> None:
    """Raise PayError unless ACTION called MEMBER out on DAY and DAY has come."""
    if day > today:
        raise PayError(f"{_day(day)} has not happened yet: record it on the day or after.")
    if action.called_at is None or not action.covers(day):
        raise PayError(
            f"{action.title} was not called for {_day(day)}: record only the days on the "
            "action calendar."
        )
    if (
        action.status == ActionStatus.SUSPENDED
        and action.suspended_at is not None
        and day >= timezone.localtime(action.suspended_at).date()
    ):
        raise PayError(
            f"{action.title} was suspended from {_day(timezone.localtime(action.suspended_at).date())}"
            f", so {_day(day)} was not a day of action."
        )
    if not member_is_called(member, action):
        raise PayError(
            f"You were not called to take part in {action.title}, so {_day(day)} cannot be "
            "recorded as a day of it. If you think you were, talk to your rep."
        )


def days_record(
    *,
    member: Member,
    picks: Iterable[tuple[Action, dt.date]],
    actor: User | None,
    today: dt.date | None = None,
) -> list[DayTaken]:
    """Record the days of action MEMBER took part in; every day is checked, none kept if one
    fails."""
    today = today or timezone.localdate()
    picks = sorted(set(picks), key=lambda p: (p[1], p[0].pk))
    if not picks:
        raise PayError("Tick at least one day you took part in.")
    seen: set[dt.date] = set()
    for action, day in picks:
        check_day(member, action, day, today=today)
        if day in seen:
            raise PayError(f"{_day(day)} is ticked twice: a day counts once.")
        seen.add(day)
    with transaction.atomic():
        already = set(
            DayTaken.objects.filter(member=member, day__in=seen).values_list("day", flat=True)
        )
        if already:
            raise PayError(f"{_day(min(already))} is already recorded.")
        try:
            created = [
                DayTaken.objects.create(member=member, action=a, day=d, recorded_by=actor)
                for a, d in picks
            ]
        except IntegrityError:
            # A second tap of the same form got there first.
            raise PayError("Those days were recorded a moment ago.") from None
        audit_record(
            actor=actor,
            action="pay.days_record",
            obj=member,
            branch=member.branch,
            detail={"days": len(created), "actions": sorted({a.pk for a, _ in picks})},
        )
    return created


def day_remove(*, day: DayTaken, actor: User | None) -> None:
    """Remove a day recorded by mistake, unless a payslip already covers it."""
    with transaction.atomic():
        if day.payslips.exists():
            raise PayError(
                f"A payslip covers {_day(day.day)}: remove the payslip first, then the day."
            )
        member = day.member
        day_id = day.pk
        day.delete()
        audit_record(
            actor=actor,
            action="pay.day_remove",
            obj=member,
            branch=member.branch,
            detail={"day_taken": day_id},
        )


def payslip_record(
    *,
    member: Member,
    pay_date: dt.date,
    amount: Decimal,
    days: list[DayTaken],
    evidence: File[Any] | None,
    note: str = "",
    actor: User | None,
) -> Payslip:
    """Record a deduction on one of MEMBER's payslips and the days of action it covers."""
    if amount <= 0:
        raise PayError("Enter the amount deducted, in pounds, more than 0.")
    if not days:
        raise PayError("Tick the days of action this deduction is for.")
    if any(d.member_id != member.pk for d in days):
        raise PayError("Only your own days can be covered by your payslip.")
    disputes = {d.action.dispute_id for d in days}
    if len(disputes) > 1:
        raise PayError(
            "Those days belong to different disputes: record one deduction line for each."
        )
    checked = check_evidence(evidence) if evidence is not None else None
    with transaction.atomic():
        payslip = Payslip(
            member=member,
            dispute=Dispute.objects.get(pk=disputes.pop()),
            pay_date=pay_date,
            amount=amount,
            note=note.strip(),
            created_by=actor,
        )
        if evidence is not None and checked is not None:
            evidence.name = f"payslip{checked.suffix}"
            payslip.evidence = evidence
            payslip.evidence_type = checked.content_type
            payslip.evidence_size = checked.size
        payslip.save()
        payslip.days.set(days)
        audit_record(
            actor=actor,
            action="pay.payslip_record",
            obj=payslip,
            branch=member.branch,
            detail={"days": len(days), "evidence": checked is not None},
        )
    return payslip


def payslip_attach(*, payslip: Payslip, evidence: File[Any], actor: User | None) -> Payslip:
    """Attach (or replace) the photo or PDF of a payslip already recorded."""
    checked = check_evidence(evidence)
    old = payslip.evidence.name if payslip.evidence else ""
    storage = payslip.evidence.storage
    with transaction.atomic():
        evidence.name = f"payslip{checked.suffix}"
        payslip.evidence = evidence
        payslip.evidence_type = checked.content_type
        payslip.evidence_size = checked.size
        payslip.save(update_fields=["evidence", "evidence_type", "evidence_size"])
        audit_record(
            actor=actor,
            action="pay.payslip_attach",
            obj=payslip,
            branch=payslip.member.branch,
            detail={"replaced": bool(old)},
        )
        if old:
            transaction.on_commit(lambda: storage.delete(old))
    return payslip


def payslip_remove(*, payslip: Payslip, actor: User | None) -> None:
    """Remove a payslip recorded by mistake, with its stored evidence."""
    member = payslip.member
    payslip_id = payslip.pk
    stored = payslip.evidence.name if payslip.evidence else ""
    storage = payslip.evidence.storage if payslip.evidence else None
    with transaction.atomic():
        payslip.delete()
        audit_record(
            actor=actor,
            action="pay.payslip_remove",
            obj=member,
            branch=member.branch,
            detail={"payslip": payslip_id},
        )
        if storage is not None and stored:
            transaction.on_commit(lambda: storage.delete(stored))
