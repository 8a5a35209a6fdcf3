"""Sending members' check-in links for a meeting through messaging: each their own link, only
to members not yet checked in, only by the meeting's organisers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent
from mandate.meetings import actions
from mandate.meetings.models import Attendance, CheckInMethod, Meeting, MeetingKind, MeetingMode
from mandate.messaging.models import Message

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def _meeting(world: World, **kw: Any) -> Meeting:
    fields: dict[str, Any] = {
        "actor": world.secretary,
        "branch": world.liverpool,
        "kind": MeetingKind.MEMBERS,
        "title": "Members' meeting {daily}",
        "mode": MeetingMode.IN_PERSON,
        "starts_at": timezone.now(),
        "location": "Guild of Students",
    }
    fields.update(kw)
    return actions.meeting_create(**fields)


def _token(body: str) -> str:
    return body.split("/meetings/m/")[1].split("/")[0]


def test_organiser_sends_each_member_their_own_check_in_link(world: World) -> None:
    world.uncovered.mobile = "+447700900003"
    world.uncovered.save()
    meeting = _meeting(world)
    actions.check_in(meeting=meeting, member=world.covered, method=CheckInMethod.STEWARD)
    url = reverse("meetings:send_links", args=[meeting.pk])
    client = _client(world.secretary)
    assert url in client.get(reverse("meetings:steward", args=[meeting.pk])).content.decode()
    page = client.get(url)
    # The title's braces are kept as text, not read as merge fields.
    assert page.status_code == 200 and "Members&#x27; meeting {{daily}}" in page.content.decode()
    data = {
        "channel": "sms",
        "template": page.context["form"].initial["template"],
        "request_key": "4c7f5b0e-2a51-4c39-8f0e-6a1b2c3d4e5f",
    }
    preview = client.post(url, {**data, "confirm": "preview"})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "<strong>2</strong> of 2" in text and "Members&#x27; meeting {daily}" in text
    client.post(url, {**data, "confirm": "send"})
    client.post(url, {**data, "confirm": "send"})  # a second click queues nothing more
    messages = {m.member_id: m for m in Message.objects.all()}
    assert set(messages) == {world.member.pk, world.uncovered.pk}  # Cat is already in
    tokens = {m: _token(msg.body) for m, msg in messages.items()}
    assert len(set(tokens.values())) == 2
    link = reverse("meetings:member_link", args=[tokens[world.uncovered.pk]])
    Client().post(link)
    assert Attendance.objects.filter(meeting=meeting, member=world.uncovered).exists()
    event = AuditEvent.objects.get(action="meeting.links_send", object_id=str(meeting.pk))
    assert event.detail["queued"] == 2 and event.actor == world.secretary


def test_message_must_carry_the_link(world: World) -> None:
    meeting = _meeting(world)
    client = _client(world.secretary)
    response = client.post(
        reverse("meetings:send_links", args=[meeting.pk]),
        {"channel": "sms", "template": "Come along!", "confirm": "send"},
    )
    assert response.status_code == 400 and "Put {link} in the message" in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("member_user", 403)])
def test_others_cannot_send(world: World, persona: str, status: int) -> None:
    meeting = _meeting(world)
    url = reverse("meetings:send_links", args=[meeting.pk])
    client = _client(getattr(world, persona))
    assert client.get(url).status_code == status
    data = {"channel": "sms", "template": "{link}", "confirm": "send"}
    assert client.post(url, data).status_code == status
    assert not Message.objects.exists()
    assert not AuditEvent.objects.filter(action="meeting.links_send").exists()


def test_closed_and_delegate_meetings_have_no_member_links(world: World) -> None:
    closed = _meeting(world)
    actions.meeting_set_state(actor=world.secretary, meeting=closed, state="closed")
    client = _client(world.secretary)
    assert client.get(reverse("meetings:send_links", args=[closed.pk])).status_code == 404
    delegates = _meeting(
        world,
        actor=world.national,
        branch=None,
        kind=MeetingKind.DELEGATE,
        mode=MeetingMode.ONLINE,
        link="https://meet.example.org/d",
    )
    national = _client(world.national)
    assert national.get(reverse("meetings:send_links", args=[delegates.pk])).status_code == 404
