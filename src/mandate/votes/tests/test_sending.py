"""Sending voting links through messaging: each member yet to vote gets their own link, by
personal email or text, with messaging's rules; only the poll's officers may send."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent, User
from mandate.messaging.models import Message, MessageState, Reason
from mandate.votes import engine
from mandate.votes.models import PollState
from mandate.votes.tests.conftest import open_poll

pytestmark = pytest.mark.django_db


def login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _token(body: str) -> str:
    return body.split("/ballot/")[1].split("/")[0]


def test_officer_previews_then_sends_each_voter_their_own_link(world: World) -> None:
    world.covered.mobile = "+447700900002"
    world.covered.save()
    poll = open_poll([world.member, world.covered, world.uncovered], branch=world.liverpool)
    engine.vote_cast(
        poll=poll, voter_key=engine.member_key(world.uncovered.pk), choice=poll.choices.first().pk
    )
    url = reverse("votes:send", args=[poll.pk])
    client = login(world.secretary)
    page = client.get(url)
    assert page.status_code == 200 and "{link}" in page.content.decode()
    assert url in client.get(reverse("votes:detail", args=[poll.pk])).content.decode()
    data = {
        "channel": "sms",
        "template": "Hi {first_name}, vote here: {link}",
        "request_key": "0b8f7a44-5d7e-4a36-9a0b-1c2d3e4f5a6b",
    }
    preview = client.post(url, {**data, "confirm": "preview"})
    assert "<strong>2</strong> of 2" in preview.content.decode()  # Una has voted
    assert not Message.objects.exists()
    client.post(url, {**data, "confirm": "send"})
    client.post(url, {**data, "confirm": "send"})  # a second click queues nothing more
    messages = {m.member_id: m for m in Message.objects.all()}
    assert set(messages) == {world.member.pk, world.covered.pk}
    tokens = {_token(m.body) for m in messages.values()}
    assert len(tokens) == 2  # each their own
    for token in tokens:
        assert Client().get(reverse("ballot_link", args=[token])).status_code == 200
    event = AuditEvent.objects.get(action="poll.links_send", object_id=str(poll.pk))
    assert event.detail["queued"] == 2 and event.detail["via"] == "web"
    assert event.actor == world.secretary


def test_email_goes_to_personal_addresses_only(world: World) -> None:
    world.covered.work_email = "c.byrne@liverpool.ac.uk"
    world.covered.save()
    poll = open_poll([world.member, world.covered], branch=world.liverpool)
    client = login(world.secretary)
    client.post(
        reverse("votes:send", args=[poll.pk]),
        {
            "channel": "email",
            "subject": "Your vote",
            "template": "Dear {first_name}, vote: {link}",
            "confirm": "send",
        },
    )
    sent = Message.objects.get(member=world.member)
    assert sent.address == "mo@example.org" and "/ballot/" in sent.body
    skipped = Message.objects.get(member=world.covered)
    assert skipped.state == MessageState.SKIPPED and skipped.reason in (
        Reason.WORK_ADDRESS,
        Reason.NO_ADDRESS,
    )
    assert "liverpool.ac.uk" not in skipped.address


def test_bad_messages_are_refused_with_the_field_named(world: World) -> None:
    poll = open_poll([world.member], branch=world.liverpool)
    url = reverse("votes:send", args=[poll.pk])
    client = login(world.secretary)
    no_link = client.post(url, {"channel": "sms", "template": "Vote!", "confirm": "send"})
    assert no_link.status_code == 400 and "Put {link} in the message" in no_link.content.decode()
    no_subject = client.post(url, {"channel": "email", "template": "{link}", "confirm": "send"})
    assert no_subject.status_code == 400 and "needs a subject" in no_subject.content.decode()
    bad_field = client.post(url, {"channel": "sms", "template": "{link} {ballot}"})
    assert bad_field.status_code == 400 and "not a merge field" in bad_field.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "rep", "member_user", "panel"])
def test_others_get_404(world: World, persona: str) -> None:
    poll = open_poll([world.member], branch=world.liverpool)
    url = reverse("votes:send", args=[poll.pk])
    client = login(getattr(world, persona))
    assert client.get(url).status_code == 404
    data = {"channel": "sms", "template": "{link}", "confirm": "send"}
    assert client.post(url, data).status_code == 404
    assert not Message.objects.exists()


def test_closed_poll_sends_nothing(world: World) -> None:
    poll = open_poll([world.member], branch=world.liverpool)
    engine.poll_close(poll=poll)
    poll.refresh_from_db()
    assert poll.state != PollState.OPEN
    client = login(world.secretary)
    response = client.post(
        reverse("votes:send", args=[poll.pk]),
        {"channel": "sms", "template": "{link}", "confirm": "send"},
    )
    assert response.status_code == 404 and not Message.objects.exists()


def test_command_sends_links_and_audits(world: World) -> None:
    poll = open_poll([world.member, world.covered], branch=world.liverpool)
    stdout = StringIO()
    call_command("poll", "links", str(poll.pk), "--send", "sms", stdout=stdout)
    assert "1 of 2 links queued by sms" in stdout.getvalue()
    assert "No mobile number: 1" in stdout.getvalue()
    (message,) = Message.objects.filter(state=MessageState.QUEUED)
    assert message.member_id == world.member.pk and "/ballot/" in message.body
    event = AuditEvent.objects.get(action="poll.links_send")
    assert event.detail["via"] == "command" and event.actor is None
    with pytest.raises(CommandError, match="must contain"):
        call_command("poll", "links", str(poll.pk), "--send", "sms", "--template", "Vote now")
    with pytest.raises(CommandError, match="not allowed with"):
        call_command("poll", "links", str(poll.pk), "--send", "sms", "--out", "x.csv")
