"""A dispute with recorded days and payslips, a national strike fund and a branch hardship fund."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from mandate.actions.models import Action
from mandate.conftest import World
from mandate.disputes.models import Dispute
from mandate.funds import actions
from mandate.funds import rules as engine
from mandate.funds.models import Claim, Fund, FundKind, FundRules
from mandate.members.models import Member
from mandate.pay import actions as pay_actions
from mandate.pay.tests.factories import STRIKE_DAYS, TODAY, called_action, policy

D = Decimal
CLAIMED_ON = dt.date(2026, 4, 10)


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("slip.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")


def record(world: World, member: Member, action: Action, evidence: bool = True) -> None:
    taken = pay_actions.days_record(
        member=member,
        picks=[(action, d) for d in STRIKE_DAYS],
        actor=world.member_user,
        today=TODAY,
    )
    if evidence:
        pay_actions.payslip_record(
            member=member,
            pay_date=dt.date(2026, 3, 27),
            amount=member_day(member) * len(taken),
            days=taken,
            evidence=pdf(),
            actor=world.member_user,
        )


def member_day(member: Member) -> Decimal:
    salary = member.employments.get().annual_salary or D(0)
    return (salary / 365).quantize(engine.PENNY)


def national_rules() -> engine.Rules:
    """The later-round national fund of DOMAIN.md 4.3: from day 2, 20-day cap."""
    return engine.Rules(
        bands=(
            engine.Band("A", D(0), D(30000), D("75.00")),
            engine.Band("B", D(30000), None, D("50.00")),
        ),
        first_paid_day=2,
        cap_days=20,
        good_standing_required=False,
    )


def hardship_rules() -> engine.Rules:
    return engine.Rules(
        bands=(engine.Band("H", D(0), None, D("40.00")),),
        evidence_required=False,
        good_standing_required=False,
        top_up=True,
        pro_rata=True,
        priority_groups=(engine.LOW_PAID,),
        low_pay_threshold=D(35000),
    )


@dataclass
class Funds:
    dispute: Dispute
    action: Action
    national: Fund
    hardship: Fund
    national_rules: FundRules
    hardship_rules: FundRules


def build(world: World) -> Funds:
    policy(world)
    action = called_action(world)
    record(world, world.member, action)
    record(world, world.covered, action, evidence=False)
    national = actions.fund_create(
        actor=world.national, name="National strike fund", kind=FundKind.STRIKE, branch=None
    )
    hardship = actions.fund_create(
        actor=world.panel, name="Hardship fund", kind=FundKind.HARDSHIP, branch=world.liverpool
    )
    nr = actions.rules_publish(
        actor=world.national, fund=national, dispute=action.dispute, rules=national_rules()
    )
    hr = actions.rules_publish(
        actor=world.panel, fund=hardship, dispute=action.dispute, rules=hardship_rules()
    )
    return Funds(action.dispute, action, national, hardship, nr, hr)


def claim(world: World, rules: FundRules, member: Member | None = None, **kw: object) -> Claim:
    values: dict[str, object] = {
        "account_name": "Mo Ahmed",
        "sort_code": "123456",
        "account_number": "12345678",
        "today": CLAIMED_ON,
        **kw,
    }
    return actions.claim_submit(
        actor=world.member_user,
        member=member or world.member,
        rules=rules,
        days=list(STRIKE_DAYS),
        **values,  # type: ignore[arg-type]
    )
