from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import models
from django.utils import timezone

from mandate.core import actions as core_actions
from mandate.core.errors import DomainError, InvalidState
from mandate.votes import engine
from mandate.votes.models import CastVote, Voter
from mandate.votes.tests.conftest import make_members, open_poll

pytestmark = pytest.mark.django_db


def test_cast_returns_receipt_and_marks_roll_only(world, choices):
    members = make_members(world.liverpool, 3, "LIV")
    poll = open_poll(members)
    receipt = engine.vote_cast(
        poll=poll, voter_key=engine.member_key(members[0].pk), choice=choices(poll)["Yes"]
    )
    assert engine.normalise_receipt(receipt) == receipt
    voter = Voter.objects.get(poll=poll, member=members[0])
    assert voter.has_voted
    filled = CastVote.objects.get(poll=poll, choice__isnull=False)
    assert filled.receipt == receipt
    # Every elector has a slot made at opening; only one is filled.
    assert CastVote.objects.filter(poll=poll).count() == 3


def test_second_vote_is_already_voted(world, choices):
    members = make_members(world.liverpool, 2, "LIV")
    poll = open_poll(members)
    key = engine.member_key(members[0].pk)
    engine.vote_cast(poll=poll, voter_key=key, choice=choices(poll)["Yes"])
    with pytest.raises(engine.AlreadyVoted, match="already voted"):
        engine.vote_cast(poll=poll, voter_key=key, choice=choices(poll)["No"])
    assert CastVote.objects.filter(poll=poll, choice__isnull=False).count() == 1


def test_vote_after_closing_time_or_close_is_refused(world, choices):
    members = make_members(world.liverpool, 2, "LIV")
    poll = open_poll(members)
    late = poll.closes_at + dt.timedelta(seconds=1)
    with pytest.raises(engine.VotingClosed, match="closed"):
        engine.vote_cast(
            poll=poll,
            voter_key=engine.member_key(members[0].pk),
            choice=choices(poll)["Yes"],
            now=late,
        )
    engine.poll_close(poll=poll)
    with pytest.raises(engine.VotingClosed):
        engine.vote_cast(
            poll=poll, voter_key=engine.member_key(members[1].pk), choice=choices(poll)["Yes"]
        )
    assert not Voter.objects.filter(poll=poll, has_voted=True).exists()


def test_vote_before_opening_is_refused(world, choices):
    members = make_members(world.liverpool, 1, "LIV")
    now = timezone.now()
    poll = engine.poll_create(
        title="Later",
        choices=["Yes", "No"],
        opens_at=now + dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=2),
        voters=[engine.VoterSpec(key="a")],
    )
    poll = engine.poll_open(poll=poll)
    with pytest.raises(engine.VotingClosed, match="not opened"):
        engine.vote_cast(poll=poll, voter_key="a", choice=choices(poll)["Yes"])
    assert members


def test_not_on_roll_and_foreign_choice(world, choices):
    members = make_members(world.liverpool, 1, "LIV")
    poll = open_poll(members)
    other = open_poll(members, title="Other")
    with pytest.raises(engine.NotOnRoll):
        engine.vote_cast(poll=poll, voter_key="member:0", choice=choices(poll)["Yes"])
    with pytest.raises(DomainError, match="Choose one"):
        engine.vote_cast(
            poll=poll, voter_key=engine.member_key(members[0].pk), choice=choices(other)["Yes"]
        )
    assert not Voter.objects.filter(poll=poll, has_voted=True).exists()


@pytest.mark.parametrize(
    ("choices_in", "message"),
    [
        (["Yes"], "at least two"),
        (["Yes", " "], "Choice 2 is empty"),
        (["Yes", "yes"], "Choice 2 .* repeats"),
    ],
)
def test_bad_choices_name_the_choice(choices_in, message):
    now = timezone.now()
    with pytest.raises(DomainError, match=message):
        engine.poll_create(
            title="T", choices=choices_in, opens_at=now, closes_at=now + dt.timedelta(hours=1)
        )
    assert not engine.Poll.objects.exists()


