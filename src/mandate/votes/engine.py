"""The secret-ballot engine's public surface, for this app's pages and for other apps.

A meeting's secret electronic vote uses it like this::

    from mandate.votes import engine

    poll = engine.poll_create(
        title="Motion 3", choices=["For", "Against", "Abstain"],
        opens_at=now, closes_at=now + timedelta(minutes=15),
        origin=engine.PollOrigin.MEETING,
        voters=[engine.VoterSpec(key=f"attendee:{a.pk}", member_id=a.member_id) for a in present],
        results_by_branch=False, actor=chair,
    )
    engine.poll_open(poll=poll, actor=chair)
    receipt = engine.vote_cast(poll=poll, voter_key=f"attendee:{a.pk}", choice=choice_id)
    engine.poll_close(poll=poll, actor=chair)   # records the count check
    result = engine.tally(poll)                 # Tally: choices, cast, branches

Errors are DomainError subclasses (AlreadyVoted, VotingClosed, NotOnRoll, InvalidState) whose
message can be shown to the person as it is.

Weighted (card) votes: pass ``weighted=True`` and a Decimal weight per VoterSpec. The weight is
then stored on the ballot row, and a weight held by one delegate alone identifies that
delegate's ballot to anyone who can read the database. Card votes are therefore not secret by
nature: record them as named card votes in the meetings app, and use a weighted poll here only
where every weight is shared by several voters (docs/e-ballots.md, "Weighted votes").
"""

from mandate.votes.actions import (
    BranchResult,
    BranchTurnout,
    ChoiceCount,
    Tally,
    VoterSpec,
    member_key,
    normalise_receipt,
    poll_add_voters,
    poll_close,
    poll_create,
    poll_open,
    poll_publish,
    published_receipts,
    tally,
    turnout,
    vote_cast,
)
from mandate.votes.errors import AlreadyVoted, CountMismatch, NotOnRoll, VotingClosed
from mandate.votes.models import Choice, Poll, PollOrigin, PollState, Voter

__all__ = [
    "AlreadyVoted",
    "BranchResult",
    "BranchTurnout",
    "Choice",
    "ChoiceCount",
    "CountMismatch",
    "NotOnRoll",
    "Poll",
    "PollOrigin",
    "PollState",
    "Tally",
    "Voter",
    "VoterSpec",
    "VotingClosed",
    "member_key",
    "normalise_receipt",
    "poll_add_voters",
    "poll_close",
    "poll_create",
    "poll_open",
    "poll_publish",
    "published_receipts",
    "tally",
    "turnout",
    "vote_cast",
]
