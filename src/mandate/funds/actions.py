"""Changes to funds: rules versions, money in, claims, decisions, payment batches, payments.

Every function runs in one transaction and writes an audit event with ids and counts only.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from mandate.core.audit import audit_record
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import Branch, User
from mandate.disputes.models import Dispute
from mandate.funds import rules as engine
from mandate.funds.assess import assess
from mandate.funds.models import (
    BatchState,
    Claim,
    ClaimDay,
    ClaimState,
    EntryKind,
    Fund,
    FundRules,
    LedgerEntry,
    PaymentBatch,
    band_json,
)
from mandate.members.models import Member
from mandate.members.queries import neutralise_cell

Actor = User | AnonymousUser | None


class NothingToPay(DomainError):
    """A claim or a batch would pay nothing; the message says why."""


def _region_of(fund: Fund) -> dict[str, Any]:
    return {"branch": fund.branch} if fund.branch_id else {}


def fund_create(*, actor: Actor, name: str, kind: str, branch: Branch | None) -> Fund:
    """Open a fund: national (no branch) or a branch's own."""
    with transaction.atomic():
        if Fund.objects.filter(branch=branch, name=name).exists():
            raise DomainError(f"There is already a fund called “{name}” here.")
        fund = Fund.objects.create(
            name=name,
            kind=kind,
            branch=branch,
            created_by=actor if isinstance(actor, User) else None,
        )
        audit_record(actor=actor, action="funds.fund_create", obj=fund, **_region_of(fund))
    return fund


def rules_publish(
    *,
    actor: Actor,
    fund: Fund,
    dispute: Dispute,
    rules: engine.Rules,
    note: str = "",
) -> FundRules:
    """Publish a new version of FUND's rules for DISPUTE; earlier claims keep their version."""
    engine.check_rules(rules)
    with transaction.atomic():
        Fund.objects.select_for_update().get(pk=fund.pk)
        last = FundRules.objects.filter(fund=fund, dispute=dispute).order_by("-version").first()
        row = FundRules.objects.create(
            fund=fund,
            dispute=dispute,
            version=(last.version + 1) if last else 1,
            first_paid_day=rules.first_paid_day,
            cap_days=rules.cap_days,
            cap_money=rules.cap_money,
            asos_full_deduction=rules.asos_full_deduction,
            evidence_required=rules.evidence_required,
            claim_window_days=rules.claim_window_days,
            good_standing_required=rules.good_standing_required,
            top_up=rules.top_up,
            pro_rata=rules.pro_rata,
            priority_groups=list(rules.priority_groups),
            low_pay_threshold=rules.low_pay_threshold,
            bands=[band_json(b) for b in rules.bands],
            subscription_bands=[
                {
                    "code": s.code,
                    "salary_from": str(s.salary_from),
                    "salary_to": None if s.salary_to is None else str(s.salary_to),
                }
                for s in rules.subscription_bands
            ],
            note=note,
            created_by=actor if isinstance(actor, User) else None,
        )
        audit_record(
            actor=actor,
            action="funds.rules_publish",
            obj=row,
            detail={"fund": fund.pk, "dispute": dispute.pk, "version": row.version},
            **_region_of(fund),
        )
    return row


def current_rules(fund: Fund, dispute: Dispute) -> FundRules | None:
    return FundRules.objects.filter(fund=fund, dispute=dispute).order_by("-version").first()


def ledger_deposit(*, actor: Actor, fund: Fund, amount: Decimal, memo: str) -> LedgerEntry:
    """Record money paid into FUND."""
    if amount <= 0 or amount != amount.quantize(engine.PENNY):
        raise DomainError("Give the amount in pounds and pence, more than zero.")
    with transaction.atomic():
        entry = LedgerEntry.objects.create(
            fund=fund,
            kind=EntryKind.DEPOSIT,
            amount=amount,
            memo=memo,
            created_by=actor if isinstance(actor, User) else None,
        )
        audit_record(
            actor=actor,
            action="funds.deposit",
            obj=entry,
            detail={"fund": fund.pk},
            **_region_of(fund),
        )
    return entry


