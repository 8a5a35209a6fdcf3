"""A steward sends the meeting's check-in links from a phone; a member taps theirs."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mandate.conftest import World, browser_login
from mandate.meetings import actions
from mandate.meetings.models import Attendance, MeetingKind, MeetingMode
from mandate.messaging.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_steward_sends_check_in_links_and_a_member_checks_in(
    live_server: Any, phone: Any, world: World
) -> None:
    meeting = actions.meeting_create(
        actor=world.secretary,
        branch=world.liverpool,
        kind=MeetingKind.MEMBERS,
        title="Members' meeting",
        mode=MeetingMode.IN_PERSON,
        starts_at=timezone.now(),
        location="Guild of Students",
    )
    browser_login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/meetings/{meeting.pk}/steward/")
    phone.get_by_role("link", name="Send check-in links").click()
    phone.get_by_role("button", name="Preview").click()
    expect(phone.locator("pre")).to_contain_text("Guild of Students", use_inner_text=True)
    phone.get_by_role("button", name="Send to 1").click()
    expect(phone.get_by_role("status").first).to_contain_text(
        "Queued: 1 of 3 members", use_inner_text=True
    )

    body = Message.objects.get(member=world.member).body
    path = "/meetings/m/" + body.split("/meetings/m/")[1].split("/")[0] + "/"
    phone.context.clear_cookies()
    phone.goto(f"{live_server.url}{path}")
    phone.get_by_role("button", name="I'm here").click()
    phone.get_by_text("checked in", exact=False).first.wait_for()
    assert Attendance.objects.filter(meeting=meeting, member=world.member).exists()


def test_member_checks_in_by_the_qr_code(live_server: Any, phone: Any, world: World) -> None:
    from mandate.meetings import links

    meeting = actions.meeting_create(
        actor=world.secretary,
        branch=world.liverpool,
        kind=MeetingKind.MEMBERS,
        title="Members' meeting",
        mode=MeetingMode.IN_PERSON,
        starts_at=timezone.now(),
        location="Guild of Students",
    )
    browser_login(phone, live_server, "member")
    phone.goto(live_server.url + links.qr_url(meeting).removeprefix(links.absolute("")))
    phone.get_by_role("button", name="I'm here").click()
    phone.get_by_text("checked in", exact=False).first.wait_for()
    assert Attendance.objects.filter(meeting=meeting, member=world.member).exists()
