"""One member with data in every app: GTVO, calls, messages, meetings, e-ballots, opt-outs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from mandate.ballots.models import Ballot
from mandate.calls import actions as call_actions
from mandate.calls.models import CallTarget
from mandate.calls.tests.factories import assignment, caller, open_ballot, phone_member
from mandate.conftest import World
from mandate.core.models import User
from mandate.meetings import actions as meeting_actions
from mandate.members.models import Member, MemberChange
from mandate.messaging.models import Message, MessageState, OptOut, Send
from mandate.turnout import actions as turnout_actions
from mandate.votes import engine
from mandate.votes.models import Poll

# Values that appear nowhere else, so a search for them finds only this member's rows.
NAME = ("Zephyrine", "Quillfeather")
EMAIL = "zephyrine.q@example.org"
WORK_EMAIL = "zq77@liverpool.example.ac.uk"
MOBILE = "+447700900731"
ADDRESS = "17 Larkspur Mews"


@dataclass
class Scenario:
    subject: Member
    others: list[Member]
    ballot: Ballot
    poll: Poll
    caller: User


def build(world: World) -> Scenario:
    subject = phone_member(world.liverpool, "731", first=NAME[0], last=NAME[1])
    Member.objects.filter(pk=subject.pk).update(
        personal_email=EMAIL,
        work_email=WORK_EMAIL,
        mobile=MOBILE,
        address_line1=ADDRESS,
        notes=f"Prefers evening calls, ask for {NAME[0]}",
    )
    subject.refresh_from_db()
    MemberChange.objects.create(
        member=subject, source="edit", changes={"mobile": ["+447700900000", MOBILE]}
    )
    others = [phone_member(world.liverpool, str(n)) for n in range(101, 106)]
    ballot = open_ballot(world, [subject, *others])
    now = timezone.now()
    bank = caller("privacy-caller", world.liverpool)
    job = assignment(ballot, world.liverpool, [bank])
    target = CallTarget.objects.get(assignment=job, member=subject)
    CallTarget.objects.filter(pk=target.pk).update(
        state="held", held_by=bank, held_until=now + dt.timedelta(minutes=5)
    )
    call_actions.call_record(
        assignment=job,
        target_id=target.pk,
        caller=bank,
        outcome="will_vote",
        note=f"Spoke to {NAME[0]}, lives at {ADDRESS}",
    )
    turnout_actions.contact_record(
        ballot=ballot,
        member=subject,
        status="says_voted",
        source="rep",
        note=f"{NAME[0]} posted it on {MOBILE}",
        at=now,
    )
    turnout_actions.contact_record(
        ballot=ballot, member=others[0], status="says_voted", source="rep", at=now
    )
    send = Send.objects.create(
        branch=world.liverpool, channel="email", subject="Vote!", template="Hi", audience="all"
    )
    Message.objects.create(
        send=send,
        member=subject,
        channel="email",
        address=EMAIL,
        body=f"Hi {NAME[0]}, please vote.",
        state=MessageState.SENT,
    )
    OptOut.objects.create(member=subject, channel="sms", source="officer")
    meeting = meeting_actions.meeting_create(
        actor=None,
        branch=world.liverpool,
        kind="members",
        title="Branch meeting",
        mode="in_person",
        starts_at=now,
    )
    meeting_actions.check_in(meeting=meeting, method="steward", member=subject)
    poll = engine.poll_create(
        title="Accept the offer?",
        choices=["Accept", "Reject"],
        opens_at=now - dt.timedelta(hours=2),
        closes_at=now + dt.timedelta(hours=2),
        branch=world.liverpool,
        voters=[
            engine.VoterSpec(key=engine.member_key(m.pk), member_id=m.pk, branch_id=m.branch_id)
            for m in [subject, *others]
        ],
        min_branch_votes=1,
    )
    poll = engine.poll_open(poll=poll, now=now - dt.timedelta(hours=1))
    choices = list(poll.choices.order_by("position").values_list("pk", flat=True))
    for n, m in enumerate([subject, *others[:3]]):
        engine.vote_cast(poll=poll, voter_key=engine.member_key(m.pk), choice=choices[n % 2])
    poll = engine.poll_close(poll=poll, now=now + dt.timedelta(hours=3))
    return Scenario(subject=subject, others=others, ballot=ballot, poll=poll, caller=bank)


def needles() -> list[str]:
    return [NAME[0], NAME[1], EMAIL, WORK_EMAIL, MOBILE, ADDRESS, "T731"]
