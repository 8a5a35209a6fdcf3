"""A member's own business, with their own token: report their ballot paper, cast their vote.

These routes reach only the calling user's own register entry (``policy.own_member``); a
ballot or e-ballot they are not on is a 404, as it is on their web pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from mandate.api.auth import need
from mandate.api.schemas import ERRORS, ErrorOut, IdPath
from mandate.api.scopes import Scope
from mandate.ballots.models import Ballot, BallotState
from mandate.core import policy
from mandate.core.models import User
from mandate.members.models import Member
from mandate.turnout import actions as gtvo
from mandate.turnout.models import ContactStatus, Source, Status
from mandate.votes import actions as vote_actions
from mandate.votes.models import Choice, PollState, Voter
from mandate.votes.queries import my_rolls

router = Router(tags=["my ballots and votes"])


def _me(user: User) -> Member:
    member = policy.own_member(user)
    if member is None:
        raise Http404("Your login is not linked to a membership record.")
    return member


class MyBallotOut(Schema):
    id: int
    name: str
    state: str
    closes: dt.date
    my_answer: str = Field(description="What you last told us about your paper")


def _my_ballots(member: Member) -> Any:
    return (
        Ballot.objects.filter(
            constituencies__electorate__member=member,
            constituencies__electorate__entitled=True,
        )
        .exclude(state=BallotState.DRAFT)
        .distinct()
    )


@router.get(
    "/me/ballots",
    response={200: list[MyBallotOut], ERRORS: ErrorOut},
    summary="Statutory ballots you are entitled to vote in",
)
def my_ballots(request: HttpRequest) -> Any:
    member = _me(need(request, Scope.TURNOUT_WRITE))
    ballots = list(_my_ballots(member).order_by("-closes", "pk")[:50])
    answers = dict(
        ContactStatus.objects.filter(member=member, ballot__in=ballots).values_list(
            "ballot_id", "status"
        )
    )
    return [
        {
            "id": b.pk,
            "name": b.name,
            "state": b.state,
            "closes": b.closes,
            "my_answer": answers.get(b.pk, Status.UNKNOWN),
        }
        for b in ballots
    ]


# What a member may say about their own paper through the API (as on their personal link).
SELF_ANSWERS = {
    "voted": Status.SAYS_VOTED,
    "will_vote": Status.WILL_VOTE,
    "not_arrived": Status.NOT_ARRIVED,
    "stop": Status.DONT_CONTACT,
}


class ReportIn(Schema):
    answer: Literal["voted", "will_vote", "not_arrived", "stop"] = Field(
        description="voted: I have voted; stop: do not contact me about this ballot"
    )


class ReportOut(Schema):
    ballot_id: int
    my_answer: str
    applied: bool = Field(description="false if a stronger report already stands")


@router.post(
    "/me/ballots/{ballot_id}/report",
    response={200: ReportOut, ERRORS: ErrorOut},
    summary="Tell the union about your ballot paper (I have voted, and so on)",
)
def report(request: HttpRequest, ballot_id: IdPath, payload: ReportIn) -> Any:
    member = _me(need(request, Scope.TURNOUT_WRITE))
    ballot = _my_ballots(member).filter(pk=ballot_id).first()
    if ballot is None:
        raise Http404("You are not entitled to vote in this ballot.")
    recorded = gtvo.contact_record(
        ballot=ballot, member=member, status=SELF_ANSWERS[payload.answer], source=Source.SELF_REPORT
    )
    return {
        "ballot_id": ballot.pk,
        "my_answer": recorded.status.status,
        "applied": recorded.applied,
    }


class ChoiceOut(Schema):
    id: int
    label: str


class MyVoteOut(Schema):
    poll_id: int
    title: str
    question: str
    state: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    open: bool
    has_voted: bool
    choices: list[ChoiceOut]


def _vote_row(voter: Voter, now: dt.datetime, choices: list[Choice]) -> dict[str, Any]:
    poll = voter.poll
    return {
        "poll_id": poll.pk,
        "title": poll.title,
        "question": poll.question,
        "state": poll.state,
        "opens_at": poll.opens_at,
        "closes_at": poll.closes_at,
        "open": poll.accepting_at(now),
        "has_voted": voter.has_voted,
        "choices": [{"id": c.pk, "label": c.label} for c in choices],
    }


@router.get(
    "/me/votes",
    response={200: list[MyVoteOut], ERRORS: ErrorOut},
    summary="Consultative e-ballots you are on the roll of",
)
def my_votes(request: HttpRequest) -> Any:
    member = _me(need(request, Scope.VOTES_CAST))
    now = timezone.now()
    voters = list(my_rolls(member.pk)[:50])
    choices: dict[int, list[Choice]] = {}
    for c in Choice.objects.filter(poll__in=[v.poll_id for v in voters]).order_by("position"):
        choices.setdefault(c.poll_id, []).append(c)
    return [_vote_row(v, now, choices.get(v.poll_id, [])) for v in voters]


class CastIn(Schema):
    choice: int = Field(ge=1, le=2**63 - 1, description="The id of one of the poll's choices")


class ReceiptOut(Schema):
    receipt: str = Field(
        description="Check it against the published list after the close; it does not say "
        "how you voted to anyone else"
    )


@router.post(
    "/me/votes/{poll_id}",
    response={200: ReceiptOut, ERRORS: ErrorOut},
    summary="Cast your vote in a consultative e-ballot",
    description=(
        "The same secret vote as the personal voting link: the roll only records that you "
        "voted, the ballot row carries no reference to you, and a second vote is refused (409)."
    ),
)
def cast(request: HttpRequest, poll_id: IdPath, payload: CastIn) -> Any:
    member = _me(need(request, Scope.VOTES_CAST))
    voter = (
        Voter.objects.select_related("poll")
        .filter(poll_id=poll_id, member_id=member.pk)
        .exclude(poll__state=PollState.DRAFT)
        .first()
    )
    if voter is None:
        raise Http404("You are not on the roll of this ballot.")
    receipt = vote_actions.vote_cast(poll=voter.poll, voter=voter, choice=payload.choice)
    return {"receipt": receipt}
