"""The demo's two disputes: the national "Four Fights" pay dispute with its framework of
expectations, and the University of Liverpool branch's fight against compulsory redundancies.

Built through the real actions, so the demo's audit log reads like a real one.
"""

from __future__ import annotations

import datetime as dt

from mandate.core.demo import DemoContext
from mandate.core.models import Employer
from mandate.disputes import actions
from mandate.disputes.models import (
    Dispute,
    ImplementationState,
    ResponseType,
    TimelineKind,
)

FOUR_FIGHTS = "Four Fights 2026: pay, equality, casualisation, workload"
FOUR_DEMANDS = [
    "Pay: a rise that restores the value lost since 2009",
    "Close the gender, race and disability pay gaps",
    "End casualisation: fractional contracts for hourly-paid staff, no zero-hours contracts",
    "Workload: a national workload agreement with limits negotiated locally",
]
EXPECTATIONS = [
    (
        "Reduce the gender pay gap with an action plan",
        "Publish an action plan agreed with the branch, with dated targets.",
    ),
    (
        "Move hourly-paid staff onto fractional contracts",
        "Hourly-paid teaching staff with regular work move onto fractional contracts.",
    ),
    (
        "Workload model agreed with the branch",
        "A transparent workload allocation model, negotiated and agreed with the branch.",
    ),
    (
        "Review of fixed-term contracts",
        "A joint review of fixed-term contracts, moving staff onto open-ended contracts.",
    ),
]
# How often each state turns up across employers: most have not moved yet.
STATE_WEIGHTS = [
    (ImplementationState.NOT_STARTED, 40),
    (ImplementationState.NEGOTIATING, 30),
    (ImplementationState.AGREED, 18),
    (ImplementationState.IMPLEMENTED, 12),
]

HLS = "Health and Life Sciences redundancies"


