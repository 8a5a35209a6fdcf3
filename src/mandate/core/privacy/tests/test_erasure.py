"""Erasure: personal data goes; every count, result, tally and receipt stays the same."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from mandate.ballots.models import Constituency, ElectorateEntry, Result
from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent, User
from mandate.core.privacy.erasure import ErasureError, is_erased, member_erase
from mandate.core.privacy.search import text_occurrences
from mandate.core.privacy.tests.scenario import NAME, Scenario, build, needles
from mandate.meetings.actions import present_count
from mandate.meetings.models import Meeting
from mandate.members.models import Member
from mandate.messaging.models import Message, OptOut
from mandate.turnout import actions as turnout_actions
from mandate.votes import engine
from mandate.votes.models import CastVote, Voter


def _figures(s: Scenario) -> dict[str, Any]:
    """Everything counted from the member's rows, as plain values."""
    constituencies = Constituency.objects.filter(ballot=s.ballot)
    return {
        "gtvo": sorted(
            (t.constituency_id, t.says_voted, t.contacted)
            for t in turnout_actions.tallies(s.ballot).values()
        ),
        "entitled": list(constituencies.order_by("pk").values_list("pk", "entitled_count")),
        "electorate": ElectorateEntry.objects.filter(constituency__in=constituencies).count(),
        "results": list(Result.objects.order_by("pk").values()),
        "tally": repr(engine.tally(s.poll)),
        "poll_turnout": repr(engine.turnout(s.poll)),
        "receipts": sorted(
            CastVote.objects.filter(poll=s.poll).values_list("receipt", "choice_id", "branch_id")
        ),
        "voted_marks": Voter.objects.filter(poll=s.poll, has_voted=True).count(),
        "present": [present_count(m) for m in Meeting.objects.order_by("pk")],
        "messages": Message.objects.count(),
        "opt_outs": OptOut.objects.count(),
    }


def _with_result(s: Scenario) -> None:
    constituency = Constituency.objects.filter(ballot=s.ballot).first()
    assert constituency is not None
    Result.objects.create(
        constituency=constituency,
        question="strike",
        entitled=6,
        votes_cast=4,
        yes=3,
        no=1,
        spoiled=0,
        source="manual",
    )


def test_erasure_leaves_no_trace_and_every_count_intact(world: World) -> None:
    s = build(world)
    _with_result(s)
    s.subject.user = User.objects.create_user(
        username="zquill", email="zephyrine.q@example.org", first_name=NAME[0], last_name=NAME[1]
    )
    s.subject.save(update_fields=["user"])
    TOTPDevice.objects.create(user=s.subject.user, name="Phone", confirmed=True)
    before = _figures(s)
    hits = {label for label, _, _ in text_occurrences(needles())}
    # The scenario really did spread the member's details around the database.
    assert {
        "members.member",
        "members.memberchange",
        "turnout.contactevent",
        "calls.calllog",
        "messaging.message",
        "core.user",
    } <= hits

    counts = member_erase(member=s.subject, actor=world.secretary)

    assert text_occurrences(needles()) == []
    assert _figures(s) == before
    s.subject.refresh_from_db()
    assert is_erased(s.subject) and s.subject.do_not_contact
    assert not User.objects.get(username__startswith="erased-").is_active
    assert not TOTPDevice.objects.exists()
    assert counts["register"] == 1 and counts["messages"] == 1
    event = AuditEvent.objects.get(action="member.erase")
    assert event.actor == world.secretary and event.object_id == str(s.subject.pk)
    assert not [n for n in needles() if n.lower() in json.dumps(event.detail).lower()]
    with pytest.raises(ErasureError, match="already"):
        member_erase(member=s.subject, actor=None)


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _url(world: World, pk: int) -> str:
    return f"/branches/{world.liverpool.slug}/members/{pk}/erase/"


def test_the_officer_confirms_with_the_membership_number(world: World) -> None:
    client = _client("secretary")
    url = _url(world, world.covered.pk)
    page = client.get(url)
    assert page.status_code == 200 and "cannot be undone" in page.content.decode()
    wrong = client.post(url, {"confirm": "not it"})
    assert wrong.status_code == 400
    assert "Type the membership number" in wrong.content.decode()
    assert not is_erased(Member.objects.get(pk=world.covered.pk))
    done = client.post(url, {"confirm": world.covered.membership_number})
    assert done.status_code == 302
    assert is_erased(Member.objects.get(pk=world.covered.pk))
    assert AuditEvent.objects.filter(action="member.erase", actor=world.secretary).count() == 1


def test_others_cannot_erase(world: World) -> None:
    for username in ("outsider", "rep", "member", "panel"):
        client = _client(username)
        url = _url(world, world.covered.pk)
        assert client.get(url).status_code == 404, username
        response = client.post(url, {"confirm": world.covered.membership_number})
        assert response.status_code == 404, username
    assert not is_erased(Member.objects.get(pk=world.covered.pk))


def test_the_command_needs_the_membership_number(world: World) -> None:
    with pytest.raises(CommandError, match="does not match"):
        call_command("erase-member", str(world.covered.pk), "--confirm", "wrong")
    out = io.StringIO()
    call_command(
        "erase-member",
        str(world.covered.pk),
        "--confirm",
        world.covered.membership_number,
        stdout=out,
    )
    assert "Erased member" in out.getvalue()
    assert is_erased(Member.objects.get(pk=world.covered.pk))
