"""contact_record: the source-strength table, history, and refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mandate.ballots import actions as ballot_actions
from mandate.ballots.models import Ballot
from mandate.conftest import World
from mandate.core.errors import InvalidState
from mandate.turnout.actions import GtvoError, contact_record
from mandate.turnout.models import ContactEvent, ContactStatus, Source, Status

# (first source, second source, does the second overwrite the first?)
STRENGTH_TABLE = [
    (Source.SELF_REPORT, Source.SELF_REPORT, True),
    (Source.SELF_REPORT, Source.REP, False),
    (Source.SELF_REPORT, Source.CALLER, False),
    (Source.SELF_REPORT, Source.TEXT_REPLY, False),
    (Source.SELF_REPORT, Source.OTHER, False),
    (Source.REP, Source.SELF_REPORT, True),
    (Source.REP, Source.CALLER, True),
    (Source.CALLER, Source.REP, True),
    (Source.CALLER, Source.TEXT_REPLY, False),
    (Source.TEXT_REPLY, Source.CALLER, True),
    (Source.TEXT_REPLY, Source.TEXT_REPLY, True),
    (Source.OTHER, Source.SELF_REPORT, True),
]


@pytest.mark.parametrize(("first", "second", "overwrites"), STRENGTH_TABLE)
def test_source_strength_table(
    world: World, ballot: Ballot, first: str, second: str, overwrites: bool
) -> None:
    contact_record(ballot=ballot, member=world.member, status=Status.WILL_VOTE, source=first)
    result = contact_record(
        ballot=ballot, member=world.member, status=Status.SAYS_VOTED, source=second
    )
    row = ContactStatus.objects.get(ballot=ballot, member=world.member)
    assert result.applied is overwrites
    assert row.status == (Status.SAYS_VOTED if overwrites else Status.WILL_VOTE)
    assert row.source == (second if overwrites else first)
    assert row.says_voted is overwrites
    # The weaker report is still in the history.
    assert ContactEvent.objects.filter(ballot=ballot, member=world.member).count() == 2
    assert ContactEvent.objects.get(pk=result.event.pk).applied is overwrites


def test_an_older_report_of_equal_strength_does_not_overwrite_a_newer(
    world: World, ballot: Ballot
) -> None:
    now = timezone.now()
    contact_record(
        ballot=ballot, member=world.member, status=Status.SAYS_VOTED, source=Source.CALLER, at=now
    )
    late = contact_record(
        ballot=ballot,
        member=world.member,
        status=Status.NO_ANSWER,
        source=Source.REP,
        at=now - dt.timedelta(hours=2),
    )
    assert late.applied is False
    assert ContactStatus.objects.get(member=world.member).status == Status.SAYS_VOTED


def test_contacted_flag_follows_the_answer(world: World, ballot: Ballot) -> None:
    r = contact_record(ballot=ballot, member=world.member, status=Status.NO_ANSWER, source="caller")
    assert (r.status.contacted, r.status.says_voted) == (False, False)
    r = contact_record(ballot=ballot, member=world.member, status=Status.WILL_VOTE, source="caller")
    assert (r.status.contacted, r.status.says_voted) == (True, False)
    assert r.status.constituency.ballot_id == ballot.pk


def test_member_outside_the_electorate_is_refused(world: World, ballot: Ballot) -> None:
    with pytest.raises(GtvoError, match="not entitled"):
        contact_record(
            ballot=ballot, member=world.ucl_member, status=Status.SAYS_VOTED, source="caller"
        )
    assert not ContactEvent.objects.exists()


@pytest.mark.parametrize(
    ("status", "source"), [("unknown", "caller"), ("voted!", "caller"), ("says_voted", "pigeon")]
)
def test_unknown_status_or_source_is_refused(
    world: World, ballot: Ballot, status: str, source: str
) -> None:
    with pytest.raises(GtvoError):
        contact_record(ballot=ballot, member=world.member, status=status, source=source)


def test_closed_ballot_takes_no_reports(world: World, ballot: Ballot) -> None:
    ballot_actions.ballot_close(ballot=ballot, actor=None)
    ballot.refresh_from_db()
    with pytest.raises(InvalidState, match="closed"):
        contact_record(ballot=ballot, member=world.member, status="says_voted", source="caller")


def test_single_reports_are_not_audited(world: World, ballot: Ballot) -> None:
    from mandate.core.models import AuditEvent

    before = AuditEvent.objects.count()
    for _ in range(3):
        contact_record(ballot=ballot, member=world.member, status="will_vote", source="caller")
    assert AuditEvent.objects.count() == before
