"""A steward runs a meeting vote on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from mandate.conftest import browser_login, build_world
from mandate.meetings import actions
from mandate.meetings.models import Attendance


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_steward_checks_people_in_and_counts_hands(live_server: Any, phone: Any) -> None:
    world = build_world()
    meeting = actions.meeting_create(
        actor=world.secretary,
        branch=world.liverpool,
        kind="members",
        title="Emergency members' meeting",
        mode="in_person",
        starts_at=timezone.now(),
        location="Guild of Students",
    )
    actions.motion_add(
        actor=world.secretary,
        meeting=meeting,
        title="Strike on",
        text="Strike on until there are no compulsory redundancies.",
    )
    browser_login(phone, live_server, "rep")
    phone.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    phone.get_by_role("link", name="Steward console").click()
    phone.get_by_role("button", name="Open the meeting").click()
    for name in ("Mo Ahmed", "Cat Byrne", "Una Cole"):
        phone.get_by_role("button", name=f"Check in {name}").click()
        phone.get_by_label(f"{name} checked in").wait_for()
    phone.locator("#summary").get_by_text("3 present", exact=True).wait_for()
    assert Attendance.objects.filter(meeting=meeting).count() == 3
    # the search narrows the list in place
    phone.get_by_label("Find by name").fill("Byrne")
    phone.get_by_label("Cat Byrne checked in").wait_for()

    phone.get_by_text("Put to the vote").click()
    phone.get_by_label("Method").select_option("show_of_hands")
    phone.get_by_role("button", name="Take the vote").click()
    phone.get_by_label("For").fill("4")
    phone.get_by_label("Against").fill("0")
    phone.get_by_role("button", name="Record the count").click()
    phone.get_by_role("alert").get_by_text("only 3 are checked in").wait_for()
    phone.get_by_label("For").fill("2")
    phone.get_by_label("Against").fill("1")
    phone.get_by_label("Abstaining").fill("0")
    phone.get_by_role("button", name="Record the count").click()
    result = phone.locator("#result")
    result.wait_for()
    assert result.inner_text().startswith("3 present, 2 for, 1 against: carried")
    # the bar fits the phone: no sideways scrolling on the console
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