def test_roll_is_frozen_after_opening(world):
    members = make_members(world.liverpool, 1, "LIV")
    poll = open_poll(members)
    with pytest.raises(InvalidState, match="frozen"):
        engine.poll_add_voters(poll=poll, voters=[engine.VoterSpec(key="late")])


def test_close_checks_count_and_drops_unused_slots(world, choices):
    members = make_members(world.liverpool, 5, "LIV")
    poll = open_poll(members)
    for m in members[:3]:
        engine.vote_cast(poll=poll, voter_key=engine.member_key(m.pk), choice=choices(poll)["No"])
    poll = engine.poll_close(poll=poll)
    assert (poll.ballots_counted, poll.voters_marked, poll.count_ok) == (3, 3, True)
    assert CastVote.objects.filter(poll=poll).count() == 3
    engine.poll_publish(poll=poll)


def test_count_mismatch_blocks_publication(world, choices):
    members = make_members(world.liverpool, 3, "LIV")
    poll = open_poll(members)
    engine.vote_cast(
        poll=poll, voter_key=engine.member_key(members[0].pk), choice=choices(poll)["No"]
    )
    # A roll row marked without a ballot (tampering or a bug) must be caught at close.
    Voter.objects.filter(poll=poll, member=members[1]).update(has_voted=True)
    poll = engine.poll_close(poll=poll)
    assert poll.count_ok is False
    with pytest.raises(engine.CountMismatch, match="1 ballots were counted but 2 voters"):
        engine.poll_publish(poll=poll)


def _vote_all(poll, members, choices):
    ids = choices(poll)
    for n, m in enumerate(members):
        engine.vote_cast(
            poll=poll, voter_key=engine.member_key(m.pk), choice=ids["Yes" if n % 3 else "No"]
        )


def test_tally_by_branch_shows_ten(world, choices):
    liv = make_members(world.liverpool, 10, "LIV")
    ucl = make_members(world.ucl, 10, "UCL")
    poll = open_poll(liv + ucl)
    _vote_all(poll, liv + ucl, choices)
    with pytest.raises(InvalidState):
        engine.tally(poll)
    result = engine.tally(engine.poll_close(poll=poll))
    assert result.cast == 20 and result.electorate == 20
    assert sum(c.votes for c in result.choices) == 20
    by_name = {b.name: b for b in result.branches}
    assert sum(c.votes for c in by_name[world.liverpool.name].choices) == 10
    assert sum(c.votes for c in by_name[world.ucl.name].choices) == 10


def test_tally_hides_nine_and_the_branch_that_would_give_it_away(world, choices):
    third = core_actions.branch_create(region=world.london, name="Third Branch")
    big = make_members(world.liverpool, 20, "LIV")
    ten = make_members(third, 10, "THI")
    nine = make_members(world.ucl, 9, "UCL")
    poll = open_poll(big + ten + nine)
    _vote_all(poll, big + ten + nine, choices)
    result = engine.tally(engine.poll_close(poll=poll))
    by_name = {b.name: b for b in result.branches}
    assert by_name[world.ucl.name].cast == 9 and by_name[world.ucl.name].choices is None
    # Shown alone, the ten-vote branch would let the total minus the shown branches reveal
    # the nine-vote branch; it is withheld too.
    assert by_name["Third Branch"].choices is None
    assert by_name[world.liverpool.name].choices is not None


def test_tally_two_branches_ten_and_nine_shows_neither(world, choices):
    liv = make_members(world.liverpool, 10, "LIV")
    ucl = make_members(world.ucl, 9, "UCL")
    poll = open_poll(liv + ucl)
    _vote_all(poll, liv + ucl, choices)
    result = engine.tally(engine.poll_close(poll=poll))
    assert [b.choices for b in result.branches] == [None, None]
    assert result.cast == 19


