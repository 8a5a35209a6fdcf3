"""A small dispute for the API tests: an open local ballot (Mo, Cat and Una entitled), a phone
bank on it worked by the rep and the secretary, a won ballot with a strike planned on it and a
picket line for it, a branch hardship fund, an open e-ballot for Mo and Cat, and a previewed
import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from mandate.actions.models import Action
from mandate.actions.tests import factories as action_factories
from mandate.ballots.models import Ballot
from mandate.calls.models import CallAssignment
from mandate.calls.tests import factories as call_factories
from mandate.conftest import World
from mandate.core.models import Workplace
from mandate.funds import actions as fund_actions
from mandate.funds.models import Fund
from mandate.members.importing import import_run_create
from mandate.members.models import ImportRun, Member
from mandate.pickets import actions as picket_actions
from mandate.pickets.models import PicketSite
from mandate.turnout.tests.factories import open_ballot
from mandate.votes import engine

CSV = (
    "membership_number,first_name,last_name,personal_email\n"
    "L0001,Mo,Ahmed,mo@example.org\n"
    "L0009,New,Person,new@example.org\n"
)


@dataclass
class Scene:
    ballot: Ballot
    granted: Ballot
    action: Action
    site: PicketSite
    fund: Fund
    assignment: CallAssignment
    poll: engine.Poll
    run: ImportRun


def build_scene(world: World) -> Scene:
    ballot = open_ballot(world)
    # Phoneable, so the phone bank has a contact for each caller.
    for i, member in enumerate((world.covered, world.uncovered), start=2):
        Member.objects.filter(pk=member.pk).update(mobile=f"+4477009000{i:02d}")
    assignment = call_factories.assignment(ballot, world.liverpool, [world.rep, world.secretary])
    now = timezone.now()
    poll = engine.poll_create(
        title="Accept the offer?",
        choices=["Yes", "No"],
        opens_at=now - dt.timedelta(minutes=1),
        closes_at=now + dt.timedelta(hours=1),
        branch=world.liverpool,
        voters=[
            engine.VoterSpec(key=engine.member_key(m.pk), member_id=m.pk, branch_id=m.branch_id)
            for m in (world.member, world.covered)
        ],
    )
    poll = engine.poll_open(poll=poll)
    run = import_run_create(
        branch=world.liverpool,
        filename="register.csv",
        data=CSV.encode(),
        sheet="",
        actor=world.secretary,
    )
    today = timezone.localdate()
    granted = action_factories.granted_ballot(world, opens=today - dt.timedelta(days=40))
    action = action_factories.strike(world, granted, [today + dt.timedelta(days=20)])
    site = picket_actions.site_create(
        branch=world.liverpool,
        workplace=Workplace.objects.get(name="Main campus"),
        name="Main gate",
        entrances=["Front", "Back"],
        actor=world.secretary,
    )
    picket_actions.shifts_generate(site=site, action=action, pattern="07:30-09:30", actor=None)
    fund = fund_actions.fund_create(
        actor=world.secretary,
        name="Liverpool hardship fund",
        kind="hardship",
        branch=world.liverpool,
    )
    return Scene(
        ballot=ballot,
        granted=granted,
        action=action,
        site=site,
        fund=fund,
        assignment=assignment,
        poll=poll,
        run=run,
    )


def path_values(world: World, scene: Scene) -> dict[str, object]:
    """A real value for every path parameter the API uses."""
    target = scene.assignment.targets.order_by("pk").first()
    return {
        "branch": world.liverpool.slug,
        "member_id": world.member.pk,
        "run_id": scene.run.pk,
        "slug": scene.ballot.dispute.slug,
        "ballot_id": scene.ballot.pk,
        "assignment_id": scene.assignment.pk,
        "target_id": target.pk if target is not None else 1,
        "poll_id": scene.poll.pk,
        "action_id": scene.action.pk,
        "fund_id": scene.fund.pk,
    }