def ledger_correct(*, actor: Actor, fund: Fund, amount: Decimal, memo: str) -> LedgerEntry:
    """Put a mistake in FUND's ledger right with a new entry (never by editing the old one)."""
    if amount == 0 or amount != amount.quantize(engine.PENNY):
        raise DomainError("Give the correction in pounds and pence: negative takes money out.")
    if not memo.strip():
        raise DomainError("Say which entry this corrects and why.")
    with transaction.atomic():
        entry = LedgerEntry.objects.create(
            fund=fund,
            kind=EntryKind.CORRECTION,
            amount=amount,
            memo=memo.strip(),
            created_by=actor if isinstance(actor, User) else None,
        )
        audit_record(
            actor=actor,
            action="funds.correction",
            obj=entry,
            detail={"fund": fund.pk},
            **_region_of(fund),
        )
    return entry


def claim_submit(
    *,
    actor: Actor,
    member: Member,
    rules: FundRules,
    days: list[datetime.date],
    account_name: str,
    sort_code: str,
    account_number: str,
    note: str = "",
    today: datetime.date | None = None,
) -> Claim:
    """Make a claim on RULES' fund for DAYS, with the engine's proposal and its explanation."""
    today = today or timezone.localdate()
    if not days:
        raise DomainError("Tick at least one day to claim.")
    fund = rules.fund
    with transaction.atomic():
        # One member's claims are assessed one at a time, across every fund.
        Member.objects.select_for_update().get(pk=member.pk)
        taken = set(
            ClaimDay.objects.filter(
                fund=fund, member=member, active=True, day__in=days
            ).values_list("day", flat=True)
        )
        if taken:
            listed = ", ".join(engine.day_label(d) for d in sorted(taken))
            raise DomainError(f"Already claimed from this fund: {listed}. Untick those days.")
        result = assess(rules=rules, member=member, claimed=days, claimed_on=today)
        unknown = set(days) - set(result.losses)
        if unknown:
            raise DomainError("Claim only days you recorded taking part in.")
        proposal = result.proposal
        if proposal.total <= 0:
            raise NothingToPay(
                "This fund would pay nothing for these days: " + " ".join(proposal.explanation())
            )
        claim = Claim.objects.create(
            fund=fund,
            rules=rules,
            dispute=rules.dispute,
            member=member,
            band=proposal.band,
            tier=result.tier,
            groups=sorted(result.claimant.groups),
            proposed=proposal.total,
            explanation=proposal.explanation(),
            account_name=account_name,
            sort_code=sort_code,
            account_number=account_number,
            note=note,
            submitted_by=actor if isinstance(actor, User) else None,
        )
        _write_days(claim, proposal, result.losses, days)
        audit_record(
            actor=actor,
            action="funds.claim_submit",
            obj=claim,
            detail={"fund": fund.pk, "days": len(days)},
            **_region_of(fund),
        )
    return claim


def _write_days(
    claim: Claim,
    proposal: engine.Proposal,
    losses: dict[datetime.date, Any],
    days: list[datetime.date],
) -> None:
    amounts = {line.day: line.amount for line in proposal.lines if line.day is not None}
    try:
        with transaction.atomic():
            ClaimDay.objects.bulk_create(
                ClaimDay(
                    claim=claim,
                    fund_id=claim.fund_id,
                    member_id=claim.member_id,
                    day=d,
                    kind=losses[d].kind,
                    action_id=losses[d].action_id,
                    loss=losses[d].loss,
                    amount=amounts.get(d, engine.ZERO),
                )
                for d in sorted(set(days))
            )
    except IntegrityError:
        raise DomainError("One of these days was claimed from this fund a moment ago.") from None


