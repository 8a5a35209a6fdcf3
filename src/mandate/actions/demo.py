"""Demo action on the national ballot's granted mandates: strike days served and called, a
continuous marking and assessment boycott, one action blocked with its reason, employers'
critical dates, other unions' ballots, and an escalation agreed in advance.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mandate.actions import actions
from mandate.actions.checks import action_checks, failing
from mandate.actions.models import Action, AsosType, Pattern
from mandate.ballots.models import Ballot, BallotState, Constituency
from mandate.core.demo import DemoContext
from mandate.core.errors import DomainError

LIVERPOOL = "University of Liverpool"


def _weekdays(start: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _granted(ballot: Ballot, question: str, today: dt.date, limit: int) -> list[Constituency]:
    chosen = list(
        Constituency.objects.filter(
            ballot=ballot,
            employer__isnull=False,
            mandates__question=question,
            mandates__granted=True,
            mandates__last_day__gte=today,
        )
        .exclude(jurisdiction="northern_ireland")
        .select_related("employer")
        .order_by("name")
    )
    # The demo's branch secretary is at Liverpool: put it first when it won a mandate.
    chosen.sort(key=lambda c: (c.employer is None or c.employer.name != LIVERPOOL, c.name))
    return chosen[:limit]


def _serve_all(action: Action, received_on: dt.date) -> None:
    for employer in {c.employer for c in action.constituencies.all() if c.employer is not None}:
        notice = actions.notice_prepare(action=action, employer=employer, actor=None)
        actions.notice_mark_served(
            notice=notice,
            received_on=received_on,
            method="email",
            proof_note="Acknowledged by the registrar's office",
            actor=None,
        )


def _call(ctx: DemoContext, action: Action) -> None:
    try:
        actions.action_call(action=action, actor=None)
    except actions.ActionBlocked as exc:
        # The demo dispute may carry an unmet precondition: the action stays served, with why.
        ctx.out(f"  “{action.title}” not called: {exc.reasons[0].rule_id}")


def build_actions(ctx: DemoContext) -> None:
    today = timezone.localdate()
    ballot = (
        Ballot.objects.filter(state=BallotState.RESULTS_IN, dispute__scope="national")
        .select_related("dispute")
        .order_by("pk")
        .first()
    )
    if ballot is None:
        return
    dispute = ballot.dispute
    strikers = _granted(ballot, "strike", today, 4)
    boycotters = _granted(ballot, "asos", today, 6)
    if strikers:
        days = _weekdays(today + dt.timedelta(days=12), 3)
        action = actions.action_create(
            dispute=dispute,
            ballot=ballot,
            title="Three days of national strike action",
            kind="strike",
            pattern=Pattern.DISCONTINUOUS,
            dates=days,
            constituencies=strikers,
            instructions="Do not work. Join the picket line at your main entrance from 8am.",
            actor=None,
        )
        _serve_all(action, today - dt.timedelta(days=1))
        actions.action_set_flags(action=action, actor=None, exclude_unballoted=True)
        _call(ctx, action)
        ctx.out(f"  strike days at {len(strikers)} employers")
        for c in strikers[:1]:
            if c.employer is not None:
                actions.critical_date_add(
                    employer=c.employer,
                    kind="graduation",
                    start=days[1],
                    end=days[1] + dt.timedelta(days=2),
                    note="Winter graduation ceremonies",
                    actor=None,
                )
                actions.critical_date_add(
                    employer=c.employer,
                    kind="clearing",
                    start=dt.date(today.year + 1, 8, 13),
                    end=dt.date(today.year + 1, 8, 20),
                    note="A-level results and clearing",
                    actor=None,
                )
        mandate = strikers[0].mandates.get(question="strike")
        if mandate.last_day is not None:
            blocked = actions.action_create(
                dispute=dispute,
                ballot=ballot,
                title="Strike days into the next academic year",
                kind="strike",
                pattern=Pattern.DISCONTINUOUS,
                dates=[today + dt.timedelta(days=40), mandate.last_day + dt.timedelta(days=3)],
                constituencies=strikers[:1],
                actor=None,
            )
            _serve_all(blocked, today)
            # An agreement to 7 days' notice, kept on the notice; the page explains that
            # notices received under ERA 2025 cannot be shortened by agreement.
            first_notice = blocked.notices.order_by("pk").first()
            if first_notice is not None:
                actions.notice_agreement_record(
                    notice=first_notice,
                    actor=None,
                    days=7,
                    agreed_by="Director of People",
                    agreed_on=today - dt.timedelta(days=2),
                    reference="Email from the Director of People to the branch secretary",
                )
            actions.action_set_flags(action=blocked, actor=None, exclude_unballoted=True)
            reasons = failing(action_checks(blocked))
            ctx.out(f"  one action blocked: {reasons[0].rule_id if reasons else 'none'}")
    if boycotters:
        boycott = actions.action_create(
            dispute=dispute,
            ballot=ballot,
            title="Marking and assessment boycott",
            kind="asos",
            asos_type=AsosType.MARKING_BOYCOTT,
            pattern=Pattern.CONTINUOUS,
            start_date=today + dt.timedelta(days=14),
            constituencies=boycotters,
            instructions="Do not mark, assess or return any student work; do not cover for "
            "colleagues who are boycotting.",
            actor=None,
        )
        _serve_all(boycott, today - dt.timedelta(days=1))
        actions.action_set_flags(action=boycott, actor=None, exclude_unballoted=True)
        _call(ctx, boycott)
        ctx.out(f"  marking and assessment boycott called at {len(boycotters)} employers")
    _rolling_wave(ctx, ballot, today)
    actions.escalation_plan_add(
        dispute=dispute,
        trigger="asos_100_percent_deduction",
        plan="Treat it as a lockout: call three further strike days at that employer within "
        "the fortnight.",
        actor=None,
    )
    actions.solidarity_add(
        union_name="CWU",
        title="Royal Mail postal workers' national strike ballot",
        kind="ballot",
        start=today + dt.timedelta(days=5),
        end=today + dt.timedelta(days=26),
        url="https://www.cwu.org/",
        actor=None,
    )
    actions.solidarity_add(
        union_name="PCS",
        title="Civil service national ballots over pay",
        kind="ballot",
        start=today + dt.timedelta(days=20),
        end=today + dt.timedelta(days=48),
        url="https://www.pcs.org.uk/",
        actor=None,
    )
    ctx.out("  critical dates, two solidarity events and a planned escalation")


def _rolling_wave(ctx: DemoContext, ballot: Ballot, today: dt.date) -> None:
    """Plan a four-week rolling regional wave through the planner, as an officer would."""
    from mandate.actions.waves.materialise import wave_materialise
    from mandate.actions.waves.problem import WaveInputError, WaveProblem
    from mandate.actions.waves.queries import wave_scope
    from mandate.actions.waves.solver import solve
    from mandate.ballots.rules import load_rulebooks
    from mandate.core.models import Region

    scope = wave_scope(ballot=ballot, question="strike", regions=Region.objects.all(), today=today)
    if not scope.regions:
        return
    start = today + dt.timedelta(days=21)
    problem = WaveProblem(
        regions=scope.regions,
        today=today,
        start=start,
        weeks=4,
        days_per_week=2,
        rulebooks=load_rulebooks(),
    )
    try:
        plan = solve(problem)
        created = wave_materialise(
            ballot=ballot, question="strike", plan=plan, today=today, actor=None
        )
    except (WaveInputError, DomainError) as exc:
        ctx.out(f"  rolling wave not planned: {exc}")
        return
    ctx.out(
        f"  rolling wave: {len(created)} planned actions over 4 weeks from {start:%d %b} "
        f"({plan.method})"
    )
