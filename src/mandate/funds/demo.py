"""Demo: a national fighting fund with salary bands and a Liverpool hardship fund, money paid in,
and claims in every state (waiting, approved, rejected, in a batch, paid), plus the panel login.

Claims need recorded days: the pay step records them; where it recorded none for the demo
members, this step records three past strike days of its own, with payslip evidence."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mandate.actions.models import Action, ActionDay, ActionKind, ActionStatus, Pattern
from mandate.ballots.models import Ballot
from mandate.core.demo import DEMO_PASSWORD, DemoContext
from mandate.core.errors import DomainError
from mandate.core.models import Role, RoleKind, User, Workplace
from mandate.disputes.models import Dispute, DisputeScope
from mandate.funds import actions
from mandate.funds import rules as engine
from mandate.funds.models import Claim, FundKind, FundRules
from mandate.members.models import Member, MemberStatus
from mandate.pay import actions as pay_actions
from mandate.pay.loss import losses_for
from mandate.pay.models import DayTaken, Payslip

D = Decimal
# The demo register's subscription bands (members.demo.SUB_BANDS), lowest first.
SUBSCRIPTIONS = (
    engine.SubscriptionBand("D (under 25k)", D(0), D(25000)),
    engine.SubscriptionBand("C (25k-35k)", D(25000), D(35000)),
    engine.SubscriptionBand("B (35k-45k)", D(35000), D(45000)),
    engine.SubscriptionBand("A (over 45k)", D(45000), None),
)
CLAIMANTS = 10


def national_rules() -> engine.Rules:
    """The first-round example of DOMAIN.md 4.3, extended to ASOS where 100% was docked."""
    return engine.Rules(
        bands=(
            engine.Band("A", D(0), D(30000), D("75.00"), first_paid_day=2, cap_money=D(1100)),
            engine.Band("B", D(30000), None, D("50.00"), first_paid_day=3, cap_money=D(800)),
        ),
        asos_full_deduction=True,
        subscription_bands=SUBSCRIPTIONS,
    )


def hardship_rules() -> engine.Rules:
    return engine.Rules(
        bands=(engine.Band("H", D(0), None, D("30.00")),),
        evidence_required=False,
        good_standing_required=False,
        top_up=True,
        pro_rata=True,
        priority_groups=(engine.CASUALISED, engine.LOW_PAID),
        low_pay_threshold=D(32000),
    )


def _claimants(ctx: DemoContext) -> list[Member]:
    liverpool = ctx.branch("University of Liverpool")
    hls = Workplace.objects.get(employer__branches=liverpool, name__startswith="Health")
    # The member the demo "member" login becomes (build_logins picks the same one).
    first = (
        Member.objects.filter(branch=liverpool, employments__workplace=hls).order_by("pk").first()
    )
    others = (
        Member.objects.filter(
            branch=liverpool, status=MemberStatus.ACTIVE, employments__annual_salary__isnull=False
        )
        .distinct()
        .order_by("pk")
    )
    if first is not None:
        others = others.exclude(pk=first.pk)
    others = others[: CLAIMANTS - 1]
    return ([first] if first else []) + list(others)


def _past_days(dispute: Dispute, members: list[Member]) -> None:
    ballot = Ballot.objects.filter(dispute=dispute).order_by("pk").first()
    if ballot is None:
        return
    start = timezone.localdate() - dt.timedelta(days=42)
    days = [
        start + dt.timedelta(days=i)
        for i in range(14)
        if (start + dt.timedelta(days=i)).weekday() < 5
    ][:3]
    action = Action.objects.create(
        dispute=dispute,
        ballot=ballot,
        title="Three days of strike action (autumn)",
        kind=ActionKind.STRIKE,
        pattern=Pattern.DISCONTINUOUS,
        status=ActionStatus.ENDED,
    )
    ActionDay.objects.bulk_create(ActionDay(action=action, date=d) for d in days)
    for m in members:
        taken = DayTaken.objects.bulk_create(DayTaken(member=m, action=action, day=d) for d in days)
        expected = sum((x.expected for x in losses_for(m, dispute)), D(0))
        if expected > 0:
            pay_actions.payslip_record(
                member=m,
                pay_date=start + dt.timedelta(days=24),
                amount=expected,
                days=list(DayTaken.objects.filter(pk__in=[t.pk for t in taken])),
                evidence=_pdf(),
                actor=None,
            )


def _late_payslip(member: Member, dispute: Dispute) -> None:
    # A member whose payslip had not come in when the pay step ran sends it now, with evidence.
    uncovered = list(
        DayTaken.objects.filter(member=member, action__dispute=dispute, payslips__isnull=True)
    )
    if (
        not uncovered
        or len(uncovered) != DayTaken.objects.filter(member=member, action__dispute=dispute).count()
    ):
        return
    expected = sum((x.expected for x in losses_for(member, dispute)), D(0))
    if expected > 0:
        pay_actions.payslip_record(
            member=member,
            pay_date=max(d.day for d in uncovered) + dt.timedelta(days=30),
            amount=expected,
            days=uncovered,
            evidence=_pdf(),
            actor=None,
        )


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "payslip.pdf", b"%PDF-1.4\n% demo payslip\n", content_type="application/pdf"
    )


def _fix_subscription(member: Member) -> None:
    # The demo register draws bands at random; the claimants pay the right one.
    job = member.employments.exclude(annual_salary__isnull=True).first()
    if job is None or job.annual_salary is None:
        return
    band = next((s for s in SUBSCRIPTIONS if s.contains(job.annual_salary)), None)
    if band is not None:
        Member.objects.filter(pk=member.pk).update(subscription_band=band.code)
        member.subscription_band = band.code


def _claim(
    rules: FundRules, member: Member, days: list[dt.date], *, login: bool = False
) -> Claim | None:
    try:
        return actions.claim_submit(
            actor=None,
            member=member,
            rules=rules,
            days=days,
            # build_logins renames the demo login's member to Mo Ahmed afterwards.
            account_name="Mo Ahmed" if login else member.full_name[:70],
            sort_code=f"{200000 + member.pk % 800000:06d}",
            account_number=f"{10000000 + member.pk % 90000000:08d}",
            note="",
        )
    except DomainError:
        return None


def build_funds(ctx: DemoContext) -> None:
    dispute = Dispute.objects.filter(scope=DisputeScope.NATIONAL).order_by("pk").first()
    if dispute is None:
        return
    liverpool = ctx.branch("University of Liverpool")
    members = _claimants(ctx)
    login_member = members[0] if members else None
    if members:
        # The demo member's page should show claims: give their post a salary if it has none.
        members[0].employments.filter(annual_salary__isnull=True).update(annual_salary=D(38000))
    recorded = list(
        Member.objects.filter(
            branch=liverpool,
            status=MemberStatus.ACTIVE,
            days_taken__action__dispute=dispute,
            employments__annual_salary__isnull=False,
        )
        .distinct()
        .order_by("pk")[: CLAIMANTS * 2]
    )
    if recorded:
        for m in recorded:
            _late_payslip(m, dispute)
        with_evidence = set(
            Payslip.objects.filter(member__in=recorded, dispute=dispute)
            .exclude(evidence="")
            .values_list("member_id", flat=True)
        )
        # The member the demo login becomes goes first, then those who sent evidence.
        members = sorted(
            recorded, key=lambda m: (members[:1] != [m], m.pk not in with_evidence, m.pk)
        )[:CLAIMANTS]
    else:
        _past_days(dispute, members)
    for m in members:
        _fix_subscription(m)

    panel = User.objects.create_user(
        username="panel", password=DEMO_PASSWORD, first_name="Priya", last_name="Nair"
    )
    ctx.users["panel"] = panel
    Role.objects.create(
        user=panel, kind=RoleKind.FUND_PANEL, branch=liverpool, title="Hardship fund panel"
    )
    national = actions.fund_create(
        actor=None, name="National fighting fund", kind=FundKind.STRIKE, branch=None
    )
    hardship = actions.fund_create(
        actor=None, name="Liverpool hardship fund", kind=FundKind.HARDSHIP, branch=liverpool
    )
    nr = actions.rules_publish(
        actor=None, fund=national, dispute=dispute, rules=national_rules(), note="First round"
    )
    hr = actions.rules_publish(actor=None, fund=hardship, dispute=dispute, rules=hardship_rules())
    actions.ledger_deposit(
        actor=None, fund=national, amount=D("250000.00"), memo="Fighting fund levy"
    )
    actions.ledger_deposit(actor=None, fund=hardship, amount=D("150.00"), memo="Bucket collection")

    claims: list[Claim] = []
    for m in members:
        days = [d.day for d in DayTaken.objects.filter(member=m, action__dispute=dispute)]
        claim = _claim(nr, m, days, login=m == login_member) if days else None
        if claim is not None:
            claims.append(claim)

    def decide(c: Claim, approve: bool = True, reason: str = "") -> None:
        with contextlib.suppress(DomainError):
            actions.claim_decide(actor=panel, claim_id=c.pk, approve=approve, reason=reason)

    # Paid, in a batch sent to the bank, approved, rejected, and the rest waiting.
    for c in claims[:2]:
        decide(c)
    if claims[:2]:
        paid = actions.batch_create(actor=None, fund=national)
        actions.batch_export(actor=None, batch=paid)
        actions.batch_mark_paid(actor=None, batch_id=paid.pk, bank_reference="BACS 0001")
    if len(claims) > 2:
        decide(claims[2])
        sent = actions.batch_create(actor=None, fund=national)
        actions.batch_export(actor=None, batch=sent)
    if len(claims) > 3:
        decide(claims[3])
    if len(claims) > 4:
        decide(claims[4], approve=False, reason="The payslip shows no deduction for these days.")

    # Hardship: top-ups for the days the national fund did not pay, scaled when money is short.
    topups: list[Claim] = []
    for m in members[:6]:
        days = [d.day for d in DayTaken.objects.filter(member=m, action__dispute=dispute)]
        claim = _claim(hr, m, days, login=m == login_member) if days else None
        if claim is not None:
            topups.append(claim)
    for c in topups[1:4]:
        decide(c)
    if topups[1:4]:
        actions.batch_create(actor=None, fund=hardship)
    ctx.out(
        f"  funds: {len(claims)} national claims, {len(topups)} hardship claims; "
        "login 'panel' judges the Liverpool hardship fund"
    )