def claim_decide(
    *,
    actor: Actor,
    claim_id: int,
    approve: bool,
    reason: str = "",
    amount: Decimal | None = None,
    today: datetime.date | None = None,
) -> Claim:
    """Approve or reject a waiting claim. Two panel members deciding at once: one wins, the
    other is told it was already decided."""
    today = today or timezone.localdate()
    reason = reason.strip()
    if not approve and not reason:
        raise DomainError("Give the member a reason for rejecting the claim.")
    with transaction.atomic():
        claim = Claim.objects.select_related("rules", "rules__dispute", "fund").get(pk=claim_id)
        Member.objects.select_for_update().get(pk=claim.member_id)
        # Re-read under the lock: a decision made meanwhile is final.
        claim = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("rules", "rules__dispute", "fund", "member")
            .get(pk=claim_id)
        )
        if isinstance(actor, User) and claim.member.user_id == actor.pk:
            raise DomainError("You cannot decide your own claim: another panel member must.")
        if claim.state != ClaimState.SUBMITTED:
            raise InvalidState(
                f"Claim {claim.pk} was already decided: it is {claim.get_state_display().lower()}."
            )
        values: dict[str, Any] = {"decided_at": timezone.now(), "reason": reason}
        if isinstance(actor, User):
            values["decided_by"] = actor
        detail: dict[str, Any] = {"fund": claim.fund_id, "approve": approve}
        if approve:
            # Other funds may have paid some of these days since the claim was made.
            days = list(claim.days.filter(active=True).values_list("day", flat=True))
            result = assess(
                rules=claim.rules,
                member=claim.member,
                claimed=days,
                claimed_on=claim.submitted_at.date(),
                exclude_claim=claim.pk,
            )
            total = result.proposal.total
            if amount is not None:
                if amount < 0 or amount > total or amount != amount.quantize(engine.PENNY):
                    raise DomainError(
                        f"Approve at most {engine.money(total)}, in pounds and pence."
                    )
                if amount < total and not reason:
                    raise DomainError("Say why you approve less than the rules propose.")
            approved = total if amount is None else amount
            if approved <= 0:
                raise NothingToPay(
                    "The rules now propose nothing for this claim: "
                    + " ".join(result.proposal.explanation())
                )
            values.update(
                state=ClaimState.APPROVED,
                approved_amount=approved,
                explanation=result.proposal.explanation(),
            )
            per_day = _per_day(result.proposal, approved)
            for row in claim.days.filter(active=True):
                row_amount = min(per_day.get(row.day, engine.ZERO), row.loss)
                ClaimDay.objects.filter(pk=row.pk).update(amount=row_amount)
            detail["changed"] = total != claim.proposed
        else:
            values["state"] = ClaimState.REJECTED
            claim.days.update(active=False)
        # The conditional UPDATE is the guard of last resort (SQLite has no row locks).
        won = Claim.objects.filter(pk=claim.pk, state=ClaimState.SUBMITTED).update(**values)
        if won != 1:
            raise InvalidState(f"Claim {claim.pk} was already decided.")
        audit_record(
            actor=actor,
            action="funds.claim_decide",
            obj=claim,
            detail=detail,
            **_region_of(claim.fund),
        )
        claim.refresh_from_db()
    return claim


def _per_day(proposal: engine.Proposal, total: Decimal) -> dict[datetime.date, Decimal]:
    """Share TOTAL over the proposal's paid days in proportion (the whole of it if unchanged)."""
    asks = [
        engine.Ask(i, line.amount, 0)
        for i, line in enumerate(proposal.lines)
        if line.day is not None and line.amount > 0
    ]
    alloc = engine.allocate(total, asks)
    return {
        line.day: alloc.paid.get(i, engine.ZERO)
        for i, line in enumerate(proposal.lines)
        if line.day is not None
    }


def fund_balance(fund: Fund) -> Decimal:
    return LedgerEntry.objects.filter(fund=fund).balance()


def fund_available(fund: Fund) -> Decimal:
    """The balance less what batches not yet paid have promised."""
    promised = sum(
        (
            c.payable or engine.ZERO
            for c in Claim.objects.filter(fund=fund, state=ClaimState.BATCHED).only("payable")
        ),
        engine.ZERO,
    )
    return fund_balance(fund) - promised


