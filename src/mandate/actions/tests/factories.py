"""Ballots with mandates and actions for tests, built through the real actions."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mandate.actions import actions
from mandate.actions.models import Action, Pattern
from mandate.ballots import actions as ballot_actions
from mandate.ballots.models import Ballot, NoticeKind, StepStatus
from mandate.conftest import World
from mandate.disputes.models import Dispute, DisputeScope


def local_dispute(world: World, name: str = "Liverpool redundancies") -> Dispute:
    from django.utils.text import slugify

    dispute = Dispute.objects.create(
        name=name, slug=slugify(name), scope=DisputeScope.LOCAL, branch=world.liverpool
    )
    dispute.parties.add(world.liverpool_employer)
    return dispute


def granted_ballot(
    world: World,
    *,
    opens: dt.date,
    closes: dt.date | None = None,
    result_notice: bool = True,
    dispute: Dispute | None = None,
) -> Ballot:
    """A local ballot at Liverpool, run and won on both questions; result letter sent the day
    after close unless RESULT_NOTICE is False."""
    closes = closes or opens + dt.timedelta(days=21)
    ballot = ballot_actions.ballot_create(
        dispute=dispute or local_dispute(world),
        name="Liverpool redundancies ballot",
        opens=opens,
        closes=closes,
        scrutineer="Civica Election Services",
        authorised_callers="General Secretary",
        actor=world.secretary,
    )
    for step in ballot.steps.filter(status=StepStatus.PENDING, phase="before_opening"):
        if step.rule_id == "B-scrutineer" or step.due is None:
            continue
        ballot_actions.step_record(
            step=step,
            actor=None,
            done_on=step.due - dt.timedelta(days=1),
            method="Recorded delivery",
            evidence="Proof of delivery",
            today=opens,
        )
    ballot_actions.ballot_open(ballot=ballot, actor=None, today=opens)
    ballot_actions.ballot_close(ballot=ballot, actor=None)
    constituency = ballot.constituencies.get()
    entitled = constituency.electorate.filter(entitled=True).count()
    for question in ("strike", "asos"):
        ballot_actions.result_enter(
            constituency=constituency,
            question=question,
            entitled=entitled,
            votes_cast=entitled,
            yes=entitled,
            no=0,
            spoiled=0,
            actor=None,
            today=closes + dt.timedelta(days=1),
        )
    ballot.refresh_from_db()
    if result_notice:
        sent_at = timezone.make_aware(
            dt.datetime.combine(closes + dt.timedelta(days=1), dt.time(9))
        )
        ballot_actions.notice_mark_sent(
            ballot=ballot,
            kind=NoticeKind.EMPLOYER_LETTER,
            employer=world.liverpool_employer,
            sent_at=sent_at,
            method="Email to the registrar",
            actor=None,
        )
    ballot.refresh_from_db()
    return ballot


def strike(world: World, ballot: Ballot, days: list[dt.date], *, kind: str = "strike") -> Action:
    return actions.action_create(
        dispute=ballot.dispute,
        ballot=ballot,
        title="Strike days",
        kind=kind,
        pattern=Pattern.DISCONTINUOUS,
        dates=days,
        asos_type="" if kind == "strike" else "other",
        constituencies=list(ballot.constituencies.all()),
        actor=world.secretary,
    )
