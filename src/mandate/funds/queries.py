"""Reads used by the fund pages: totals, queues, the funds a member may claim from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from mandate.core.models import Branch
from mandate.funds import rules as engine
from mandate.funds.models import Claim, ClaimState, Fund, FundRules
from mandate.members.models import Member
from mandate.pay.models import DayTaken


@dataclass(frozen=True)
class StateTotal:
    state: str
    label: str
    count: int
    amount: Decimal


def totals(fund: Fund, branches: QuerySet[Branch] | None = None) -> list[StateTotal]:
    """Claims per state and what they ask or pay, optionally for members of BRANCHES only."""
    claims = Claim.objects.filter(fund=fund)
    if branches is not None:
        claims = claims.filter(member__branch__in=branches)
    rows = {
        r["state"]: r
        for r in claims.values("state").annotate(
            n=Count("pk"),
            asked=Sum("proposed"),
            approved=Sum("approved_amount"),
            paying=Sum("payable"),
        )
    }
    out = []
    for state in ClaimState:
        r = rows.get(state.value)
        if r is None:
            out.append(StateTotal(state.value, state.label, 0, engine.ZERO))
            continue
        if state in (ClaimState.BATCHED, ClaimState.PAID):
            amount = r["paying"]
        elif state == ClaimState.APPROVED:
            amount = r["approved"]
        else:
            amount = r["asked"]
        out.append(StateTotal(state.value, state.label, r["n"], Decimal(amount or 0)))
    return out


def claims_for_review(fund: Fund, state: str) -> QuerySet[Claim]:
    qs = Claim.objects.filter(fund=fund).select_related("member", "dispute", "rules")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("tier", "submitted_at", "pk")


def open_rules_for(member: Member) -> list[FundRules]:
    """The current rules of every fund the member may claim from for a dispute they took part in:
    national funds, and their own branch's funds."""
    disputes = DayTaken.objects.filter(member=member).values("action__dispute")
    candidates = (
        FundRules.objects.filter(dispute__in=disputes)
        .filter(Q(fund__branch__isnull=True) | Q(fund__branch=member.branch_id))
        .select_related("fund", "dispute")
        .order_by("fund__branch_id", "fund__name", "dispute__name", "-version")
    )
    latest: dict[tuple[int, int], FundRules] = {}
    for r in candidates:
        latest.setdefault((r.fund_id, r.dispute_id), r)
    return list(latest.values())
