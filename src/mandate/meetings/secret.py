"""A meeting's secret electronic vote, run by the secret-ballot engine (``mandate.votes``).

The roll is the attendees checked in when the vote opens, keyed by attendance (never by member
name); who voted and how are kept apart by the engine. The meeting records only the totals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from mandate.core.errors import DomainError
from mandate.core.models import User
from mandate.meetings.models import Attendance, Choice, MeetingVote
from mandate.members.models import MemberStatus
from mandate.votes import engine

# Long enough for any meeting; the steward closes the poll when the chair calls time.
_WINDOW = dt.timedelta(hours=6)
_LABELS = {Choice.FOR: "For", Choice.AGAINST: "Against", Choice.ABSTAIN: "Abstain"}


def attendee_key(attendance_id: int) -> str:
    return f"attendee:{attendance_id}"


def secret_poll_open(*, vote: MeetingVote, actor: User | object | None) -> str:
    """Create and open the engine's poll for VOTE with those present as its roll."""
    meeting = vote.meeting
    present = Attendance.objects.filter(meeting=meeting, member__status=MemberStatus.ACTIVE)
    voters = [
        engine.VoterSpec(key=attendee_key(pk), member_id=member_id)
        for pk, member_id in present.values_list("pk", "member_id")
    ]
    if not voters:
        raise DomainError("Nobody is checked in yet: check people in before a secret vote.")
    now = timezone.now()
    user = actor if isinstance(actor, User) else None
    poll = engine.poll_create(
        title=f"{meeting.title}: {vote.question_title}"[:200],
        choices=list(_LABELS.values()),
        opens_at=now,
        closes_at=now + _WINDOW,
        origin=engine.PollOrigin.MEETING,
        voters=voters,
        branch=meeting.branch,
        results_by_branch=False,
        actor=user,
    )
    engine.poll_open(poll=poll, actor=user, now=now)
    return str(poll.pk)


def _poll(vote: MeetingVote) -> engine.Poll:
    poll = engine.Poll.objects.filter(pk=int(vote.poll_ref or 0)).first()
    if poll is None:
        raise DomainError("This vote's secret poll is missing; ask an officer to check.")
    return poll


def secret_vote_cast(*, vote: MeetingVote, attendance: Attendance, choice: str) -> str:
    """Cast one attendee's secret vote; returns their receipt code."""
    if choice not in _LABELS:
        raise DomainError("Choose for, against or abstain.")
    poll = _poll(vote)
    choice_id = engine.Choice.objects.get(poll=poll, label=_LABELS[Choice(choice)]).pk
    return engine.vote_cast(poll=poll, voter_key=attendee_key(attendance.pk), choice=choice_id)


def secret_has_voted(*, vote: MeetingVote, attendance: Attendance) -> bool:
    return engine.Voter.objects.filter(
        poll_id=int(vote.poll_ref or 0), key=attendee_key(attendance.pk), has_voted=True
    ).exists()


def secret_turnout(vote: MeetingVote) -> tuple[int, int]:
    """Votes cast so far and the size of the roll (no choices: those wait for the close)."""
    roll = engine.Voter.objects.filter(poll_id=int(vote.poll_ref or 0))
    return roll.filter(has_voted=True).count(), roll.count()


def secret_poll_close(
    *, vote: MeetingVote, actor: User | object | None
) -> tuple[Decimal, Decimal, Decimal]:
    """Close the engine's poll and return its for, against and abstain counts."""
    poll = engine.poll_close(poll=_poll(vote), actor=actor if isinstance(actor, User) else None)
    result = engine.tally(poll)
    by_label = {c.label: Decimal(c.votes) for c in result.choices}
    return (
        by_label.get(_LABELS[Choice.FOR], Decimal(0)),
        by_label.get(_LABELS[Choice.AGAINST], Decimal(0)),
        by_label.get(_LABELS[Choice.ABSTAIN], Decimal(0)),
    )
