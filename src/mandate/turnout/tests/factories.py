"""Open ballots with a frozen electorate, built through the real ballot actions."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mandate.ballots import actions as ballot_actions
from mandate.ballots.models import Ballot, StepStatus
from mandate.conftest import World
from mandate.disputes.models import Dispute, DisputeScope


def open_ballot(
    world: World,
    *,
    opens: dt.date | None = None,
    closes: dt.date | None = None,
    name: str = "Liverpool redundancies ballot",
) -> Ballot:
    """A local Liverpool ballot, opened (electorate frozen): Mo, Cat and Una are entitled."""
    today = timezone.localdate()
    opens = opens or today - dt.timedelta(days=10)
    closes = closes or today + dt.timedelta(days=10)
    dispute = Dispute.objects.create(
        name=f"{name} dispute",
        slug=f"d-{Dispute.objects.count() + 1}",
        scope=DisputeScope.LOCAL,
        branch=world.liverpool,
    )
    dispute.parties.add(world.liverpool_employer)
    ballot = ballot_actions.ballot_create(
        dispute=dispute,
        name=name,
        opens=opens,
        closes=closes,
        scrutineer="Civica Election Services",
        authorised_callers="General Secretary",
        actor=None,
    )
    for step in ballot.steps.filter(status=StepStatus.PENDING, phase="before_opening"):
        if step.rule_id == "B-scrutineer" or step.due is None:
            continue
        ballot_actions.step_record(
            step=step,
            actor=None,
            done_on=step.due - dt.timedelta(days=1),
            method="Recorded delivery",
            today=opens,
        )
    ballot_actions.ballot_open(ballot=ballot, actor=None, today=opens)
    ballot.refresh_from_db()
    return ballot