def test_weighted_poll_sums_weights(choices):
    now = timezone.now()
    poll = engine.poll_create(
        title="Card vote",
        choices=["For", "Against"],
        opens_at=now - dt.timedelta(minutes=1),
        closes_at=now + dt.timedelta(hours=1),
        origin=engine.PollOrigin.MEETING,
        weighted=True,
        results_by_branch=False,
        voters=[
            engine.VoterSpec(key="d1", weight=Decimal("1500.5")),
            engine.VoterSpec(key="d2", weight=Decimal("300")),
        ],
    )
    poll = engine.poll_open(poll=poll)
    engine.vote_cast(poll=poll, voter_key="d1", choice=choices(poll)["For"])
    engine.vote_cast(poll=poll, voter_key="d2", choice=choices(poll)["Against"])
    result = engine.tally(engine.poll_close(poll=poll))
    assert [c.votes for c in result.choices] == [Decimal("1500.5"), Decimal("300")]
    assert result.branches == []


def test_weights_refused_on_unweighted_poll():
    now = timezone.now()
    with pytest.raises(DomainError, match="Voter 1: weights"):
        engine.poll_create(
            title="T",
            choices=["A", "B"],
            opens_at=now,
            closes_at=now + dt.timedelta(hours=1),
            voters=[engine.VoterSpec(key="x", weight=Decimal(2))],
        )


def test_published_receipts_sorted_and_only_after_publication(world, choices):
    members = make_members(world.liverpool, 4, "LIV")
    poll = open_poll(members)
    receipts = {
        engine.vote_cast(poll=poll, voter_key=engine.member_key(m.pk), choice=choices(poll)["Yes"])
        for m in members
    }
    poll = engine.poll_close(poll=poll)
    with pytest.raises(InvalidState):
        list(engine.published_receipts(poll))
    poll = engine.poll_publish(poll=poll)
    listed = [(b.receipt, b.choice.label) for b in engine.published_receipts(poll)]
    assert [r for r, _ in listed] == sorted(receipts)
    assert {label for _, label in listed} == {"Yes"}


def test_receipt_normalisation():
    assert engine.normalise_receipt("abcd efgh jk23") == "ABCD-EFGH-JK23"
    assert engine.normalise_receipt("ABCD-EFGH-JK2") == ""
    assert engine.normalise_receipt("ABCD-EFGH-JK20") == ""  # 0 is not in the alphabet


def test_ballot_row_cannot_name_a_voter():
    """Secrecy by construction: no path from a ballot to the roll, a member, or a time."""
    fields = CastVote._meta.get_fields()
    related = {f.related_model for f in fields if f.is_relation}
    from mandate.core.models import User
    from mandate.members.models import Member

    assert Voter not in related and Member not in related and User not in related
    assert not [
        f
        for f in fields
        if isinstance(f, (models.DateTimeField, models.DateField, models.TimeField))
    ]
    assert not [f for f in fields if isinstance(f, (models.AutoField, models.BigAutoField))]
    pk = CastVote._meta.pk
    assert isinstance(pk, models.UUIDField) and pk.default.__name__ == "uuid4"
    # And the roll holds no time of voting.
    assert not [
        f
        for f in Voter._meta.get_fields()
        if isinstance(f, (models.DateTimeField, models.DateField))
    ]
    assert Voter not in {f.related_model for f in CastVote._meta.get_fields()}
    assert CastVote not in {f.related_model for f in Voter._meta.get_fields()}


def test_no_free_slot_leaves_the_roll_unmarked(world, choices):
    members = make_members(world.liverpool, 2, "LIV")
    poll = open_poll(members)
    CastVote.objects.filter(poll=poll).delete()
    with pytest.raises(InvalidState, match="No free ballot slot"):
        engine.vote_cast(
            poll=poll, voter_key=engine.member_key(members[0].pk), choice=choices(poll)["Yes"]
        )
    assert not Voter.objects.filter(poll=poll, has_voted=True).exists()