def _d(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


def build_disputes(ctx: DemoContext) -> None:
    national = _four_fights(ctx)
    local = _liverpool(ctx)
    ctx.out(f"  2 disputes: {national.name}; {local.name}")


def _four_fights(ctx: DemoContext) -> Dispute:
    employers = list(Employer.objects.order_by("name"))
    dispute = actions.dispute_create(
        name=FOUR_FIGHTS,
        parties=employers,
        demands=FOUR_DEMANDS,
        summary=(
            "National claim on pay, the race and gender pay gaps, casualisation and workload. "
            "The employers' association offers only a non-binding framework of expectations, so "
            "every branch must push its own employer to implement it."
        ),
        opened_on=_d(1, 19),
    )
    # The employer whose 100% docking for the marking boycott the timeline records.
    docking = next(
        (b for b in ctx.branches if b.name == "University of Leeds"), ctx.branches[-1]
    ).employers.first()
    timeline = [
        (_d(1, 19), TimelineKind.CLAIM, "Joint claim served on the employers' association", "", None, ""),
        (_d(3, 10), TimelineKind.MEETING, "First negotiation meeting", "The employers say they have no mandate to negotiate on the pay gaps, casualisation or workload.", None, ""),
        (_d(4, 22), TimelineKind.OFFER, "Employers' offer: 3% on all pay points", "Below inflation; negotiators reject it.", None, ""),
        (_d(5, 14), TimelineKind.MEETING, "Negotiation meeting: framework of expectations tabled", "A non-binding framework on the pay gaps, casualisation and workload.", None, ""),
        (_d(6, 3), TimelineKind.STATEMENT, "General secretary's statement on the framework", "Issued without discussion with the elected negotiators, who have not recommended any offer.", None, ""),
        (_d(9, 28), TimelineKind.ACTION, "Marking and assessment boycott begins", "At every branch that won a mandate.", None, ""),
        (_d(10, 12), TimelineKind.EMPLOYER_RESPONSE, "100% deduction for marking boycott", "Full pay withheld from every member taking part in the boycott.", docking, ResponseType.ASOS_100_PERCENT_DEDUCTION),
        (_d(11, 9), TimelineKind.MEETING, "Negotiation meeting: no movement on pay", "", None, ""),
    ]  # fmt: skip
    for date, kind, title, detail, employer, response in timeline:
        actions.timeline_add(
            dispute=dispute,
            date=date,
            kind=kind,
            title=title,
            detail=detail,
            employer=employer,
            response_type=response,
        )
    expectations = [
        actions.expectation_add(dispute=dispute, title=title, detail=detail)
        for title, detail in EXPECTATIONS
    ]
    states = [s for s, _ in STATE_WEIGHTS]
    weights = [w for _, w in STATE_WEIGHTS]
    for employer in employers:
        for expectation in expectations:
            state = ctx.rng.choices(states, weights)[0]
            if state != ImplementationState.NOT_STARTED:
                actions.expectation_set_status(
                    expectation=expectation, employer=employer, state=state
                )
    return dispute


def _liverpool(ctx: DemoContext) -> Dispute:
    branch = ctx.branch("University of Liverpool")
    dispute = actions.dispute_create(
        name=HLS,
        branch=branch,
        demands=["No compulsory redundancies"],
        summary=(
            "Management proposed 47 compulsory redundancies in the Faculty of Health and Life "
            "Sciences. Strikes and a marking boycott cut that to two; members fight on until it "
            "is zero."
        ),
        opened_on=_d(5, 5),
    )
    at_risk = actions.metric_add(
        dispute=dispute, name="Compulsory redundancies at risk", unit="jobs"
    )
    for date, value, note in [
        (_d(5, 5), 47, "Proposal announced"),
        (_d(7, 14), 6, "After the first strikes and the marking boycott"),
        (_d(11, 17), 2, "Management still will not move on the last two"),
    ]:
        actions.metric_record(metric=at_risk, date=date, value=value, note=note)
    students = actions.metric_add(
        dispute=dispute,
        name="Students without degrees because of the marking boycott",
        unit="students",
    )
    actions.metric_record(
        metric=students, date=_d(7, 3), value=1500, note="Final marks and degrees withheld"
    )

    mediation = actions.precondition_add(
        dispute=dispute, description="External mediation (ACAS) exhausted"
    )
    actions.precondition_mark_met(
        precondition=mediation,
        evidence=(
            "ACAS conciliation meetings on 2 and 9 June ended without agreement; ACAS wrote on "
            "10 June confirming conciliation is exhausted."
        ),
    )
    actions.precondition_add(
        dispute=dispute,
        description="Joint consultation meeting held under the redundancy procedure",
    )

    timeline = [
        (_d(5, 5), TimelineKind.CLAIM, "Dispute registered over 47 proposed compulsory redundancies", ""),
        (_d(5, 26), TimelineKind.ACTION, "First round of strikes begins", "Strikes through May and June."),
        (_d(6, 10), TimelineKind.MEETING, "ACAS conciliation ends without agreement", ""),
        (_d(6, 15), TimelineKind.ACTION, "Marking and assessment boycott begins", ""),
        (_d(7, 3), TimelineKind.STATEMENT, "Around 1,500 students without final marks or degrees", "The boycott stops the university producing graduates."),
        (_d(7, 14), TimelineKind.OFFER, "Management cuts the compulsory redundancies to six", ""),
        (_d(11, 17), TimelineKind.OFFER, "Compulsory redundancies cut from six to two", "Management asks the branch to suspend the strike but will not move on the last two jobs."),
        (_d(11, 18), TimelineKind.OTHER, "Members' meeting: 97% vote to strike on", "Over 230 members met; 97% voted to go ahead with the strike until no job is at risk."),
        (_d(11, 18), TimelineKind.ACTION, "Eleven days of strikes begin", "Over 45 on the picket line on the first day."),
    ]  # fmt: skip
    for date, kind, title, detail in timeline:
        actions.timeline_add(dispute=dispute, date=date, kind=kind, title=title, detail=detail)
    return dispute