def batch_create(*, actor: Actor, fund: Fund) -> PaymentBatch:
    """Gather the approved claims into a payment batch, within the money available.

    A fund whose rules scale pro rata shares what is available among the claims, priority
    groups first; any other fund takes claims in the order they were approved while the money
    lasts, and the rest wait for the next batch.
    """
    with transaction.atomic():
        Fund.objects.select_for_update().get(pk=fund.pk)
        claims = list(
            Claim.objects.select_for_update(of=("self",))
            .filter(fund=fund, state=ClaimState.APPROVED)
            .select_related("rules")
            .order_by("decided_at", "pk")
        )
        if not claims:
            raise NothingToPay("No approved claims are waiting for payment.")
        available = max(fund_available(fund), engine.ZERO)
        wanted = sum((c.approved_amount or engine.ZERO for c in claims), engine.ZERO)
        scaled = False
        pay: dict[int, Decimal] = {}
        notes: dict[int, str] = {}
        if wanted <= available:
            pay = {c.pk: c.approved_amount or engine.ZERO for c in claims}
        elif all(c.rules.pro_rata for c in claims):
            alloc = engine.allocate(
                available,
                [engine.Ask(c.pk, c.approved_amount or engine.ZERO, c.tier) for c in claims],
            )
            pay = {k: v for k, v in alloc.paid.items() if v > 0}
            notes = {k: " ".join(v) for k, v in alloc.lines.items()}
            scaled = True
        else:
            left = available
            for c in claims:
                amount = c.approved_amount or engine.ZERO
                if amount <= left:
                    pay[c.pk] = amount
                    left -= amount
        if not pay:
            raise NothingToPay(
                f"The fund has {engine.money(available)} available: not enough for any approved claim. "
                "Record money paid in first."
            )
        batch = PaymentBatch.objects.create(
            fund=fund,
            total=sum(pay.values(), engine.ZERO),
            scaled=scaled,
            created_by=actor if isinstance(actor, User) else None,
        )
        for c in claims:
            if c.pk not in pay:
                continue
            won = Claim.objects.filter(pk=c.pk, state=ClaimState.APPROVED).update(
                state=ClaimState.BATCHED,
                batch=batch,
                payable=pay[c.pk],
                payable_note=notes.get(c.pk, "")[:300],
            )
            if won != 1:
                raise InvalidState("A claim changed while the batch was made: try again.")
            if pay[c.pk] < (c.approved_amount or engine.ZERO):
                _scale_days(c, pay[c.pk])
        audit_record(
            actor=actor,
            action="funds.batch_create",
            obj=batch,
            detail={"fund": fund.pk, "claims": len(pay), "scaled": scaled},
            **_region_of(fund),
        )
    return batch


CSV_COLUMNS = ("payee_name", "sort_code", "account_number", "amount", "reference")


def batch_export(*, actor: Actor, batch: PaymentBatch) -> str:
    """The batch as a CSV for the bank: payee, account, amount and a reference naming no one
    else. Audited; every cell neutralised against spreadsheet formulas."""
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.state == BatchState.PAID:
            raise InvalidState("This batch is paid already; its CSV was sent to the bank.")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        claims = batch.claims.order_by("pk")
        for c in claims:
            row = [c.account_name, c.sort_code, c.account_number, f"{c.payable:.2f}", c.reference]
            writer.writerow([neutralise_cell(v) for v in row])
        if batch.state == BatchState.READY:
            PaymentBatch.objects.filter(pk=batch.pk).update(
                state=BatchState.EXPORTED, exported_at=timezone.now()
            )
        audit_record(
            actor=actor,
            action="funds.batch_export",
            obj=batch,
            detail={"fund": batch.fund_id, "rows": claims.count()},
            **_region_of(batch.fund),
        )
    return out.getvalue()


def batch_mark_paid(*, actor: Actor, batch_id: int, bank_reference: str) -> PaymentBatch:
    """Record that the bank paid the batch: one ledger payment per claim, claims paid."""
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().select_related("fund").get(pk=batch_id)
        if batch.state != BatchState.EXPORTED:
            raise InvalidState(
                f"The batch is {batch.get_state_display().lower()}: export it to the bank first."
                if batch.state == BatchState.READY
                else "The batch was already recorded as paid."
            )
        now = timezone.now()
        for c in batch.claims.select_for_update().filter(state=ClaimState.BATCHED):
            LedgerEntry.objects.create(
                fund=batch.fund,
                at=now,
                kind=EntryKind.PAYMENT,
                amount=-(c.payable or engine.ZERO),
                claim=c,
                batch=batch,
                memo=c.reference,
                created_by=actor if isinstance(actor, User) else None,
            )
        batch.claims.filter(state=ClaimState.BATCHED).update(state=ClaimState.PAID)
        PaymentBatch.objects.filter(pk=batch.pk).update(
            state=BatchState.PAID,
            paid_at=now,
            paid_by=actor if isinstance(actor, User) else None,
            bank_reference=bank_reference[:100],
        )
        audit_record(
            actor=actor,
            action="funds.batch_paid",
            obj=batch,
            detail={"fund": batch.fund_id},
            **_region_of(batch.fund),
        )
        batch.refresh_from_db()
    return batch


def _scale_days(claim: Claim, payable: Decimal) -> None:
    # A claim scaled pro rata pays less per day: record what each day really gets, so a top-up
    # fund sees the true remaining loss.
    rows = list(claim.days.filter(active=True, amount__gt=0).order_by("day"))
    alloc = engine.allocate(payable, [engine.Ask(r.pk, r.amount, 0) for r in rows])
    for r in rows:
        ClaimDay.objects.filter(pk=r.pk).update(amount=alloc.paid[r.pk])
