"""Demo phone bank: a call assignment on the open GTVO ballot for the Liverpool constituency,
two volunteer callers (``caller1``, ``caller2``) and an evening's first calls."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mandate.ballots.models import Ballot, BallotState
from mandate.calls import actions, queue
from mandate.calls.models import Outcome
from mandate.core.demo import DEMO_PASSWORD, DemoContext
from mandate.core.models import Role, RoleKind, User

SCRIPT = (
    "Hi {first_name}, I'm a volunteer with the union, calling about the ballot in "
    "{constituency}. Have you had a chance to post your voting paper yet?\n\n"
    "If it hasn't arrived: we can ask for a replacement sent to your home address.\n"
    "Please post it from home: never hand it in at work or photograph your vote."
)
# The first calls of the evening, in the order the callers make them.
OUTCOMES = [
    Outcome.SAYS_VOTED,
    Outcome.NO_ANSWER,
    Outcome.WILL_VOTE,
    Outcome.VOICEMAIL,
    Outcome.SAYS_VOTED,
    Outcome.NOT_ARRIVED,
    Outcome.NO_ANSWER,
    Outcome.SAYS_VOTED,
]


def build_calls(ctx: DemoContext) -> None:
    liverpool = ctx.branch("University of Liverpool")
    ballot = (
        Ballot.objects.filter(state=BallotState.OPEN, constituencies__employer__branches=liverpool)
        .order_by("-opens")
        .first()
    )
    if ballot is None:
        ctx.out("  phone bank: skipped (no open ballot covers Liverpool)")
        return
    constituency = ballot.constituencies.filter(employer__branches=liverpool).first()
    callers = []
    for username, first, last in (("caller1", "Cara", "Doyle"), ("caller2", "Kofi", "Asante")):
        user = User.objects.create_user(
            username=username, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
        Role.objects.create(user=user, kind=RoleKind.CALLER, branch=liverpool, title="Volunteer")
        ctx.users[username] = user
        callers.append(user)
    assignment = actions.assignment_create(
        ballot=ballot,
        branch=liverpool,
        name="Liverpool GTVO evening calls",
        constituency=constituency,
        ends_at=timezone.now() + dt.timedelta(days=4),
        cooldown_hours=20,
        script=SCRIPT,
        callers=callers,
        actor=None,
    )
    made = 0
    start = timezone.now()
    for i, outcome in enumerate(OUTCOMES):
        caller = callers[i % 2]
        at = start + dt.timedelta(seconds=i)
        target = queue.next_contact(assignment=assignment, caller=caller, now=at)
        if target is None:
            break
        note = "Will post it tomorrow" if outcome == Outcome.WILL_VOTE else ""
        actions.call_record(
            assignment=assignment,
            target_id=target.pk,
            caller=caller,
            outcome=outcome,
            note=note,
            now=at,
        )
        made += 1
    ctx.out(
        f"  phone bank: {assignment.targets.count()} Liverpool members to call, "
        f"{made} calls made by caller1 and caller2"
    )
